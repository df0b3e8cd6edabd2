"""The review of a task request (社区工作事项准入), one explicit table like the case table (`cases.workflow`).

    已提交 → 已准入 | 不予准入 | 退回补充（→ 重新提交 → 已提交） | 已撤回

The county reviews (admit, refuse, return); the department that filed the request resubmits or withdraws
it. A request is admitted only with its authority and funds attached (`tasks.services`). Refused and
withdrawn requests stay listed. A move the table lacks is refused with `StepNotAllowed`, in Chinese.
This module imports no model, so anything may import it.
"""

from __future__ import annotations

from django.db import models

from core.workflow import MoveNotAllowed, StaleRecord


class Status(models.TextChoices):
    FILED = "filed", "已提交"
    RETURNED = "returned", "退回补充"
    ADMITTED = "admitted", "已准入"
    REFUSED = "refused", "不予准入"
    WITHDRAWN = "withdrawn", "已撤回"


class Side(models.TextChoices):
    """Who takes an edge: the county's review, or the department that filed the request."""

    COUNTY = "county", "县级审核"
    DEPARTMENT = "department", "申请部门"


class StepNotAllowed(MoveNotAllowed):
    """The table has no such edge from the request's current status."""


class StaleVersion(StaleRecord):
    """Someone decided or changed the request since the caller read it."""

    def __init__(self, message: str = "该申请已被他人处理，请刷新后重试"):
        super().__init__(message)


S = Status
# (status, action) → (the status the action leads to, who takes it). Nothing else moves a request.
TABLE: dict[tuple[str, str], tuple[str, str]] = {
    (S.FILED, "admit"): (S.ADMITTED, Side.COUNTY),
    (S.FILED, "refuse"): (S.REFUSED, Side.COUNTY),
    (S.FILED, "return"): (S.RETURNED, Side.COUNTY),
    (S.FILED, "withdraw"): (S.WITHDRAWN, Side.DEPARTMENT),
    (S.RETURNED, "resubmit"): (S.FILED, Side.DEPARTMENT),
    (S.RETURNED, "withdraw"): (S.WITHDRAWN, Side.DEPARTMENT),
}
del S

ACTION_LABELS: dict[str, str] = {
    "admit": "准入",
    "refuse": "不予准入",
    "return": "退回补充",
    "withdraw": "撤回申请",
    "resubmit": "重新提交",
}
ACTIONS: tuple[str, ...] = tuple(ACTION_LABELS)
# Actions whose reason is required (the department and the public read why).
REASON_REQUIRED = frozenset({"refuse", "return"})


def target_of(action: str, status: str) -> str:
    """The status `action` leads to from `status`; StepNotAllowed, in Chinese, when the table has no such edge."""
    edge = TABLE.get((status, action))
    if edge is None:
        label = ACTION_LABELS.get(action, action)
        status_label = Status(status).label if status in Status.values else status
        raise StepNotAllowed(f"该申请当前为“{status_label}”，不能{label}")
    return edge[0]


def side_of(action: str, status: str) -> str | None:
    """Who takes `action` from `status` (a `Side`), or None when the table has no such edge."""
    edge = TABLE.get((status, action))
    return edge[1] if edge else None


def allowed_actions(status: str) -> list[str]:
    """The actions the table allows from `status`, in table order."""
    return [action for (source, action) in TABLE if source == status]
