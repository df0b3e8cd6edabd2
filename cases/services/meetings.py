"""上会, 恢复办理: a case one body cannot solve goes to a meeting, whose decision resumes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class AgendaHook:
    """How a case goes onto the agenda of a named meeting, given by the capability that keeps meetings (a
    floor above, so cases imports nothing of it).

    `offer(user, case)` lists the meetings `user` may put `case` before, as (meeting id, label), soonest
    first; `take(actor=, case=, expected_version=, meeting_id=, note=)` puts it on that meeting's agenda
    and escalates it in one transaction, refusing a meeting not offered with a ValidationError on `meeting`.
    """

    offer: Callable[[User, Case], list[tuple[int, str]]]
    take: Callable[..., Any]


# Registered once from the meetings' AppConfig.ready; empty when no capability keeps meetings.
AGENDA_HOOKS: list[AgendaHook] = []


def agenda_hook_register(hook: AgendaHook) -> None:
    """Name how cases go onto meetings' agendas (one capability keeps meetings: a later call replaces it)."""
    AGENDA_HOOKS[:] = [hook]


def escalation_meetings(user: User, case: Case) -> list[tuple[int, str]]:
    """The meetings `user` may name when escalating `case`, as (id, label); none without a hook."""
    return AGENDA_HOOKS[0].offer(user, case) if AGENDA_HOOKS else []


def _meeting_id(meeting: str | int) -> int | None:
    if isinstance(meeting, bool):
        return None
    if isinstance(meeting, int):
        return meeting
    return int(meeting) if isinstance(meeting, str) and meeting.isascii() and meeting.isdigit() else None


def case_escalate(*, case: Case, actor: User | None, expected_version: int, meeting: str | int = "",
                  note: str = "") -> Case:
    """上会 (提交会议): put a case one body cannot solve before a 党建联席会议, 居民代表会议 or 党员大会.

    `meeting` names a meeting (its id): the case becomes an item of its agenda, through the registered
    `AgendaHook`, and is escalated to the meeting type of its body. A meeting type instead (`joint_meeting`,
    `residents_representatives`, `party_members`) escalates the case before any meeting is named.
    """
    meeting_id = _meeting_id(meeting)
    if meeting_id is None:
        return _escalate_to_type(case=case, actor=actor, expected_version=expected_version, meeting=meeting,
                                 note=note)
    if not AGENDA_HOOKS:
        raise ValidationError({"meeting": ["请选择会议：党建联席会议、居民代表会议或党员大会"]})
    AGENDA_HOOKS[0].take(actor=actor, case=case, expected_version=expected_version, meeting_id=meeting_id,
                         note=note)
    return Case.objects.get(pk=case.pk)


@_writes
def _escalate_to_type(*, case: Case, actor: User | None, expected_version: int, meeting: str | int,
                      note: str) -> Case:
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


