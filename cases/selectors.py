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
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import BooleanField, DateTimeField, Exists, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.db.models import Case as Switch
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import REGION_STAFF_ROLES, Role, User
from categories.models import Category
from categories.selectors import departments_for
from core import cursor as cursor_codec
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


# --------------------------------------------------------------------------------------------------
# Staff pages: the case lists with every filter, a case's page, what the reader may do on it, and the
# bodies, staff and cases its action forms offer.
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseListFilters:
    """Filters of the staff case lists (问题清单, 困难清单); empty values are ignored.

    Without a `status`, only open cases are listed; `owner` keeps the cases that user owns (首问责任人).
    """

    kind: str = ""
    status: str = ""
    region: Region | None = None
    category: Category | None = None
    overdue_only: bool = False
    soon_due_only: bool = False
    owner: User | None = None
    text: str = ""


def _lead_prefetch() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(role="lead", status__in=Assignment.LIVE).select_related(
            "organisation", "facility", "party_member__person"
        ).order_by("-dispatched_at", "-id"),
        to_attr="lead_assignments",
    )


def case_list(user: User, filters: CaseListFilters | None = None, *, now: dt.datetime | None = None) -> QuerySet[Case]:
    """问题清单 / 困难清单 for staff: the cases `user` may see, filtered, each with `is_overdue_flag` (red),
    `is_soon_due_flag` (yellow) and `lead_assignments` (the live lead body, if any), overdue first, then
    by finish deadline. A fixed number of queries at any length (the page, and one for the leads)."""
    filters = filters or CaseListFilters()
    now = now or timezone.now()
    qs = cases_visible_to(user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    qs = qs.filter(status=filters.status) if filters.status else qs.filter(status__in=OPEN_STATUSES)
    if filters.region is not None:
        qs = qs.filter(subtree_q(filters.region, "region__"))
    if filters.category is not None:
        qs = qs.filter(Q(category=filters.category) | Q(category__parent=filters.category)
                       | Q(category__parent__parent=filters.category))
    if filters.owner is not None:
        qs = qs.filter(owner=filters.owner)
    if filters.text:
        qs = qs.filter(Q(title__icontains=filters.text) | Q(tracking_code=normalise_tracking_code(filters.text)))
    qs = _due_flags(qs, now)
    if filters.overdue_only:
        qs = qs.filter(is_overdue_flag=True)
    if filters.soon_due_only:
        qs = qs.filter(is_soon_due_flag=True)
    # Overdue first is the same as earliest deadline first, undated last: one key an index can serve.
    return qs.prefetch_related(_lead_prefetch()).annotate(due_order=_due_order()).order_by(
        "due_order", "-received_at", "-id"
    )


# Stands for "no deadline" in the list's order (cases/migrations/0003 indexes the same expression).
UNDATED = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


def _due_order() -> Coalesce:
    return Coalesce("finish_due", Value(UNDATED, output_field=DateTimeField()))


@dataclass(frozen=True)
class CaseListPage:
    """One page of a staff case list, and the cursor of the next one (None on the last page)."""

    object_list: list[Case]
    next_cursor: str | None
    is_first: bool


# The page list's cursor: (finish deadline or null, received) and the id of the last row shown.
_CURSOR_KEY = "due,received"
_CURSOR_KINDS = ("datetime?", "datetime")


def _encode_cursor(case: Case) -> str:
    return cursor_codec.encode(_CURSOR_KEY, [case.finish_due, case.received_at], case.pk)


def _decode_cursor(cursor: str | None) -> tuple[dt.datetime | None, dt.datetime, int] | None:
    """(finish deadline, received, id) of the last row before the page; None for a missing or bad cursor."""
    if not cursor:
        return None
    try:
        (due, received), pk = cursor_codec.decode(_CURSOR_KEY, cursor, _CURSOR_KINDS)
    except cursor_codec.BadCursor:
        return None
    return due, received, pk


def _after(due: dt.datetime | None, received: dt.datetime, pk: int) -> Q:
    """Rows after (due, received, pk) in the list's order: deadline ascending (undated last), then newest."""
    due = due or UNDATED
    tie = Q(received_at__lt=received) | Q(received_at=received, id__lt=pk)
    # The first condition alone bounds the index range; the rest settles the ties.
    return Q(due_order__gte=due) & (Q(due_order__gt=due) | tie)


def case_list_page(
    user: User, filters: CaseListFilters | None = None, *, cursor: str | None = None, size: int = 50,
    now: dt.datetime | None = None,
) -> CaseListPage:
    """One page of `case_list`, after the row `cursor` names (the first page without one, or with a cursor
    that cannot be read). Keyset pagination: two queries (the rows, the leads) at any depth."""
    qs = case_list(user, filters, now=now)
    key = _decode_cursor(cursor)
    if key is not None:
        qs = qs.filter(_after(*key))
    rows = list(qs[: size + 1])
    following = _encode_cursor(rows[size - 1]) if len(rows) > size else None
    return CaseListPage(object_list=rows[:size], next_cursor=following, is_first=key is None)


def case_visible_by_code(user: User, code: str) -> Case | None:
    """The case with tracking code `code` if `user` may open it (merges not followed); None otherwise."""
    code = normalise_tracking_code(code)
    if not code:
        return None
    return cases_visible_to(user).filter(tracking_code=code).first()


@dataclass
class ActionOptions:
    """What one reader may do on one case now: the actions (in table order) and, for the actions that
    name a record, the records they may name."""

    actions: list[str]
    accept: list[Assignment]
    return_: list[Assignment]
    reply: list[Assignment]
    request_extension: list[Assignment]
    open_extensions: list
    arbitrate: list[Assignment]
    report_in: list[WhistleSummons]
    score: list[WhistleSummons]


def action_options(
    user: User, case: Case, *, assignments: list[Assignment], whistles: list[Whistle]
) -> ActionOptions:
    """The actions the table allows from the case's status that `user` may take now, judged by the same
    rules the services apply (`cases.permissions`). `assignments` and `whistles` are the case's, as
    `case_assignments` and `case_whistles` give them (no further queries for them)."""
    from .models import Extension
    from .permissions import STREET_ROLES, is_assignee, is_case_staff

    allowed = allowed_actions(case.status)
    staff = is_case_staff(user, case)
    authenticated = getattr(user, "is_authenticated", False)
    street = authenticated and (
        sees_everything(user) or (user.role in STREET_ROLES and staff)
    )
    region_staff = staff or (
        authenticated and user.role == Role.GRID_WORKER and user.region_id is not None
        and case.region.code.startswith(user.region.code)
    )
    mine = [a for a in assignments if is_assignee(user, a)]
    summons = [s for w in whistles for s in w.summons.all()]
    summoned = authenticated and user.role == Role.DEPARTMENT_HANDLER and any(
        s.organisation_id == user.organisation_id for s in summons
    )
    open_extensions = [
        e for a in assignments if a.is_active for e in a.extensions.all() if e.status == Extension.Status.REQUESTED
    ]
    options = ActionOptions(
        actions=[], accept=[a for a in mine if a.status == Assignment.Status.PENDING],
        return_=[a for a in mine if a.is_active and not a.arbitrated],
        reply=[a for a in mine if a.status == Assignment.Status.ACCEPTED],
        request_extension=[
            a for a in mine if a.is_active
            and not any(e.status == Extension.Status.REQUESTED for e in a.extensions.all())
        ],
        open_extensions=open_extensions if staff else [],
        arbitrate=[a for a in assignments if a.role == "lead" and a.status == Assignment.Status.RETURNED],
        report_in=[
            s for s in summons if s.reported_at is None
            and (staff or (summoned and s.organisation_id == user.organisation_id))
        ],
        score=[s for s in summons if s.score is None] if staff else [],
    )
    staff_only = {"classify", "reject", "merge", "dispatch", "verify", "rework", "close", "rate", "escalate",
                  "resume", "whistle"}
    for action in allowed:
        if action in staff_only:
            ok = staff
        elif action == "accept":
            ok = bool(options.accept)
        elif action == "return":
            ok = bool(options.return_)
        elif action == "reply":
            ok = bool(options.reply)
        elif action == "request_extension":
            ok = bool(options.request_extension)
        elif action in ("grant_extension", "refuse_extension"):
            ok = bool(options.open_extensions)
        elif action == "note":
            ok = region_staff or summoned or any(a.status in Assignment.LIVE for a in mine)
        elif action == "arbitrate":
            ok = street and bool(options.arbitrate)
        elif action == "report_in":
            ok = bool(options.report_in)
        elif action == "score":
            ok = bool(options.score)
        elif action == "transfer_owner":
            ok = staff or (authenticated and case.owner_id == user.pk)
        else:
            ok = False
        if ok:
            options.actions.append(action)
    return options


@dataclass(frozen=True)
class CaseSection:
    """A part of the case page that a capability above cases adds (meetings: the tasks of a resolution):
    the template it is drawn with and what that template reads."""

    template: str
    context: dict


# Each answers the section it adds to `user`'s page of `case`, or None. Registered once from the
# capabilities' AppConfig.ready, so cases imports none of them.
CASE_SECTIONS: list[Callable[[User, Case], CaseSection | None]] = []


def case_section_register(section: Callable[[User, Case], CaseSection | None]) -> None:
    """Add a section to the case page (once, however often it is registered)."""
    if section not in CASE_SECTIONS:
        CASE_SECTIONS.append(section)


@dataclass
class CasePage:
    """Everything the staff page of one case shows, read once."""

    case: Case
    assignments: list[Assignment]
    whistles: list[Whistle]
    events: list[CaseEvent]
    ratings: list
    attachments: list
    extensions: list
    options: ActionOptions
    sections: list[CaseSection] = field(default_factory=list)


def case_page(user: User, case: Case) -> CasePage:
    """The case's assignments (with extensions), whistles (with summons), history, ratings, photos, the
    sections capabilities above cases add, and what `user` may do on it, in a fixed number of queries."""
    assignments = list(case_assignments(case))
    whistles = list(case_whistles(case))
    return CasePage(
        case=case, assignments=assignments, whistles=whistles, events=list(case_events(case)),
        ratings=list(case.ratings.select_related("rated_by").order_by("rated_at", "id")),
        attachments=list(case.attachments.order_by("created_at", "id")),
        extensions=sorted((e for a in assignments for e in a.extensions.all()), key=lambda e: (e.requested_at, e.pk)),
        options=action_options(user, case, assignments=assignments, whistles=whistles),
        sections=[section for build in CASE_SECTIONS if (section := build(user, case)) is not None],
    )


@dataclass(frozen=True)
class DispatchCandidates:
    """The bodies a case may be dispatched to (or whose departments may be summoned)."""

    organisations: list
    facilities: list
    party_members: list


def _place_q(case: Case, field: str) -> Q:
    """Regions on the case's chain up the tree (its street, county …) or inside its community."""
    code = case.region.code
    community = code[:12]
    prefixes = [code[:n] for n in (2, 4, 6, 9, 12, 15, 18) if n <= len(code)]
    return Q(**{f"{field}code__in": prefixes}) | Q(**{f"{field}code__startswith": community})


def dispatch_organisations(case: Case) -> list:
    """Organisations that may handle `case`: handling kinds placed above it in the tree or inside its
    community, with the category's suggested bodies wherever they sit (also whom a whistle may summon)."""
    from categories.models import HANDLER_KINDS
    from organisations.models import Organisation

    suggested = suggested_assignees(case)
    suggested_ids = [org.pk for org in suggested.all] if suggested else []
    return list(
        Organisation.objects.active().filter(kind__in=HANDLER_KINDS)
        .filter(_place_q(case, "region__") | Q(pk__in=suggested_ids))
        .select_related("region").order_by("region__code", "kind", "name")
    )


def dispatch_candidates(user: User, case: Case) -> DispatchCandidates:
    """Organisations that may handle cases (departments, dispatched agencies, property companies, owners'
    committees, social organisations) placed above the case in the tree or inside its community, with the
    category's suggested bodies wherever they sit; service stations and facilities in the case's community
    that `user` may see; and, for a difficulty, party members registered (双报到) at its community, those
    of the case's grid first."""
    from organisations.models import PartyMember
    from regions.selectors import facilities_visible_to

    from .services import ASSIGNABLE_FACILITY_KINDS

    organisations = dispatch_organisations(case)
    community = case.region.code[:12]
    facilities = list(
        facilities_visible_to(user).filter(kind__in=ASSIGNABLE_FACILITY_KINDS, region__code__startswith=community)
        .order_by("region__code", "kind", "name")
    )
    members: list = []
    if case.kind == Kind.DIFFICULTY:
        grid = case.region.code[:15] if len(case.region.code) >= 15 else ""
        members = list(
            PartyMember.objects.active().filter(registered_community__code__in=[
                case.region.code[:n] for n in (12, 15, 18) if n <= len(case.region.code)
            ]).select_related("person", "grid").order_by("person__name", "id")
        )
        members.sort(key=lambda m: 0 if grid and m.grid_id and m.grid.code == grid else 1)
    return DispatchCandidates(organisations=organisations, facilities=facilities, party_members=members)


def owner_candidates(case: Case) -> QuerySet[User]:
    """Active community, street and county staff whose region contains the case: who may become its
    首问责任人."""
    from regions.permissions import MANAGER_ROLES

    code = case.region.code
    prefixes = [code[:n] for n in (2, 4, 6, 9, 12, 15, 18) if n <= len(code)]
    return (
        User.objects.filter(is_active=True, role__in=MANAGER_ROLES, region__code__in=prefixes)
        .select_related("region").order_by("region__code", "username")
    )
