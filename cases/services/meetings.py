"""上会, 恢复办理: a case one body cannot solve goes to a meeting, whose decision resumes it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import User

from ..models import (
    Assignment,
    AssignmentRole,
    Case,
    Meeting,
)
from ._base import _begin, _check, _deadline, _edge, _step_assignment, _text, _writes


@_writes
def case_escalate(*, case: Case, actor: User | None, expected_version: int, meeting: str = "", note: str = "") -> Case:
    """上会: put a case one body cannot solve on the agenda of a 党建联席会议, 居民代表会议 or 党员大会."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="escalate")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    if meeting not in Meeting.values:
        errors["meeting"] = "请选择会议：党建联席会议、居民代表会议或党员大会"
    note = _text(errors, "note", note, label="上会说明")
    _check(errors)
    move.apply(edge, fields={"escalated_to": meeting}, note=note, data={"meeting": meeting})
    return move.finish()


RESUME_DECISIONS = {"redispatch": "重新派遣", "continue": "原承办单位继续办理"}


@_writes
def case_resume(*, case: Case, actor: User | None, expected_version: int, decision: str = "", note: str = "") -> Case:
    """恢复办理: record the meeting's decision on an escalated case.

    `redispatch`: every body still on the case is withdrawn and the case is back at 已立案 to be
    dispatched anew. `continue`: the bodies on the case (a lead among them) carry on and must report
    in again, with fresh report-in and finish deadlines; the case is 已派遣.
    """
    move = _begin(case, actor=actor, expected_version=expected_version, action="resume")
    edge = _edge(move, when=decision if decision in RESUME_DECISIONS else "redispatch")
    move.authorise(edge)
    errors: dict[str, str] = {}
    if decision not in RESUME_DECISIONS:
        raise ValidationError({"decision": ["请选择会议决定：重新派遣或继续办理"]})
    note = _text(errors, "note", note, label="会议决定", required=True)
    live = list(move.case.assignments.filter(status__in=Assignment.LIVE))
    if decision == "continue" and (
        move.case.urgency is None or not any(a.role == AssignmentRole.LEAD for a in live)
    ):
        errors["decision"] = "没有可继续办理的主办单位，请选择重新派遣"
    _check(errors)
    fields: dict[str, Any] = {}
    changed = []
    if decision == "redispatch":
        for assignment in live:
            if assignment.status in Assignment.ACTIVE:
                _step_assignment(assignment, "withdraw", withdrawn_at=move.now)
                changed.append(assignment.pk)
    else:
        report_in = _deadline(move.now, move.case.urgency.response_limit)
        finish = _deadline(move.now, move.case.urgency.finish_limit)
        for assignment in live:
            _step_assignment(
                assignment, "restart", accepted_at=None, replied_at=None,
                report_in_due=report_in.due, finish_due=finish.due,
            )
            changed.append(assignment.pk)
        fields = {"finish_due": finish.due, "closed_at": None}
    move.apply(edge, fields=fields, note=note, data={"decision": decision, "assignments": changed})
    return move.finish()


