from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from regions.selectors import region_ancestors, scope_root


@login_required
def home(request):
    """工作台: the signed-in user's place in the region tree, with the console's navigation around it."""
    root = scope_root(request.user)
    return render(request, "console/home.html", {
        "scope_root": root,
        "breadcrumbs": region_ancestors(root) if root else [],
    })
