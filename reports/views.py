"""Pages that show figures counted from records."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from regions.models import LEVEL_ORDER
from regions.selectors import region_ancestors

from .figures import FIGURES
from .selectors import figure_regions_for, figures_for, figures_region


@login_required
def figures(request):
    """The 三联三沉 figures of the region picked (the user's scope root by default)."""
    region = figures_region(request.user, request.GET.get("region") or None)
    if region is None:
        raise Http404("区域不存在或无权访问")
    values = figures_for(region)
    nodes = list(figure_regions_for(request.user))
    top = min((LEVEL_ORDER.index(node.level) for node in nodes), default=0)
    # A full-width space per level below the top lets a plain <select> read as a tree.
    choices = [(node.code, "　" * (LEVEL_ORDER.index(node.level) - top) + node.name) for node in nodes]
    return render(request, "reports/figures.html", {
        "region": region,
        "breadcrumbs": region_ancestors(region),
        "choices": choices,
        "cards": [{"figure": figure, "value": values[figure.key]} for figure in FIGURES],
    })
