"""Console pages of the region tree and its facilities (阵地).

Views only parse the request, check the permission and call selectors or services. Every object is
looked up through a scoped selector, so one outside the user's scope answers 404, never 403. They
live here, above regions, because a region's page lists its organisations; the URLs keep the
`regions` namespace.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.forms import add_service_errors
from regions import selectors, services
from regions.permissions import can_manage_region

from .forms_facilities import FacilityFilterForm, FacilityForm
from .selectors import organisations_visible_to

PAGE_SIZE = 50


def _require_scope(user) -> None:
    if not selectors.has_console_scope(user):
        raise Http404


def _visible_region(user, code: str):
    return get_object_or_404(selectors.regions_visible_to(user), code=code)


@login_required
@require_GET
def tree(request):
    _require_scope(request.user)
    roots = list(selectors.region_children_with_counts(user=request.user, parent=None))
    # The first root opens with its children already in the page; deeper levels load on demand.
    first_children = selectors.region_children_with_counts(user=request.user, parent=roots[0]) if roots else []
    return render(request, "regions/tree.html", {"roots": roots, "first_children": first_children})


@login_required
@require_GET
def children(request, code: str):
    parent = _visible_region(request.user, code)
    nodes = selectors.region_children_with_counts(user=request.user, parent=parent)
    return render(request, "regions/_children.html", {"nodes": nodes, "parent": parent})


@login_required
@require_GET
def detail(request, code: str):
    user = request.user
    region = _visible_region(user, code)
    return render(request, "regions/detail.html", {
        "region": region,
        "breadcrumbs": selectors.region_visible_ancestors(user=user, region=region),
        "children": selectors.region_children_with_counts(user=user, parent=region),
        "facility_counts": selectors.facility_kind_counts(user=user, region=region),
        "facilities_here": selectors.facilities_filtered(user=user).filter(region=region),
        "organisations_here": organisations_visible_to(user).filter(region=region).order_by("kind", "name"),
        "can_manage": can_manage_region(user, region),
    })


@login_required
@require_GET
def facilities(request):
    user = request.user
    _require_scope(user)
    form = FacilityFilterForm(request.GET, user=user)
    if form.is_valid():
        rows = selectors.facilities_filtered(user=user, **form.cleaned_data)
    else:
        rows = selectors.facilities_filtered(user=user).none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "regions/facilities.html", {
        "form": form, "page": page, "can_manage": can_manage_region(user, None),
    })


def _save_facility(request, *, facility=None):
    user = request.user
    if request.method == "POST":
        form = FacilityForm(request.POST, user=user)
        if form.is_valid() and not can_manage_region(user, form.cleaned_data["region"]):
            form.add_error("region", "您无权在该区域登记阵地")
        if form.is_valid():
            try:
                if facility is None:
                    facility = services.facility_create(actor=user, **form.service_values())
                else:
                    services.facility_update(actor=user, facility=facility, values=form.service_values())
            except ValidationError as error:
                if facility is not None and facility.pk:
                    facility.refresh_from_db()  # undo the values the failed update left on the instance
                add_service_errors(form, error)
            else:
                messages.success(request, f"阵地“{facility.name}”已保存。")
                return redirect("regions:detail", code=facility.region.code)
    else:
        if facility is not None:
            initial = FacilityForm.initial_from(facility)
        else:
            # "Add a facility here" links from a region's page pass its code.
            region = selectors.region_visible_by_code(user=user, code=request.GET.get("region", ""))
            initial = {"region": region.pk} if region else {}
        form = FacilityForm(initial=initial, user=user)
    return render(request, "regions/facility_form.html", {"form": form, "facility": facility})


@login_required
@require_http_methods(["GET", "POST"])
def facility_create(request):
    _require_scope(request.user)
    if not can_manage_region(request.user, None):
        raise PermissionDenied("您无权登记阵地")
    return _save_facility(request)


@login_required
@require_http_methods(["GET", "POST"])
def facility_edit(request, pk: int):
    facility = get_object_or_404(selectors.facilities_visible_to(request.user), pk=pk)
    if not can_manage_region(request.user, facility.region):
        raise PermissionDenied("您无权修改该阵地")
    return _save_facility(request, facility=facility)
