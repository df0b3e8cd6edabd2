"""Paged reads around cases: a case's history, assignments, whistles and ratings, and the boards.

`cases.api` answers a case with all of these embedded; for long histories and for integrations that
follow one kind of record, these endpoints give each as its own paged list:

- /api/v1/cases/{id}/events, /assignments, /whistles, /ratings — scoped like the case itself (a case
  outside the caller's scope is 404). A resident reading their own case sees its public steps and
  ratings only, never assignments, whistles, staff names or handling notes;
- /api/v1/assignments — the caller's 办理清单 (`cases.selectors.handling_list`): a department's inbox,
  or for region staff the assignments in their area; soonest deadline first;
- /api/v1/whistles — the 吹哨看板 (`cases.selectors.whistle_board`) on the cases the caller may see,
  newest first.

Writes to all of these are transitions of the case (`POST /api/v1/cases/{id}/transitions`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.db.models import Q
from ninja import Field, Query, Router, Schema

from cases.api import AssignmentOut, EventOut, WhistleOut
from cases.models import Assignment, Case, Extension, Rating, RatingResult, Whistle
from cases.permissions import sees_internal_detail
from cases.selectors import PUBLIC_EVENT_LABELS, case_visible, handling_list, whistle_board
from cases.workflow import Status
from core.api.errors import not_found
from core.api.pagination import BY_ID, Keyset, cursor_param, limit_param, paginate
from core.api.schemas import ErrorOut, RegionBrief, choices_enum, region_ref

case_router = Router(tags=["cases"])
board_router = Router(tags=["cases"])

CaseStatus = choices_enum("CaseStatus", Status)
AssignmentStatus = choices_enum("AssignmentStatus", Assignment.Status)
RatingResultChoice = choices_enum("RatingResult", RatingResult)

BY_SEQ = Keyset("seq", kind="int")
BY_FINISH_DUE = Keyset("finish_due", kind="datetime")
NEWEST_WHISTLE_FIRST = Keyset("blown_at", kind="datetime", descending=True)


class EventListOut(Schema):
    items: list[EventOut]
    next_cursor: str | None


class AssignmentListOut(Schema):
    items: list[AssignmentOut]
    next_cursor: str | None


class WhistleListOut(Schema):
    items: list[WhistleOut]
    next_cursor: str | None


class RatingOut(Schema):
    id: int
    result: RatingResultChoice
    result_label: str
    comment: str
    rated_at: dt.datetime
    recorded_by_staff: bool = Field(description="工作人员回访时代为录入")


class RatingListOut(Schema):
    items: list[RatingOut]
    next_cursor: str | None


class CaseRef(Schema):
    id: int
    tracking_code: str
    title: str
    kind: str
    status: CaseStatus
    region: RegionBrief


class BoardAssignmentOut(AssignmentOut):
    case: CaseRef
    report_in_overdue: bool = Field(description="未在报到期限内报到")
    finish_overdue: bool = Field(description="未在办结期限内答复")


class BoardAssignmentListOut(Schema):
    items: list[BoardAssignmentOut]
    next_cursor: str | None


class BoardWhistleOut(WhistleOut):
    case: CaseRef


class BoardWhistleListOut(Schema):
    items: list[BoardWhistleOut]
    next_cursor: str | None


def _case_or_404(request, case_id: int) -> Case:
    case = case_visible(request.user, case_id)
    if case is None:
        raise not_found("事项不存在或无权访问")
    return case


def _public_view(request, case: Case) -> bool:
    # By relation to the case, not by role: a party member who only reported it sees what a resident sees.
    return not sees_internal_detail(request.user, case)


def _case_ref(case: Case) -> dict:
    return {
        "id": case.pk, "tracking_code": case.tracking_code, "title": case.title, "kind": case.kind,
        "status": case.status, "region": region_ref(case.region),
    }


def _assignment_out(a: Assignment) -> dict:
    if a.organisation_id:
        kind, ident = "organisation", a.organisation_id
    elif a.facility_id:
        kind, ident = "facility", a.facility_id
    else:
        kind, ident = "party_member", a.party_member_id
    open_extension = next((e.pk for e in a.extensions.all() if e.status == Extension.Status.REQUESTED), None)
    return {
        "id": a.pk, "assignee": a.assignee_name, "assignee_type": kind, "assignee_id": ident, "role": a.role,
        "status": a.status, "dispatched_at": a.dispatched_at, "report_in_due": a.report_in_due,
        "finish_due": a.finish_due, "accepted_at": a.accepted_at, "replied_at": a.replied_at, "reply": a.reply,
        "return_reason": a.return_reason, "arbitrated": a.arbitrated, "open_extension": open_extension,
    }


def _whistle_out(w: Whistle) -> dict:
    return {
        "id": w.pk, "reasons": list(w.reasons), "note": w.note, "blown_at": w.blown_at,
        "summons": [
            {"id": s.pk, "organisation_id": s.organisation_id, "organisation": s.organisation.name,
             "report_in_due": s.report_in_due, "reported_at": s.reported_at, "score": s.score}
            for s in w.summons.all()
        ],
    }


def _empty() -> dict:
    return {"items": [], "next_cursor": None}


@case_router.get("/{case_id}/events", response={200: EventListOut, 400: ErrorOut, 404: ErrorOut})
def list_case_events(request, case_id: int, cursor: str | None = cursor_param(), limit: int = limit_param()):
    """The case's history in order (`seq`). A reporter sees the public steps only, without names or notes."""
    case = _case_or_404(request, case_id)
    qs = case.events.select_related("actor")
    resident = _public_view(request, case)
    if resident:
        qs = qs.filter(action__in=list(PUBLIC_EVENT_LABELS))
    page = paginate(qs, BY_SEQ, cursor=cursor, limit=limit)
    items = [
        {"seq": e.seq, "created_at": e.created_at, "actor": "" if resident else e.actor_label, "action": e.action,
         "from_status": e.from_status, "to_status": e.to_status,
         "note": (e.note if e.action in ("reject", "rate") else "") if resident else e.note}
        for e in page.rows
    ]
    return {"items": items, "next_cursor": page.next_cursor}


@case_router.get("/{case_id}/assignments", response={200: AssignmentListOut, 400: ErrorOut, 404: ErrorOut})
def list_case_assignments(request, case_id: int, cursor: str | None = cursor_param(), limit: int = limit_param()):
    """Every body the case was dispatched to, in the order of dispatch, with its clocks and reply."""
    case = _case_or_404(request, case_id)
    if _public_view(request, case):
        return _empty()
    qs = case.assignments.select_related("organisation", "facility", "party_member__person").prefetch_related(
        "extensions"
    )
    page = paginate(qs, BY_ID, cursor=cursor, limit=limit)
    return {"items": [_assignment_out(a) for a in page.rows], "next_cursor": page.next_cursor}


@case_router.get("/{case_id}/whistles", response={200: WhistleListOut, 400: ErrorOut, 404: ErrorOut})
def list_case_whistles(request, case_id: int, cursor: str | None = cursor_param(), limit: int = limit_param()):
    """Whistles blown on the case (社区吹哨) with each summoned department's report-in and score."""
    case = _case_or_404(request, case_id)
    if _public_view(request, case):
        return _empty()
    qs = case.whistles.prefetch_related("summons__organisation")
    page = paginate(qs, BY_ID, cursor=cursor, limit=limit)
    return {"items": [_whistle_out(w) for w in page.rows], "next_cursor": page.next_cursor}


@case_router.get("/{case_id}/ratings", response={200: RatingListOut, 400: ErrorOut, 404: ErrorOut})
def list_case_ratings(request, case_id: int, cursor: str | None = cursor_param(), limit: int = limit_param()):
    """The reporter's ratings of the case (a case reworked after 不满意 can be rated again)."""
    case = _case_or_404(request, case_id)
    page = paginate(Rating.objects.filter(case=case), BY_ID, cursor=cursor, limit=limit)
    items = [
        {"id": r.pk, "result": r.result, "result_label": r.get_result_display(), "comment": r.comment,
         "rated_at": r.rated_at, "recorded_by_staff": r.recorded_by_staff}
        for r in page.rows
    ]
    return {"items": items, "next_cursor": page.next_cursor}


@board_router.get("/assignments", response={200: BoardAssignmentListOut, 400: ErrorOut})
def list_assignments(
    request,
    status: Annotated[AssignmentStatus | None, Query(None, description="派遣状态")] = None,
    include_finished: bool = Query(False, description="true 时也列出已答复、已退回和已撤回的派遣"),
    overdue: Annotated[bool | None, Query(None, description="true 只列出已逾期（报到或办结）的派遣")] = None,
    cursor: str | None = cursor_param(),
    limit: int = limit_param(),
):
    """办理清单: the assignments the caller's body must handle (for region staff, those in their area),
    soonest finish deadline first."""
    qs = handling_list(request.user, include_finished=include_finished or status is not None).prefetch_related(
        "extensions"
    )
    if status:
        qs = qs.filter(status=status.value)
    if overdue is not None:
        late = Q(is_report_in_overdue_flag=True) | Q(is_finish_overdue_flag=True)
        qs = qs.filter(late) if overdue else qs.exclude(late)
    page = paginate(qs, BY_FINISH_DUE, cursor=cursor, limit=limit)
    items = [
        {**_assignment_out(a), "case": _case_ref(a.case), "report_in_overdue": a.is_report_in_overdue_flag,
         "finish_overdue": a.is_finish_overdue_flag}
        for a in page.rows
    ]
    return {"items": items, "next_cursor": page.next_cursor}


@board_router.get("/whistles", response={200: BoardWhistleListOut, 400: ErrorOut})
def list_whistles(request, cursor: str | None = cursor_param(), limit: int = limit_param()):
    """吹哨看板: whistles on the cases the caller may see, newest first, with each summons."""
    qs = whistle_board(request.user).select_related("case__region")
    page = paginate(qs, NEWEST_WHISTLE_FIRST, cursor=cursor, limit=limit)
    items = [{**_whistle_out(w), "case": _case_ref(w.case)} for w in page.rows]
    return {"items": items, "next_cursor": page.next_cursor}
