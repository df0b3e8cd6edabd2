"""REST endpoints for cases, mounted at /api/v1/cases.

The endpoints only parse, look the case up in the caller's scope and call `cases.services`; all
rules live there. Errors come in the project's shape {"error": {"code", "message", "fields"}}:
404 for a case out of scope, 409 `stale_version`, 400 `transition_not_allowed`, `unknown_action`
or `invalid` (with fields), 403 `forbidden`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from ninja import Field, Router, Schema, Status

from accounts.models import User
from categories.models import UrgencyLevel
from categories.selectors import category_by_code
from core.api.errors import ApiError, not_found, service_errors
from core.api.pagination import Keyset, cursor_param, limit_param, paginate
from core.api.schemas import ErrorOut, RecordId, RegionBrief
from core.pii import mask_address, mask_phone
from core.ratelimit import report_hit
from core.roles import STAFF_ROLES

from . import workflow
from .models import Assignment, Case, Channel, Extension, Kind, WhistleSummons
from .permissions import sees_internal_detail
from .selectors import (
    PUBLIC_EVENT_LABELS,
    case_assignments,
    case_events,
    case_visible,
    case_whistles,
    cases_visible_to,
    dispatch_candidates,
    dispatch_organisations,
    owner_candidates,
)
from .services import TRANSITIONS, AssigneeSpec, case_submit
from .workflow import StaleVersion, TransitionNotAllowed

router = Router(tags=["cases"])

# The case list: newest first, ties by id (the index case_received_id serves it).
NEWEST_FIRST = Keyset("received_at", kind="datetime", descending=True)


# --------------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------------


class CaseIn(Schema):
    kind: str = ""
    title: str = ""
    description: str = ""
    region: str | None = None
    category: str | None = None
    request_type: str = ""
    channel: str = Channel.API
    target_group: str = ""
    address: str = ""
    lat: Decimal | None = None
    long: Decimal | None = None
    contact_name: str = ""
    contact_phone: str = ""
    public_anonymous: bool = False


class CaseCreatedOut(Schema):
    id: int
    tracking_code: str
    status: str
    version: int


class CategoryRef(Schema):
    code: str
    name: str


class AssignmentOut(Schema):
    id: int
    assignee: str
    assignee_type: str
    assignee_id: int
    role: str
    status: str
    dispatched_at: dt.datetime
    report_in_due: dt.datetime
    finish_due: dt.datetime
    accepted_at: dt.datetime | None
    replied_at: dt.datetime | None
    reply: str
    return_reason: str
    arbitrated: bool
    open_extension: int | None


class SummonsOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    report_in_due: dt.datetime
    reported_at: dt.datetime | None
    score: int | None


class WhistleOut(Schema):
    id: int
    reasons: list[str]
    note: str
    blown_at: dt.datetime
    summons: list[SummonsOut]


class EventOut(Schema):
    seq: int
    created_at: dt.datetime
    actor: str
    action: str
    from_status: str
    to_status: str
    note: str


class CaseListItem(Schema):
    id: int
    tracking_code: str
    kind: str
    title: str
    status: str
    version: int
    region: str
    category: str | None
    received_at: dt.datetime
    finish_due: dt.datetime | None
    overdue: bool


class CaseListOut(Schema):
    items: list[CaseListItem]
    next_cursor: str | None


class CaseOut(Schema):
    id: int
    tracking_code: str
    kind: str
    request_type: str
    channel: str
    title: str
    description: str
    region: RegionBrief
    address: str
    lat: Decimal | None
    long: Decimal | None
    category: CategoryRef | None
    urgency: str | None
    status: str
    status_label: str
    version: int
    owner: str | None
    contact_name: str
    contact_phone: str
    public_anonymous: bool
    target_group: str
    response_due: dt.datetime | None
    finish_due: dt.datetime | None
    deadline_approximate: bool
    received_at: dt.datetime
    closed_at: dt.datetime | None
    merged_into: str | None
    escalated_to: str
    rework_count: int
    public_note: str
    allowed_actions: list[str]
    assignments: list[AssignmentOut]
    whistles: list[WhistleOut]
    events: list[EventOut]


class AssigneeIn(Schema):
    organisation: RecordId | None = None
    facility: RecordId | None = None
    party_member: RecordId | None = None
    role: str = "lead"
    finish_due: dt.datetime | None = None


class TransitionIn(Schema):
    """`action` and `version`, plus what the action needs (see `cases.workflow.TABLE`, column `requires`)."""

    action: str
    version: int
    note: str = ""
    reason: str = ""
    category: str | None = None
    urgency: str | None = None
    request_type: str = ""
    survivor: RecordId | None = None
    assignees: list[AssigneeIn] = []
    assignment: RecordId | None = None
    organisation: RecordId | None = None
    requested_due: dt.datetime | None = None
    extension: int | None = None
    reply: str = ""
    result: str = ""
    comment: str = ""
    meeting: int | str = Field("", description="提交会议：会议 id（列入其议程），或会议类型")
    decision: str = ""
    reasons: list[str] = []
    organisations: list[int] = []
    summons: int | None = None
    score: int | None = None
    owner: int | None = None


class TransitionOut(Schema):
    id: int
    tracking_code: str
    status: str
    version: int


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def _created_out(case: Case) -> dict:
    return {"id": case.pk, "tracking_code": case.tracking_code, "status": case.status, "version": case.version}


def _assignee_type(assignment: Assignment) -> tuple[str, int]:
    if assignment.organisation_id:
        return "organisation", assignment.organisation_id
    if assignment.facility_id:
        return "facility", assignment.facility_id
    return "party_member", assignment.party_member_id


def _detail(case: Case, *, full: bool = True) -> dict:
    """The case as the API shows it; a reporter (`full=False`) sees their case without internal detail:
    no assignments, whistles, staff names or handling notes, only the public steps."""
    if not full:
        return {**_detail_base(case), "assignments": [], "whistles": [], "events": [
            {"seq": e.seq, "created_at": e.created_at, "actor": "", "action": e.action, "from_status": e.from_status,
             "to_status": e.to_status, "note": e.note if e.action in ("reject", "rate") else ""}
            for e in case_events(case) if e.action in PUBLIC_EVENT_LABELS
        ]}
    assignments = []
    for a in case_assignments(case):
        kind, ident = _assignee_type(a)
        open_extension = next((e.pk for e in a.extensions.all() if e.status == Extension.Status.REQUESTED), None)
        assignments.append({
            "id": a.pk, "assignee": a.assignee_name, "assignee_type": kind, "assignee_id": ident, "role": a.role,
            "status": a.status, "dispatched_at": a.dispatched_at, "report_in_due": a.report_in_due,
            "finish_due": a.finish_due, "accepted_at": a.accepted_at, "replied_at": a.replied_at, "reply": a.reply,
            "return_reason": a.return_reason, "arbitrated": a.arbitrated, "open_extension": open_extension,
        })
    whistles = [
        {
            "id": w.pk, "reasons": list(w.reasons), "note": w.note, "blown_at": w.blown_at,
            "summons": [
                {"id": s.pk, "organisation_id": s.organisation_id, "organisation": s.organisation.name,
                 "report_in_due": s.report_in_due, "reported_at": s.reported_at, "score": s.score}
                for s in w.summons.all()
            ],
        }
        for w in case_whistles(case)
    ]
    events = [
        {"seq": e.seq, "created_at": e.created_at, "actor": e.actor_label, "action": e.action,
         "from_status": e.from_status, "to_status": e.to_status, "note": e.note}
        for e in case_events(case)
    ]
    return {**_detail_base(case), "assignments": assignments, "whistles": whistles, "events": events}


def _detail_base(case: Case) -> dict:
    # A difficulty's address is usually someone's home: masked like other personal data.
    address = mask_address(case.address) if case.kind == Kind.DIFFICULTY else case.address
    return {
        "id": case.pk, "tracking_code": case.tracking_code, "kind": case.kind, "request_type": case.request_type,
        "channel": case.channel, "title": case.title, "description": case.description,
        "region": {"code": case.region.code, "name": case.region.name}, "address": address,
        "lat": case.latitude, "long": case.longitude,
        "category": {"code": case.category.code, "name": case.category.name} if case.category else None,
        "urgency": case.urgency.code if case.urgency else None, "status": case.status,
        "status_label": case.get_status_display(), "version": case.version,
        "owner": case.owner.display_name if case.owner else None, "contact_name": case.contact_name,
        "contact_phone": mask_phone(case.contact_phone), "public_anonymous": case.public_anonymous,
        "target_group": case.target_group, "response_due": case.response_due, "finish_due": case.finish_due,
        "deadline_approximate": case.deadline_approximate, "received_at": case.received_at,
        "closed_at": case.closed_at, "merged_into": case.merged_into.tracking_code if case.merged_into else None,
        "escalated_to": case.escalated_to, "rework_count": case.rework_count, "public_note": case.public_note,
        "allowed_actions": workflow.allowed_actions(case.status),
    }


# --------------------------------------------------------------------------------------------------
# Resolving the ids of a transition's payload (all within the case, so nothing of another case leaks)
# --------------------------------------------------------------------------------------------------


def _one(model, ident: int | None, name: str, label: str, **scope) -> Any:
    if ident is None:
        return None
    found = model.objects.filter(pk=ident, **scope).first()
    if found is None:
        raise ValidationError({name: [f"{label}不存在"]})
    return found


def _among(records: Iterable[Any], ident: int | None, name: str, label: str) -> Any:
    """The record `ident` among those the caller may name here; anything else reads as not existing.

    Dispatch targets are looked up among the case's candidates (`dispatch_candidates`), never by raw id,
    so an id outside the caller's reach answers exactly as an unknown id and no name comes back.
    """
    if ident is None:
        return None
    for record in records:
        if record.pk == ident:
            return record
    raise ValidationError({name: [f"{label}不存在"]})


def _assignees(payload: TransitionIn, case: Case, user) -> list[AssigneeSpec]:
    if not payload.assignees:
        return []
    candidates = dispatch_candidates(user, case)
    specs = []
    for item in payload.assignees:
        specs.append(AssigneeSpec(
            organisation=_among(candidates.organisations, item.organisation, "assignees", "单位"),
            facility=_among(candidates.facilities, item.facility, "assignees", "服务站点"),
            party_member=_among(candidates.party_members, item.party_member, "assignees", "党员"),
            role=item.role, finish_due=item.finish_due,
        ))
    return specs


def _candidate_organisation(ident: int | None, case: Case) -> Any:
    return None if ident is None else _among(dispatch_organisations(case), ident, "organisation", "单位")


def _candidate_organisations(ids: list[int], case: Case) -> list:
    organisations = dispatch_organisations(case) if ids else []
    return [_among(organisations, ident, "organisations", "单位") for ident in ids]


def _classify_args(p: TransitionIn, case: Case, user) -> dict:
    category = None
    if p.category:
        category = category_by_code(p.category)
        if category is None:
            raise ValidationError({"category": [f"问题分类 {p.category[:40]} 不存在"]})
    urgency = None
    if p.urgency:
        urgency = UrgencyLevel.objects.filter(code=p.urgency).first()
        if urgency is None:
            raise ValidationError({"urgency": ["紧急程度不存在"]})
    return {"category": category, "urgency": urgency, "request_type": p.request_type, "note": p.note}


def _assignment(p: TransitionIn, case: Case) -> Assignment | None:
    return _one(Assignment, p.assignment, "assignment", "派遣", case=case)


ARGUMENTS: dict[str, Callable[[TransitionIn, Case, Any], dict]] = {
    "classify": _classify_args,
    "reject": lambda p, case, user: {"reason": p.reason},
    "merge": lambda p, case, user: {
        "survivor": cases_visible_to(user).filter(pk=p.survivor).first() if p.survivor else None, "note": p.note,
    },
    "dispatch": lambda p, case, user: {"assignees": _assignees(p, case, user), "note": p.note},
    "accept": lambda p, case, user: {"assignment": _assignment(p, case), "note": p.note},
    "return": lambda p, case, user: {"assignment": _assignment(p, case), "reason": p.reason},
    "arbitrate": lambda p, case, user: {
        "assignment": _assignment(p, case), "organisation": _candidate_organisation(p.organisation, case),
        "note": p.note,
    },
    "request_extension": lambda p, case, user: {
        "assignment": _assignment(p, case), "requested_due": p.requested_due, "reason": p.reason,
    },
    "grant_extension": lambda p, case, user: {
        "extension": _one(Extension, p.extension, "extension", "延期申请", assignment__case=case), "note": p.note,
    },
    "refuse_extension": lambda p, case, user: {
        "extension": _one(Extension, p.extension, "extension", "延期申请", assignment__case=case),
        "reason": p.reason,
    },
    "note": lambda p, case, user: {"note": p.note, "assignment": _assignment(p, case)},
    "reply": lambda p, case, user: {"assignment": _assignment(p, case), "reply": p.reply},
    "verify": lambda p, case, user: {"note": p.note},
    "rework": lambda p, case, user: {"reason": p.reason},
    "close": lambda p, case, user: {"note": p.note},
    "rate": lambda p, case, user: {"result": p.result, "comment": p.comment},
    "escalate": lambda p, case, user: {"meeting": p.meeting, "note": p.note},
    "resume": lambda p, case, user: {"decision": p.decision, "note": p.note},
    "whistle": lambda p, case, user: {
        "reasons": p.reasons, "note": p.note,
        "organisations": _candidate_organisations(p.organisations, case),
    },
    "report_in": lambda p, case, user: {
        "summons": _one(WhistleSummons, p.summons, "summons", "吹哨报到", whistle__case=case), "note": p.note,
    },
    "score": lambda p, case, user: {
        "summons": _one(WhistleSummons, p.summons, "summons", "吹哨报到", whistle__case=case), "score": p.score,
        "comment": p.comment,
    },
    "transfer_owner": lambda p, case, user: {
        "owner": _one(User, p.owner, "owner", "工作人员", pk__in=owner_candidates(case).values("pk")),
        "reason": p.reason,
    },
}


# --------------------------------------------------------------------------------------------------
# Endpoints
# --------------------------------------------------------------------------------------------------


@router.post("", response={200: CaseCreatedOut, 201: CaseCreatedOut, 400: ErrorOut, 429: ErrorOut})
def create_case(request, payload: CaseIn):
    """Report a problem or a difficulty. With an `Idempotency-Key` header a repeat answers the same case (200).

    Residents and party members share the portal's limit on reports per client address (429 `rate_limited`,
    with `Retry-After`); staff taking reports are not limited.
    """
    if request.user.role not in STAFF_ROLES:
        verdict = report_hit(request)
        if not verdict.allowed:
            raise ApiError(429, "rate_limited", f"提交次数过多，请 {verdict.retry_after} 秒后再试",
                           headers={"Retry-After": str(verdict.retry_after)})
    with service_errors():
        case, created = case_submit(
            actor=request.user, channel=payload.channel, kind=payload.kind, title=payload.title,
            description=payload.description, region=payload.region, category=payload.category,
            request_type=payload.request_type, target_group=payload.target_group, address=payload.address,
            latitude=payload.lat, longitude=payload.long, contact_name=payload.contact_name,
            contact_phone=payload.contact_phone, public_anonymous=payload.public_anonymous,
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
    return Status(201 if created else 200, _created_out(case))


@router.get("", response={200: CaseListOut, 400: ErrorOut})
def list_cases(
    request, status: str | None = None, kind: str | None = None, region: str | None = None,
    category: str | None = None, cursor: str | None = cursor_param(), limit: int = limit_param(),
):
    """Cases in the caller's scope, newest first; pass `next_cursor` back as `cursor` for the next page."""
    qs = cases_visible_to(request.user)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if region:
        qs = qs.filter(region__code__gte=region, region__code__lt=region + ":")
    if category:
        qs = qs.filter(
            Q(category__code=category) | Q(category__parent__code=category) | Q(category__parent__parent__code=category)
        )
    page = paginate(qs, NEWEST_FIRST, cursor=cursor, limit=limit)
    items = [
        {
            "id": c.pk, "tracking_code": c.tracking_code, "kind": c.kind, "title": c.title, "status": c.status,
            "version": c.version, "region": c.region.code, "category": c.category.code if c.category else None,
            "received_at": c.received_at, "finish_due": c.finish_due, "overdue": c.is_overdue(),
        }
        for c in page.rows
    ]
    return {"items": items, "next_cursor": page.next_cursor}


@router.get("/{case_id}", response={200: CaseOut, 404: ErrorOut})
def get_case(request, case_id: int):
    """One case with its assignments, whistles and history; the contact phone is masked.

    Internal detail (see `_detail`) goes only to those related to the case by their work on it
    (`sees_internal_detail`); a reporter of any role sees the public view."""
    case = case_visible(request.user, case_id)
    if case is None:
        raise not_found("事项不存在或无权访问")
    return _detail(case, full=sees_internal_detail(request.user, case))


@router.post(
    "/{case_id}/transitions",
    response={200: TransitionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def transition(request, case_id: int, payload: TransitionIn):
    """Move a case along one edge of the workflow table (`action`), at the `version` the caller read."""
    case = case_visible(request.user, case_id)
    if case is None:
        raise not_found("事项不存在或无权访问")
    # The version comes first: a caller with a stale view learns that before anything about its input.
    if payload.version != case.version:
        raise ApiError(409, "stale_version", str(StaleVersion(payload.version, case.version)))
    service = TRANSITIONS.get(payload.action)
    if service is None:
        raise ApiError(400, "unknown_action", f"未知的操作：{payload.action[:40]}", {"action": ["未知的操作"]})
    with service_errors():
        if not workflow.is_allowed(payload.action, case.status):
            raise TransitionNotAllowed(payload.action, case.status)
        kwargs = ARGUMENTS[payload.action](payload, case, request.user)
        case = service(case=case, actor=request.user, expected_version=payload.version, **kwargs)
    return _created_out(case)
