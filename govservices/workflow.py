"""The state machine of a service request (办件), one explicit table like the case table (`cases.workflow`).

    待受理 → 已受理 → 办理中 → 已办结 → 已出件

with the side paths 补正 (the one-time list of every missing material; the time limit stops while the
resident brings them, `supplement` starts it again with what was left), 转办 (forwarded to a department
and its handler: the 首办 changes, the 首问 never does) and 不予受理 (with the reason). A request taken at
a window is accepted in the same step as it is registered; one applied for online waits for a clerk.

This module imports no model, so anything may import it.
"""

from __future__ import annotations

from django.db import models

from core.workflow import MoveNotAllowed, StaleRecord


class Status(models.TextChoices):
    SUBMITTED = "submitted", "待受理"
    ACCEPTED = "accepted", "已受理"
    CORRECTING = "correcting", "待补正"
    PROCESSING = "processing", "办理中"
    COMPLETED = "completed", "已办结"
    DELIVERED = "delivered", "已出件"
    REJECTED = "rejected", "不予受理"


S = Status
# (status, action) → the status the action leads to. Nothing else moves a request.
TABLE: dict[tuple[str, str], str] = {
    (S.SUBMITTED, "accept"): S.ACCEPTED,
    (S.SUBMITTED, "reject"): S.REJECTED,
    (S.SUBMITTED, "correct"): S.CORRECTING,
    (S.ACCEPTED, "correct"): S.CORRECTING,
    (S.ACCEPTED, "handle"): S.PROCESSING,
    (S.ACCEPTED, "transfer"): S.PROCESSING,
    (S.PROCESSING, "transfer"): S.PROCESSING,
    (S.PROCESSING, "correct"): S.CORRECTING,
    (S.CORRECTING, "supplement"): S.PROCESSING,
    (S.PROCESSING, "complete"): S.COMPLETED,
    (S.COMPLETED, "deliver"): S.DELIVERED,
}
del S

ACTION_LABELS: dict[str, str] = {
    "accept": "受理",
    "reject": "不予受理",
    "correct": "一次性告知补正",
    "supplement": "材料已补齐",
    "handle": "开始办理（首办）",
    "transfer": "转办",
    "complete": "办结",
    "deliver": "出件",
}
ACTIONS: tuple[str, ...] = tuple(ACTION_LABELS)
# What each action needs besides the version, by the names the form and the API use.
REQUIRES: dict[str, tuple[str, ...]] = {
    "reject": ("reason",),
    "correct": ("missing",),
    "transfer": ("handler",),
    "complete": ("result",),
}
OPEN_STATUSES = frozenset({Status.SUBMITTED, Status.ACCEPTED, Status.CORRECTING, Status.PROCESSING})
# Finished (办结) for the figures: the result is decided, whether it was handed out yet or not.
FINISHED_STATUSES = frozenset({Status.COMPLETED, Status.DELIVERED})


class StaleVersion(StaleRecord):
    """Someone changed the request since the caller read it."""

    def __init__(self):
        super().__init__("该办件已被他人更新，请刷新后重试")


class StepNotAllowed(MoveNotAllowed):
    """The table has no edge for this action from the request's status."""


def target_of(action: str, status: str) -> str:
    """The status `action` leads to from `status`; StepNotAllowed, in Chinese, when the table lacks it."""
    target = TABLE.get((status, action))
    if target is None:
        label = ACTION_LABELS.get(action, action)
        status_label = Status(status).label if status in Status.values else status
        raise StepNotAllowed(f"办件当前为“{status_label}”，不能{label}")
    return target


def allowed_actions(status: str) -> list[str]:
    """The actions the table allows from `status`, in label order."""
    return [action for action in ACTIONS if (status, action) in TABLE]
