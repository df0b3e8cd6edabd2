"""延期, 办理记录, 答复: what the bodies do while they handle the case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from accounts.models import User

from ..assignment_workflow import ASSIGNMENT_TABLE, EXTENSION_TABLE, step_for
from ..models import (
    DESCRIPTION_MAX_LENGTH,
    Assignment,
    AssignmentRole,
    Case,
    Extension,
)
from ..permissions import actor_kinds
from ..workflow import Who
from ._base import _begin, _check, _edge, _Move, _own, _step_assignment, _step_extension, _text, _writes
from .dispatch import _assignment_for
from .photos import _read_photos, _store_photos


@_writes
def case_request_extension(
    *, case: Case, actor: User | None, expected_version: int, assignment: Assignment | None = None,
    requested_due: dt.datetime | None = None, reason: str = "",
) -> Case:
    """申请延期: a body still working on its assignment asks for a later finish deadline, with a reason."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="request_extension")
    errors: dict[str, str] = {}
    assignment = _assignment_for(move, assignment, errors)
    _check(errors)
    edge = _edge(move)
    move.authorise(edge, assignment=assignment)
    reason = _text(errors, "reason", reason, label="延期理由", required=True)
    if assignment.status not in Assignment.ACTIVE:
        errors["assignment"] = f"该派遣当前为“{assignment.get_status_display()}”，不能申请延期"
    elif assignment.extensions.filter(status=Extension.Status.REQUESTED).exists():
        errors["assignment"] = "已有一项延期申请待审批"
    if requested_due is None:
        errors["requested_due"] = "请填写申请延至的时间"
    elif requested_due <= max(assignment.finish_due, move.now):
        errors["requested_due"] = "申请延至的时间应晚于现有办结期限"
    _check(errors)
    extension = Extension.objects.create(
        assignment=assignment, previous_due=assignment.finish_due, requested_due=requested_due, reason=reason,
        requested_by=actor, requested_at=move.now,
    )
    move.apply(edge, assignment=assignment, note=reason, data={
        "extension": extension.pk, "previous_due": assignment.finish_due, "requested_due": requested_due,
    })
    return move.finish()


def _extension_for(move: _Move, extension: Extension | None, errors: dict[str, str]) -> Extension | None:
    found = _own(errors, "extension", extension, move.case, "延期申请")
    if found is None:
        return None
    found = Extension.objects.select_related("assignment").get(pk=found.pk)
    if step_for(EXTENSION_TABLE, "grant", found.status) is None:  # granting and refusing start alike
        errors["extension"] = f"该延期申请已{found.get_status_display().removeprefix('已')}"
    elif not found.assignment.is_active:
        errors["extension"] = "该派遣已结束，无需延期"
    return found


@_writes
def case_grant_extension(
    *, case: Case, actor: User | None, expected_version: int, extension: Extension | None = None, note: str = ""
) -> Case:
    """同意延期: the assignment's finish deadline moves to the requested time (and the case's, for the lead)."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="grant_extension")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, label="审批意见")
    extension = _extension_for(move, extension, errors)
    _check(errors)
    _step_extension(extension, "grant", decided_by=actor, decided_at=move.now, decision_note=note)
    assignment = extension.assignment
    assignment.finish_due = extension.requested_due
    assignment.save(update_fields=["finish_due"])
    fields = {}
    if assignment.role == AssignmentRole.LEAD and (
        move.case.finish_due is None or extension.requested_due > move.case.finish_due
    ):
        fields["finish_due"] = extension.requested_due
    move.apply(edge, fields=fields, assignment=assignment, note=note, data={
        "extension": extension.pk, "previous_due": extension.previous_due, "finish_due": extension.requested_due,
    })
    return move.finish()


@_writes
def case_refuse_extension(
    *, case: Case, actor: User | None, expected_version: int, extension: Extension | None = None, reason: str = ""
) -> Case:
    """不同意延期: the request is refused with a reason; the deadline stays."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="refuse_extension")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, label="不同意的理由", required=True)
    extension = _extension_for(move, extension, errors)
    _check(errors)
    _step_extension(extension, "refuse", decided_by=actor, decided_at=move.now, decision_note=reason)
    move.apply(edge, assignment=extension.assignment, note=reason, data={"extension": extension.pk})
    return move.finish()


@_writes
def case_note(
    *, case: Case, actor: User | None, expected_version: int, note: str = "", assignment: Assignment | None = None
) -> Case:
    """办理记录: a handling note by staff in scope, an assigned body (on its assignment) or a summoned one."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="note")
    errors: dict[str, str] = {}
    if assignment is not None:
        assignment = _assignment_for(move, assignment, errors)
        _check(errors)
    else:
        # A body writing without naming its assignment writes on its own live one, if it has one.
        for candidate in move.case.assignments.filter(status__in=Assignment.LIVE).select_related(
            "case__region", "facility", "party_member"
        ):
            if actor_kinds(actor, move.case, assignment=candidate, wanted=frozenset({Who.ASSIGNEE})):
                assignment = candidate
                break
    edge = _edge(move)
    move.authorise(edge, assignment=assignment)
    note = _text(errors, "note", note, label="办理记录", required=True)
    _check(errors)
    move.apply(edge, assignment=assignment, note=note, data={"assignment": assignment.pk if assignment else None})
    return move.finish()


@_writes
def case_reply(
    *, case: Case, actor: User | None, expected_version: int, assignment: Assignment | None = None, reply: str = "",
    photos: Sequence[Any] = (),
) -> Case:
    """答复: a body that reported in replies with what it did (and photos of the result).

    The lead's reply is the case's answer (反馈), shown to the reporters; an assisting body's reply is
    recorded on its assignment only.
    """
    move = _begin(case, actor=actor, expected_version=expected_version, action="reply")
    errors: dict[str, str] = {}
    assignment = _assignment_for(move, assignment, errors)
    _check(errors)
    edge = _edge(move, when=assignment.role)
    move.authorise(edge, assignment=assignment)
    reply = _text(errors, "reply", reply, label="答复内容", required=True, max_length=DESCRIPTION_MAX_LENGTH)
    if step_for(ASSIGNMENT_TABLE, "reply", assignment.status) is None:
        errors["assignment"] = f"该派遣当前为“{assignment.get_status_display()}”，报到后才能答复"
    stored = _read_photos(errors, photos, already=move.case.attachments.count())
    _check(errors)
    _step_assignment(assignment, "reply", replied_at=move.now, reply=reply)
    fields = {"public_note": reply} if assignment.role == AssignmentRole.LEAD else {}
    move.apply(edge, fields=fields, assignment=assignment, note=reply, data={
        "assignment": assignment.pk, "on_time": move.now <= assignment.finish_due, "photos": len(stored),
    })
    _store_photos(move.case, stored, actor=actor, now=move.now, assignment=assignment)
    return move.finish()


