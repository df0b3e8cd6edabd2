"""The assignment and extension tables: every edge from every source status is taken through the case
service that takes it, and every move a table lacks is refused without touching the record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.assignment_workflow import (
    ASSIGNMENT_TABLE,
    EXTENSION_TABLE,
    AssignmentStatus,
    ExtensionStatus,
    StepNotAllowed,
    assignment_step,
    extension_step,
)
from cases.models import Assignment, Extension
from cases.services._base import _step_assignment, _step_extension
from cases.workflow import Status

pytestmark = pytest.mark.django_db

A = AssignmentStatus


def _assist(flow, case):
    return flow.assist(case)


def _accept_assist(flow, case):
    return flow.accept(case, assignment=flow.assist(case), actor=flow.u["dept2"])


def _reply_assist(flow, case):
    return services.case_reply(
        case=case, actor=flow.u["dept2"], expected_version=case.version, assignment=flow.assist(case),
        reply="协办部分已完成",
    )


def _escalate(flow, case):
    return services.case_escalate(
        case=case, actor=flow.u["community"], expected_version=case.version, meeting="joint_meeting"
    )


def _resume_continue(flow, case):
    return services.case_resume(
        case=case, actor=flow.u["community"], expected_version=case.version, decision="continue",
        note="会议决定原单位继续办理",
    )


def _return(flow, case, assignment, actor):
    return services.case_return(
        case=case, actor=actor, expected_version=case.version, assignment=assignment, reason="不属于本单位职责",
    )


def _rework(flow, case):
    return services.case_rework(case=case, actor=flow.u["community"], expected_version=case.version,
                                reason="现场仍未修好")


def take(flow, action: str, source: str) -> tuple[Assignment, str]:
    """Bring an assignment of a fresh case to `source`, take `action` through its service; returns the
    assignment (read again) and the status the table says it must now have."""
    case = flow.reach(Status.DISPATCHED)
    target = assignment_step(source, action).target
    if action == "accept":
        lead = flow.lead(case)
        flow.accept(case)
        return Assignment.objects.get(pk=lead.pk), target
    if action == "return":
        lead = flow.lead(case)
        if source == A.ACCEPTED:
            case = flow.accept(case)
        _return(flow, case, Assignment.objects.get(pk=lead.pk), flow.u["dept"])
        return Assignment.objects.get(pk=lead.pk), target
    if action == "reply":
        lead = flow.lead(case)
        flow.reply(flow.accept(case))
        return Assignment.objects.get(pk=lead.pk), target
    if action == "reopen":
        lead = flow.lead(case)
        _rework(flow, flow.reply(flow.accept(case)))
        return Assignment.objects.get(pk=lead.pk), target
    if action == "withdraw":  # 结案 withdraws the assisting body still working
        assist = _assist(flow, case)
        if source == A.ACCEPTED:
            case = _accept_assist(flow, case)
        flow.close(flow.verify(flow.reply(flow.accept(case))))
        return Assignment.objects.get(pk=assist.pk), target
    if action == "restart":  # 会议决定继续办理: every body still on the case reports in again
        assist = _assist(flow, case)
        if source in (A.ACCEPTED, A.REPLIED):
            case = flow.accept(_accept_assist(flow, case))
        if source == A.REPLIED:
            case = _reply_assist(flow, case)
        _resume_continue(flow, _escalate(flow, case))
        return Assignment.objects.get(pk=assist.pk), target
    raise AssertionError(f"no way to take the assignment edge {action!r}: add it to this test")


ASSIGNMENT_EDGES = [
    pytest.param(step.action, source, id=f"{step.action}-from-{source}")
    for step in ASSIGNMENT_TABLE for source in sorted(step.sources)
]


@pytest.mark.parametrize(("action", "source"), ASSIGNMENT_EDGES)
def test_every_assignment_edge_is_taken_by_its_service(flow, action, source):
    assignment, target = take(flow, action, source)
    assert assignment.status == target


def _request_extension(flow):
    case = flow.accept(flow.reach(Status.DISPATCHED))
    lead = flow.lead(case)
    case = services.case_request_extension(
        case=case, actor=flow.u["dept"], expected_version=case.version, assignment=lead,
        requested_due=lead.finish_due + dt.timedelta(days=5), reason="需要等待配件",
    )
    return case, Extension.objects.get(assignment=lead)


@pytest.mark.parametrize("action", sorted({step.action for step in EXTENSION_TABLE}))
def test_every_extension_edge_is_taken_by_its_service(flow, action):
    case, extension = _request_extension(flow)
    assert extension.status == ExtensionStatus.REQUESTED
    staff = flow.u["community"]
    if action == "grant":
        services.case_grant_extension(case=case, actor=staff, expected_version=case.version, extension=extension)
    else:
        services.case_refuse_extension(case=case, actor=staff, expected_version=case.version, extension=extension,
                                       reason="期限内可以完成")
    extension.refresh_from_db()
    assert extension.status == extension_step(ExtensionStatus.REQUESTED, action).target


FORBIDDEN_ASSIGNMENT_MOVES = [
    pytest.param(action, status, id=f"{action}-from-{status}")
    for action in dict.fromkeys(step.action for step in ASSIGNMENT_TABLE)
    for status in AssignmentStatus.values
    if not any(step.action == action and status in step.sources for step in ASSIGNMENT_TABLE)
]


@pytest.mark.parametrize(("action", "status"), FORBIDDEN_ASSIGNMENT_MOVES)
def test_a_move_the_assignment_table_lacks_is_refused_and_changes_nothing(flow, action, status):
    lead = flow.lead(flow.reach(Status.DISPATCHED))
    Assignment.objects.filter(pk=lead.pk).update(status=status)  # arrange: the record in that status
    lead.refresh_from_db()
    with pytest.raises(StepNotAllowed, match=f"该派遣当前为“{AssignmentStatus(status).label}”"):
        _step_assignment(lead, action, withdrawn_at=None)
    assert Assignment.objects.get(pk=lead.pk).status == status


@pytest.mark.parametrize("action", ["grant", "refuse"])
@pytest.mark.parametrize("status", [ExtensionStatus.GRANTED, ExtensionStatus.REFUSED])
def test_a_decided_extension_cannot_be_decided_again(flow, action, status):
    _, extension = _request_extension(flow)
    Extension.objects.filter(pk=extension.pk).update(status=status)
    extension.refresh_from_db()
    with pytest.raises(StepNotAllowed):
        extension_step(extension.status, action)
    with pytest.raises(StepNotAllowed):
        _step_extension(extension, action)
    assert Extension.objects.get(pk=extension.pk).status == status


def test_the_service_refuses_a_second_report_in_in_chinese(flow):
    case = flow.accept(flow.reach(Status.DISPATCHED))
    with pytest.raises(ValidationError) as refused:
        services.case_accept(case=case, actor=flow.u["dept"], expected_version=case.version,
                             assignment=flow.lead(case))
    assert refused.value.message_dict["assignment"] == ["该派遣当前为“已报到”，不能报到"]


def test_the_service_refuses_to_decide_an_extension_twice(flow):
    case, extension = _request_extension(flow)
    staff = flow.u["community"]
    case = services.case_grant_extension(case=case, actor=staff, expected_version=case.version, extension=extension)
    with pytest.raises(ValidationError) as refused:
        services.case_refuse_extension(case=case, actor=staff, expected_version=case.version, extension=extension,
                                       reason="改变主意")
    assert refused.value.message_dict["extension"] == ["该延期申请已同意"]
