"""Reads of cases, each filtered by what the reader may see and joined so lists take a fixed number of queries.

Who sees which case (`cases_visible_to`):
- county, street, community staff and grid workers: cases placed in their region's subtree;
- a department handler: cases with an assignment to, or a whistle summons of, their organisation
  (or an assignment to a service station their organisation hosts);
- a party member: cases they were assigned to as a helper;
- anyone with an account: the cases they reported themselves (and those merged into).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import BooleanField, Exists, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.db.models import Case as Switch
from django.utils import timezone

from accounts.models import REGION_STAFF_ROLES, Role, User
from categories.models import Category
from categories.selectors import departments_for
from regions.models import Region
from regions.selectors import sees_everything, subtree_q

from .models import (
    Assignment,
    Case,
    CaseEvent,
    CaseReporter,
    Kind,
    ReporterNotice,
    Whistle,
    WhistleSummons,
)
from .permissions import normalise_tracking_code
from .workflow import OPEN_STATUSES, Status, allowed_actions

# Merges are followed this many hops at most (a chain longer than that would be a data error).
MAX_MERGE_HOPS = 10

LIST_RELATED = ("region", "category", "urgency", "owner")


def soon_due_window() -> dt.timedelta:
    """How close a deadline must be to count as soon due (settings.CASE_SOON_DUE_HOURS, default 24)."""
    return dt.timedelta(hours=int(getattr(settings, "CASE_SOON_DUE_HOURS", 24)))


def _reported_by(user: User) -> Q:
    return Q(Exists(CaseReporter.objects.filter(case=OuterRef("pk"), user=user))) | Q(reporter_user=user)


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Every active case `user` may open (see the module docstring), with the list's relations joined."""
    qs = Case.objects.active().select_related(*LIST_RELATED)
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if sees_everything(user):
        return qs
    visible = _reported_by(user)
    if user.role in REGION_STAFF_ROLES and user.region_id:
        visible |= subtree_q(user.region, "region__")
    elif user.role == Role.DEPARTMENT_HANDLER and user.organisation_id:
        org = user.organisation_id
        visible |= Q(Exists(Assignment.objects.filter(
            Q(organisation_id=org) | Q(facility__host_organisation_id=org), case=OuterRef("pk"),
        ))) | Q(Exists(WhistleSummons.objects.filter(whistle__case=OuterRef("pk"), organisation_id=org)))
    elif user.role == Role.PARTY_MEMBER and user.person_id:
        visible |= Q(Exists(Assignment.objects.filter(case=OuterRef("pk"), party_member__person_id=user.person_id)))
    return qs.filter(visible)


def case_visible(user: User, case_id: int) -> Case | None:
    """The case with `case_id` if `user` may open it; None both when it is absent and out of scope."""
    return cases_visible_to(user).select_related("merged_into").filter(pk=case_id).first()


def case_by_tracking_code(code: str, *, follow_merges: bool = True) -> Case | None:
    """The case a resident follows with `code` (spaces, dashes and case ignored).

    A merged case leads to the case it was merged into (through any chain of merges), so its reporter
    keeps following the problem with the code they were given.
    """
    code = normalise_tracking_code(code)
    if not code:
        return None
    case = Case.objects.active().select_related(*LIST_RELATED).filter(tracking_code=code).first()
    hops = 0
    while follow_merges and case is not None and case.merged_into_id is not None and hops < MAX_MERGE_HOPS:
        case = Case.objects.select_related(*LIST_RELATED).get(pk=case.merged_into_id)
        hops += 1
    return case


def my_cases(user: User) -> QuerySet[Case]:
    """Cases `user` reported, or follows because theirs were merged into them, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return Case.objects.active().select_related(*LIST_RELATED).filter(_reported_by(user)).order_by(
        "-received_at", "-id"
    )


def _due_flags(qs: QuerySet[Case], now: dt.datetime) -> QuerySet[Case]:
    return qs.annotate(
        is_overdue_flag=Switch(When(finish_due__lt=now, then=Value(True)), default=Value(False),
                              output_field=BooleanField()),
        is_soon_due_flag=Switch(
            When(finish_due__gte=now, finish_due__lt=now + soon_due_window(), then=Value(True)),
            default=Value(False), output_field=BooleanField(),
        ),
    )


@dataclass(frozen=True)
class ProblemFilters:
    """Filters of the 问题清单; empty values are ignored."""

    status: str = ""
    region: Region | None = None
    category: Category | None = None
    overdue_only: bool = False
    soon_due_only: bool = False
    text: str = ""


def problem_list(
    user: User, filters: ProblemFilters | None = None, *, now: dt.datetime | None = None
) -> QuerySet[Case]:
    """问题清单: the open problems the user may see, each with `is_overdue_flag` (red) and
    `is_soon_due_flag` (yellow), overdue first, then by finish deadline (undated last)."""
    filters = filters or ProblemFilters()
    now = now or timezone.now()
    qs = cases_visible_to(user).filter(kind=Kind.PROBLEM, status__in=OPEN_STATUSES)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.region is not None:
        qs = qs.filter(subtree_q(filters.region, "region__"))
    if filters.category is not None:
        qs = qs.filter(Q(category=filters.category) | Q(category__parent=filters.category)
                       | Q(category__parent__parent=filters.category))
    if filters.text:
        qs = qs.filter(Q(title__icontains=filters.text) | Q(tracking_code=normalise_tracking_code(filters.text)))
    qs = _due_flags(qs, now)
    if filters.overdue_only:
        qs = qs.filter(is_overdue_flag=True)
    if filters.soon_due_only:
        qs = qs.filter(is_soon_due_flag=True)
    return qs.order_by("-is_overdue_flag", "finish_due", "-received_at", "-id")


def _assignments_visible_to(user: User) -> QuerySet[Assignment]:
    qs = Assignment.objects.select_related(
        "case__region", "case__category", "case__urgency", "organisation", "facility", "party_member__person",
    )
    if sees_everything(user):
        return qs
    if user.role == Role.DEPARTMENT_HANDLER and user.organisation_id:
        org = user.organisation_id
        return qs.filter(Q(organisation_id=org) | Q(facility__host_organisation_id=org))
    if user.role == Role.PARTY_MEMBER and user.person_id:
        return qs.filter(party_member__person_id=user.person_id)
    if user.role in REGION_STAFF_ROLES and user.region_id:
        return qs.filter(subtree_q(user.region, "case__region__"))
    return qs.none()


def handling_list(
    user: User, *, include_finished: bool = False, now: dt.datetime | None = None
) -> QuerySet[Assignment]:
    """办理清单: assignments the user's body must handle (a department's inbox; for staff, those in their
    area), soonest deadline first. Each has `report_in_remaining()` and `finish_remaining()` countdowns,
    and `is_report_in_overdue_flag` / `is_finish_overdue_flag` for colouring."""
    if not getattr(user, "is_authenticated", False):
        return Assignment.objects.none()
    now = now or timezone.now()
    qs = _assignments_visible_to(user).filter(case__archived_at__isnull=True)
    if not include_finished:
        qs = qs.filter(status__in=Assignment.ACTIVE)
    return qs.annotate(
        is_report_in_overdue_flag=Switch(
            When(status=Assignment.Status.PENDING, report_in_due__lt=now, then=Value(True)),
            default=Value(False), output_field=BooleanField(),
        ),
        is_finish_overdue_flag=Switch(
            When(status__in=Assignment.ACTIVE, finish_due__lt=now, then=Value(True)),
            default=Value(False), output_field=BooleanField(),
        ),
    ).order_by("finish_due", "id")


def whistle_board(user: User) -> QuerySet[Whistle]:
    """吹哨看板: whistles on the cases the user may see, newest first, with each summons and its department
    (three queries whatever the size)."""
    if not getattr(user, "is_authenticated", False):
        return Whistle.objects.none()
    return (
        Whistle.objects.filter(case__in=cases_visible_to(user).values("pk"))
        .select_related("case__region", "blown_by")
        .prefetch_related(Prefetch("summons", queryset=WhistleSummons.objects.select_related("organisation")))
        .order_by("-blown_at", "-id")
    )


def reporter_public_name(case: Case) -> str:
    """How public pages name the reporter: 匿名 when they asked for it, otherwise the surname and a mask."""
    if case.public_anonymous or not case.contact_name:
        return "匿名"
    return case.contact_name[:1] + "*" * max(1, len(case.contact_name) - 1)


def case_events(case: Case) -> QuerySet[CaseEvent]:
    """The case's history in order, with the acting user and assignment joined."""
    return case.events.select_related("actor", "assignment__organisation").order_by("seq")


def case_assignments(case: Case) -> QuerySet[Assignment]:
    """All assignments of the case, lead first, with their assignee and extensions."""
    return case.assignments.select_related(
        "organisation", "facility", "party_member__person"
    ).prefetch_related("extensions").order_by("-role", "dispatched_at", "id")


def case_whistles(case: Case) -> QuerySet[Whistle]:
    """Whistles blown on the case with their summons and departments."""
    return case.whistles.select_related("blown_by").prefetch_related(
        Prefetch("summons", queryset=WhistleSummons.objects.select_related("organisation"))
    ).order_by("blown_at", "id")


def suggested_assignees(case: Case):
    """The category's lead and assisting bodies (`categories.selectors.Responsibles`), or None if unclassified."""
    if case.category is None:
        return None
    return departments_for(case.category)


def actions_for(case: Case) -> list[str]:
    """Actions the table allows from the case's status (who may take each is checked by the services)."""
    return allowed_actions(case.status)


# Events residents see on the tracking page, and how they read there (no names of staff).
PUBLIC_EVENT_LABELS = {
    "submit": "已受理",
    "classify": "已立案",
    "reject": "不予受理",
    "merge": "已与相同事项合并办理",
    "dispatch": "已派遣承办单位",
    "accept": "承办单位已接收",
    "reply": "承办单位已答复",
    "verify": "社区已核查",
    "rework": "已退回重新办理",
    "close": "已办结",
    "rate": "已评价",
    "escalate": "已提交会议研究",
    "resume": "会议已作出决定，继续办理",
}


@dataclass(frozen=True)
class PublicStep:
    at: dt.datetime
    label: str


@dataclass(frozen=True)
class TrackingView:
    """What anyone holding a tracking code may see: no staff names, no contact data."""

    case: Case
    followed_code: str
    status_label: str
    steps: list[PublicStep]
    notices: list[ReporterNotice]
    can_rate: bool


def tracking_view(code: str) -> TrackingView | None:
    """The tracking page of `code` (following merges), or None for an unknown code."""
    case = case_by_tracking_code(code)
    if case is None:
        return None
    public_actions = set(PUBLIC_EVENT_LABELS)
    steps = [
        PublicStep(event.created_at, PUBLIC_EVENT_LABELS[event.action])
        for event in case.events.filter(action__in=public_actions).order_by("seq")
        # An assisting body's reply or an added body is internal detail, not a step of the case.
        if not (event.action in ("reply", "dispatch") and event.to_status == event.from_status)
    ]
    followed = normalise_tracking_code(code)
    # The notices of the followed case itself too: a merged case's reporter was told about the merge there.
    notices = list(
        ReporterNotice.objects.filter(Q(case=case) | Q(case__tracking_code=followed)).order_by("created_at", "id")
    )
    return TrackingView(
        case=case, followed_code=followed, status_label=Status(case.status).label,
        steps=steps, notices=notices, can_rate=case.status == Status.CLOSED,
    )
