"""核查, 返工, 结案, 评价."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings

from accounts.models import User

from ..models import (
    Assignment,
    AssignmentRole,
    Case,
    Meeting,
    Rating,
    RatingResult,
)
from ..workflow import Who
from ._base import _begin, _check, _deadline, _edge, _Move, _step_assignment, _text, _writes


@_writes
def case_verify(*, case: Case, actor: User | None, expected_version: int, note: str = "") -> Case:
    """核查: the community checks the lead's reply on the spot and finds the problem solved."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="verify")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, label="核查意见")
    _check(errors)
    move.apply(edge, note=note)
    return move.finish()


def _reopen_lead(move: _Move, errors: dict[str, str]) -> tuple[Assignment | None, dict[str, Any]]:
    """Send the case back to its lead for rework: the lead's reply is reopened with a fresh finish deadline."""
    case = move.case
    lead = (
        case.assignments.filter(role=AssignmentRole.LEAD, status=Assignment.Status.REPLIED)
        .order_by("-replied_at", "-id").first()
    )
    if lead is None or case.urgency is None:
        errors["reason"] = "没有已答复的主办单位，不能返工"
        return None, {}
    finish = _deadline(move.now, case.urgency.finish_limit)
    _step_assignment(lead, "reopen", replied_at=None, finish_due=finish.due)
    fields = {
        "rework_count": case.rework_count + 1, "finish_due": finish.due, "closed_at": None,
        "deadline_approximate": case.deadline_approximate or finish.approximate,
    }
    return lead, fields


@_writes
def case_rework(*, case: Case, actor: User | None, expected_version: int, reason: str = "") -> Case:
    """返工: the check fails; the case goes back to its lead with a fresh finish deadline."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="rework")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, label="返工原因", required=True)
    _check(errors)
    lead, fields = _reopen_lead(move, errors)
    _check(errors)
    move.apply(edge, fields=fields, assignment=lead, note=reason, data={
        "assignment": lead.pk, "finish_due": fields["finish_due"], "rework_count": fields["rework_count"],
    })
    return move.finish()


# Checks that capabilities above cases add (meetings: the tasks of a resolution); each answers the reason
# a case may not close yet, or "". Registered once from their AppConfig.ready, so cases imports none of them.
CLOSE_CHECKS: list[Callable[[Case], str]] = []


def close_check_register(check: Callable[[Case], str]) -> None:
    """Add a check `case_close` asks before closing a case (once, however often it is registered)."""
    if check not in CLOSE_CHECKS:
        CLOSE_CHECKS.append(check)


@_writes
def case_close(*, case: Case, actor: User | None, expected_version: int, note: str = "") -> Case:
    """结案: a verified case is closed; bodies still working on it are withdrawn; reporters are asked to rate."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="close")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, label="结案说明")
    for check in CLOSE_CHECKS:
        if refusal := check(move.case):
            errors["__all__"] = refusal
    _check(errors)
    withdrawn = []
    for assignment in move.case.assignments.filter(status__in=Assignment.ACTIVE):
        _step_assignment(assignment, "withdraw", withdrawn_at=move.now)
        withdrawn.append(assignment.pk)
    move.apply(edge, fields={"closed_at": move.now}, note=note, data={"withdrawn": withdrawn})
    return move.finish()


def unsatisfied_escalation_meeting() -> str:
    """The meeting a case goes to after a second 不满意 (settings.CASE_UNSATISFIED_MEETING, default 联席会议)."""
    meeting = getattr(settings, "CASE_UNSATISFIED_MEETING", Meeting.JOINT_MEETING)
    return meeting if meeting in Meeting.values else Meeting.JOINT_MEETING


@_writes
def case_rate(
    *, case: Case, actor: User | None, expected_version: int, result: str = "", comment: str = "",
    tracking_code: str | None = None,
) -> Case:
    """评价: the reporter rates a closed case (满意 / 基本满意 / 不满意), by account or tracking code;
    staff may record a rating taken on a return call (回访).

    A first 不满意 sends the case back to its lead at once (返工, rework_count + 1); a second one puts it
    on the agenda of a meeting (上会). Both follow-ups are automatic edges of the table, written as
    their own events in the same transaction.
    """
    move = _begin(case, actor=actor, expected_version=expected_version, action="rate")
    edge = _edge(move)
    kinds = move.authorise(edge, tracking_code=tracking_code)
    errors: dict[str, str] = {}
    if result not in RatingResult.values:
        errors["result"] = "请选择评价结果：满意、基本满意或不满意"
    comment = _text(errors, "comment", comment, label="评价意见")
    _check(errors)
    earlier_unsatisfied = move.case.ratings.filter(result=RatingResult.UNSATISFIED).count()
    rating = Rating.objects.create(
        case=move.case, result=result, comment=comment, rated_at=move.now,
        rated_by=actor if getattr(actor, "is_authenticated", False) else None,
        recorded_by_staff=Who.REPORTER not in kinds,
    )
    move.apply(edge, note=comment, data={"rating": rating.pk, "result": result})
    if result == RatingResult.UNSATISFIED:
        if earlier_unsatisfied == 0:
            follow = _edge(move, action="rework", when="first_unsatisfied", automatic=True)
            lead, fields = _reopen_lead(move, errors)
            _check(errors)
            move.apply(follow, fields=fields, assignment=lead, note=comment, data={
                "rating": rating.pk, "assignment": lead.pk, "finish_due": fields["finish_due"],
            })
        else:
            follow = _edge(move, action="escalate", when="repeat_unsatisfied", automatic=True)
            meeting = unsatisfied_escalation_meeting()
            move.apply(follow, fields={"escalated_to": meeting, "closed_at": None}, note=comment, data={
                "rating": rating.pk, "meeting": meeting,
            })
    return move.finish()


