"""Console pages of the organisation network (支部联建).

Views parse the request, check the permission and call selectors or services. Objects are looked up
through scoped selectors, so one outside the user's scope answers 404, never 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from core.forms import add_service_errors
from core.roles import STAFF_ROLES
from regions.permissions import can_export_rosters, can_import_rosters, can_manage_region
from regions.selectors import has_console_scope

from . import selectors, services
from .forms import ActivityFilterForm, DayForm, OrganisationFilterForm, OrganisationForm, PactFilterForm

PAGE_SIZE = 50


def _require_scope(user) -> None:
    if not has_console_scope(user):
        raise Http404


def _page(request, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
@require_GET
def organisation_list(request):
    user = request.user
    _require_scope(user)
    form = OrganisationFilterForm(request.GET, user=user)
    if form.is_valid():
        rows = selectors.organisations_filtered(user=user, **form.cleaned_data)
    else:
        rows = selectors.organisations_filtered(user=user).none()
    return render(request, "organisations/list.html", {
        "form": form, "page": _page(request, rows), "can_manage": can_manage_region(user, None),
        "can_import": can_import_rosters(user), "can_export": can_export_rosters(user),
    })


@login_required
@require_GET
def organisation_detail(request, pk: int):
    user = request.user
    organisation = get_object_or_404(selectors.organisations_visible_to(user).select_related("parent"), pk=pk)
    return render(request, "organisations/detail.html", {
        "organisation": organisation,
        "can_manage": can_manage_region(user, organisation.region),
        **selectors.organisation_page(user=user, organisation=organisation),
    })


def _save_organisation(request, *, organisation=None):
    user = request.user
    if request.method == "POST":
        form = OrganisationForm(request.POST, user=user, instance=organisation)
        if form.is_valid() and not can_manage_region(user, form.cleaned_data["region"]):
            form.add_error("region", "您无权在该区域登记组织")
        if form.is_valid():
            try:
                if organisation is None:
                    organisation = services.organisation_create(actor=user, **form.service_values())
                else:
                    services.organisation_update(actor=user, organisation=organisation, values=form.service_values())
            except ValidationError as error:
                if organisation is not None and organisation.pk:
                    organisation.refresh_from_db()  # undo the values the failed update left on the instance
                add_service_errors(form, error)
            else:
                messages.success(request, f"组织“{organisation.name}”已保存。")
                return redirect("organisations:detail", pk=organisation.pk)
    else:
        initial = OrganisationForm.initial_from(organisation) if organisation is not None else {}
        form = OrganisationForm(initial=initial, user=user, instance=organisation)
    return render(request, "organisations/form.html", {"form": form, "organisation": organisation})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request):
    _require_scope(request.user)
    if not can_manage_region(request.user, None):
        raise PermissionDenied("您无权登记组织")
    return _save_organisation(request)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request, pk: int):
    organisation = get_object_or_404(selectors.organisations_visible_to(request.user), pk=pk)
    if not can_manage_region(request.user, organisation.region):
        raise PermissionDenied("您无权修改该组织")
    return _save_organisation(request, organisation=organisation)


@login_required
@require_GET
def pact_list(request):
    user = request.user
    _require_scope(user)
    form = PactFilterForm(request.GET)
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    rows = selectors.pacts_with_progress(user=user, kind=kind)
    return render(request, "organisations/pacts.html", {"form": form, "page": _page(request, rows)})


@login_required
@require_GET
def activity_list(request):
    user = request.user
    _require_scope(user)
    form = ActivityFilterForm(request.GET, years=selectors.activity_years(user=user))
    if form.is_valid():
        rows = selectors.activities_filtered(user=user, **form.cleaned_data)
    else:
        rows = selectors.activities_filtered(user=user).none()
    return render(request, "organisations/activities.html", {"form": form, "page": _page(request, rows)})


@login_required
@require_GET
def cross_appointments(request):
    user = request.user
    # Appointments are about people, so only staff see them (the navigation offers them only to staff).
    if not has_console_scope(user) or not (user.is_superuser or user.role in STAFF_ROLES):
        raise Http404
    form = DayForm(request.GET)
    day = form.day() or timezone.localdate()
    entries = selectors.cross_appointments(user=user, day=day) if not form.errors else []
    return render(request, "organisations/cross_appointments.html", {"form": form, "day": day, "entries": entries})


@login_required
@require_GET
def agency_registrations(request):
    user = request.user
    _require_scope(user)
    rows = selectors.agency_registrations_visible_to(user).order_by(
        "community__code", "-registered_on", "organisation__name"
    )
    return render(request, "organisations/registrations.html", {"page": _page(request, rows)})
