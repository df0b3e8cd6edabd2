"""Pages of the party-member roster (党员名册) and of people, with masked personal data and logged reveals.

Every lookup goes through a scoped selector, so a record outside the user's scope answers 404 and its
existence does not leak; a user in scope without the right to an action gets 403.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core import pii
from core.forms import RevealForm
from regions.permissions import can_export_rosters, can_import_rosters, can_manage_region
from regions.selectors import scope_root, sees_everything

from . import minors, selectors, services
from .forms_members import PartyMemberForm, RosterFilterForm
from .models import PartyMember, Person

ROSTER_PAGE_SIZE = 50


def _require_scope(user) -> None:
    """Users with no place in the tree (residents) do not learn that these pages exist."""
    if not sees_everything(user) and scope_root(user) is None:
        raise Http404


def _require_manager(user) -> None:
    _require_scope(user)
    if not can_manage_region(user, None):
        raise PermissionDenied("仅社区及以上管理人员可以录入党员信息")


def _member_place(member: PartyMember):
    return member.registered_community or member.grid or member.branch.region


@login_required
def party_members(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_scope(user)
    options = selectors.party_member_filter_options(user, request.GET.get("community", ""))
    filter_form = RosterFilterForm(request.GET or None, options=options)
    filter_form.is_valid()
    members = selectors.party_members_filtered(selectors.party_members_visible_to(user), **filter_form.filters())
    # Only the phone is shown (masked); the other encrypted columns are not loaded or decrypted.
    members = members.defer("person__id_number", "person__address")
    page = Paginator(members, ROSTER_PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "organisations/members/roster.html", {
        "filter_form": filter_form,
        "page": page,
        # A child under 14 shows no part of their phone, and is marked.
        "rows": [
            (member, minors.masked_value(member.person, "phone", today), minors.is_minor(member.person, today))
            for member in page
        ],
        "filter_query": query.urlencode(),
        "can_manage": can_manage_region(user, None),
        "can_import": can_import_rosters(user),
        "can_export": can_export_rosters(user),
    })


@login_required
def party_member_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request.user)
    form = PartyMemberForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        member = form.create(actor=request.user)
        if member is not None:
            return redirect("organisations:person_detail", member.person_id)
    return render(request, "organisations/members/form.html", {"form": form, "member": None})


@login_required
def party_member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_scope(user)
    member = get_object_or_404(selectors.party_members_visible_to(user).select_related("branch__region"), pk=pk)
    if not can_manage_region(user, _member_place(member)):
        raise PermissionDenied("无权修改该党员信息")
    if request.method == "POST":
        form = PartyMemberForm(request.POST, user=user, member=member)
        if form.is_valid() and form.update(actor=user) is not None:
            return redirect("organisations:person_detail", member.person_id)
    else:
        form = PartyMemberForm(initial=PartyMemberForm.initial_for(member), user=user, member=member)
    return render(request, "organisations/members/form.html", {"form": form, "member": member})


class PersonRevealForm(RevealForm):
    field = forms.ChoiceField(choices=list(pii.PII_FIELD_LABELS.items()))


def _pii_items(person: Person, *, revealed: dict[str, str], errors: dict[str, list[str]], reasons: dict[str, str]):
    return [
        {
            "name": name,
            "label": label,
            "masked": minors.masked_value(person, name),
            "on_file": bool(getattr(person, name)),
            "revealed": revealed.get(name),
            "errors": errors.get(name, []),
            "reason": reasons.get(name, ""),
        }
        for name, label in pii.PII_FIELD_LABELS.items()
    ]


def _render_person(request: HttpRequest, person: Person, *, revealed=None, errors=None, reasons=None) -> HttpResponse:
    user = request.user
    member = PartyMember.objects.active().filter(person=person).select_related(
        "branch__region", "registered_community", "grid"
    ).first()
    positions = list(selectors.person_positions(person))
    return render(request, "organisations/members/person_detail.html", {
        "person": person,
        "member": member,
        "pii_items": _pii_items(person, revealed=revealed or {}, errors=errors or {}, reasons=reasons or {}),
        "may_reveal": services.person_may_reveal(user, person),
        "reveal_url": reverse("organisations:person_reveal", args=[person.pk]),
        "minor": minors.is_minor(person),
        "minor_label": minors.MINOR_LABEL,
        "current_positions": [p for p in positions if p.ended_on is None],
        "past_positions": [p for p in positions if p.ended_on is not None],
        "can_edit": member is not None and can_manage_region(user, _member_place(member)),
        "can_see_log": can_manage_region(user, None),
    })


@never_cache
@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(selectors.people_visible_to(request.user).select_related("home_region"), pk=pk)
    return _render_person(request, person)


@never_cache
@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    person = get_object_or_404(selectors.people_visible_to(user).select_related("home_region"), pk=pk)
    form = PersonRevealForm(request.POST)
    field = request.POST.get("field", "")
    if field not in pii.PII_FIELD_LABELS:
        return HttpResponse("不支持查看该字段", status=400, content_type="text/plain; charset=utf-8")
    if not services.person_may_reveal(user, person):
        raise services.person_reveal_refused(actor=user, person=person, field=field)
    revealed: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    if form.is_valid():
        try:
            revealed[field] = services.person_reveal(
                actor=user, person=person, field=field, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            errors[field] = [message for messages in error.message_dict.values() for message in messages]
    else:
        errors[field] = form.errors.get("reason", [])
    reasons = {field: request.POST.get("reason", "")}
    if request.headers.get("HX-Request"):
        item = _pii_items(person, revealed=revealed, errors=errors, reasons=reasons)
        item = next(entry for entry in item if entry["name"] == field)
        return render(request, "includes/pii_field.html", {
            "item": item, "may_reveal": True, "reveal_url": reverse("organisations:person_reveal", args=[person.pk]),
        })
    return _render_person(request, person, revealed=revealed, errors=errors, reasons=reasons)


@login_required
def reveal_log(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    person = get_object_or_404(selectors.people_visible_to(user), pk=pk)
    if not can_manage_region(user, None):
        raise PermissionDenied("仅管理人员可以查看个人信息查看记录")
    page = Paginator(selectors.person_reveal_events(person), ROSTER_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "organisations/members/reveal_log.html", {
        "person": person,
        "page": page,
        "field_labels": pii.PII_FIELD_LABELS,
    })
