"""The two smaller state machines inside a case: an assignment (派遣) and an extension request (延期).

The case's own table (`cases.workflow.TABLE`) decides which move the case makes; each of its services
then moves the records under the case, and only along these tables. A move a table lacks raises
`StepNotAllowed`, so no service can, say, reopen a withdrawn assignment or decide an extension twice.

Each row is one edge: `action`, its label, the statuses it may start from and the one it ends in.
Like `cases.workflow`, this module imports no model: the models take their statuses from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from core.workflow import MoveNotAllowed


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", "待报到"
    ACCEPTED = "accepted", "已报到"
    RETURNED = "returned", "已退回"
    REPLIED = "replied", "已答复"
    WITHDRAWN = "withdrawn", "已撤回"


class ExtensionStatus(models.TextChoices):
    REQUESTED = "requested", "待审批"
    GRANTED = "granted", "已同意"
    REFUSED = "refused", "未同意"


@dataclass(frozen=True)
class Step:
    action: str
    label: str
    sources: frozenset[str]
    target: str


def _s(action: str, label: str, sources, target: str) -> Step:
    return Step(action, label, frozenset(sources), target)


A = AssignmentStatus
# Still working on the case: they can report in, be returned, be withdrawn, ask for more time.
ASSIGNMENT_ACTIVE = (A.PENDING, A.ACCEPTED)
# Still counted on the case: active, or replied and waiting for the community's check.
ASSIGNMENT_LIVE = (A.PENDING, A.ACCEPTED, A.REPLIED)

# A new assignment starts at PENDING (派遣, 追加派遣, 街道裁定).
ASSIGNMENT_TABLE: tuple[Step, ...] = (
    _s("accept", "报到接收", [A.PENDING], A.ACCEPTED),
    _s("return", "退回", ASSIGNMENT_ACTIVE, A.RETURNED),
    _s("reply", "答复", [A.ACCEPTED], A.REPLIED),
    # 返工: the lead's reply is reopened and it works on.
    _s("reopen", "返工重办", [A.REPLIED], A.ACCEPTED),
    # 合并, 结案, 会议决定重新派遣, and an assisting body the street names as lead.
    _s("withdraw", "撤回", ASSIGNMENT_ACTIVE, A.WITHDRAWN),
    # 会议决定继续办理: every body still on the case reports in again, with fresh deadlines.
    _s("restart", "重新报到", ASSIGNMENT_LIVE, A.PENDING),
)

E = ExtensionStatus
# A new request starts at REQUESTED (申请延期), one open request per assignment at a time.
EXTENSION_TABLE: tuple[Step, ...] = (
    _s("grant", "同意延期", [E.REQUESTED], E.GRANTED),
    _s("refuse", "不同意延期", [E.REQUESTED], E.REFUSED),
)
del A, E


class StepNotAllowed(MoveNotAllowed):
    """The table has no edge for this action from the record's status."""

    def __init__(self, record: str, action: str, status_label: str, action_label: str):
        self.action = action
        super().__init__(f"该{record}当前为“{status_label}”，不能{action_label}")


def step_for(table: tuple[Step, ...], action: str, status: str) -> Step | None:
    """The edge of `table` for `action` from `status`, or None when the table has none."""
    for step in table:
        if step.action == action and status in step.sources:
            return step
    return None


def _label(table: tuple[Step, ...], action: str) -> str:
    return next((step.label for step in table if step.action == action), action)


def assignment_step(status: str, action: str) -> Step:
    """The assignment edge for `action` from `status`; raises StepNotAllowed when there is none."""
    step = step_for(ASSIGNMENT_TABLE, action, status)
    if step is None:
        raise StepNotAllowed("派遣", action, AssignmentStatus(status).label, _label(ASSIGNMENT_TABLE, action))
    return step


def extension_step(status: str, action: str) -> Step:
    """The extension edge for `action` from `status`; raises StepNotAllowed when there is none."""
    step = step_for(EXTENSION_TABLE, action, status)
    if step is None:
        raise StepNotAllowed("延期申请", action, ExtensionStatus(status).label, _label(EXTENSION_TABLE, action))
    return step
