"""The fragments staff pages load with htmx: suggestions on the intake page as the clerk types, and a
registered case's likely duplicates, each with a one-click merge, on the case page."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.selectors import action_options, case_assignments, case_visible, case_whistles, cases_visible_to

from . import conf
from .access import duplicate_scope, hot_spot_places, hot_spot_root, may_use_routing, visible_region
from .selectors import hot_spots, likely_duplicates, suggest_categories

MAX_TEXT = 4000
_ELEMENT_ID = re.compile(r"^[A-Za-z][\w-]{0,63}$")


@login_required
@require_GET
def suggest_fragment(request: HttpRequest) -> HttpResponse:
    """HTML with the top 3 categories (each with a 采用 button) and likely duplicates.

    Reads `title`, `description` and `region` (the region's id, as the intake form posts it; or
    `region_code`). Without any text it shows a short hint. A place outside the reader's area is
    refused; duplicates come only from the reader's own region (`access.duplicate_scope`).
    """
    user = request.user
    if not may_use_routing(user):
        raise PermissionDenied("分类建议仅供辖区工作人员使用")
    title = request.GET.get("title", "")[:MAX_TEXT]
    description = request.GET.get("description", "")[:MAX_TEXT]
    target = request.GET.get("target", "")
    if not _ELEMENT_ID.match(target):
        target = "id_category"
    context = {"has_text": bool(title.strip() or description.strip()), "target": target,
               "days": conf.duplicate_days()}
    code, pk = request.GET.get("region_code", "").strip(), request.GET.get("region", "").strip()
    region = visible_region(user, code=code, pk=pk)
    if (code or pk) and region is None:
        raise PermissionDenied("所选区域不在您的辖区内")
    if context["has_text"]:
        suggestions = suggest_categories(title=title, description=description)
        duplicates = []
        if region is not None:
            duplicates = likely_duplicates(
                title=title, description=description, region=region, within=duplicate_scope(user),
            )
        context.update(
            suggestions=suggestions,
            items=[
                {"item": item, "percent": round(item.score * 100)} for item in suggestions.items
            ],
            duplicates=[{"match": match, "percent": round(match.score * 100)} for match in duplicates],
            region=region,
            auto_threshold=conf.auto_threshold(),
        )
    return render(request, "routing/suggestions.html", context)


@login_required
@require_GET
def case_duplicates_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """HTML listing open cases that are probably the same problem as case `pk`, each with a 合并 button.

    The buttons post the case page's own merge form (cases:transition) with the duplicate's tracking
    code, so merging goes through the same checks as typing the code by hand. Only someone who may
    merge the case now sees any; the candidates come from the reader's own region.
    """
    user = request.user
    if not may_use_routing(user):
        raise PermissionDenied("分类建议仅供辖区工作人员使用")
    case = case_visible(user, pk)
    if case is None:
        raise Http404
    options = action_options(user, case, assignments=list(case_assignments(case)),
                             whistles=list(case_whistles(case)))
    duplicates = []
    if "merge" in options.actions:
        duplicates = likely_duplicates(title=case.title, description=case.description, region=case.region,
                                       exclude_case=case, within=duplicate_scope(user))
    return render(request, "routing/case_duplicates.html", {
        "case": case, "may_merge": "merge" in options.actions, "days": conf.duplicate_days(),
        "duplicates": [{"match": match, "percent": round(match.score * 100)} for match in duplicates],
    })


@login_required
@require_GET
def hot_spots_page(request: HttpRequest) -> HttpResponse:
    """热点聚类: open cases of the last days under a region, grouped by community and topic, so staff see
    forty reports of one broken lamp as one problem. `?region=CODE` picks the place (default: the top of
    the reader's scope); only cases the reader may open are clustered."""
    user = request.user
    if not may_use_routing(user):
        raise PermissionDenied("热点聚类仅供辖区工作人员使用")
    root = hot_spot_root(user, request.GET.get("region", ""))
    if root is None and request.GET.get("region"):
        raise Http404
    spots = hot_spots(root, within=cases_visible_to(user)) if root is not None else []
    return render(request, "routing/hot_spots.html", {
        "root": root, "places": hot_spot_places(user), "spots": spots, "days": conf.duplicate_days(),
    })
