"""The state machine of a consultation (征求意见), one explicit table like the case table (`cases.workflow`).

    草稿 → 征求中 → 已截止（不再接受意见） → 已评审（评审会议已确定） → 已公布（结果公开）

A move the table lacks is refused with `StepNotAllowed` (the one of `meetings.workflow`), in Chinese.
This module imports no model, so anything may import it.
"""

from __future__ import annotations

from django.db import models

from meetings.workflow import BodyKind, StaleVersion, StepNotAllowed

__all__ = ["ACTIONS", "ACTION_LABELS", "REVIEW_BODY_KINDS", "StaleVersion", "Status", "StepNotAllowed", "TABLE",
           "allowed_actions", "target_of"]


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    OPEN = "open", "征求意见中"
    CLOSED = "closed", "征求意见已结束"
    REVIEWED = "reviewed", "已提交评审会议"
    PUBLISHED = "published", "结果已公布"


S = Status
# (status, action) → the status the action leads to. Nothing else moves a consultation.
TABLE: dict[tuple[str, str], str] = {
    (S.DRAFT, "open"): S.OPEN,
    (S.OPEN, "close"): S.CLOSED,
    (S.CLOSED, "review"): S.REVIEWED,
    (S.REVIEWED, "publish"): S.PUBLISHED,
}
del S

ACTION_LABELS: dict[str, str] = {
    "open": "开始征求意见",
    "close": "结束征求意见",
    "review": "提交评审会议",
    "publish": "公布征求意见结果",
}
ACTIONS: tuple[str, ...] = tuple(ACTION_LABELS)

# The bodies whose meeting reviews a consultation: the residents' representatives (or the 民情议事会).
REVIEW_BODY_KINDS = frozenset({BodyKind.RESIDENTS_REPRESENTATIVES, BodyKind.AFFAIRS_COUNCIL})


def target_of(action: str, status: str) -> str:
    """The status `action` leads to from `status`; StepNotAllowed, in Chinese, when the table has no such edge."""
    target = TABLE.get((status, action))
    if target is None:
        label = ACTION_LABELS.get(action, action)
        status_label = Status(status).label if status in Status.values else status
        raise StepNotAllowed(f"征求意见当前为“{status_label}”，不能{label}")
    return target


def allowed_actions(status: str) -> list[str]:
    """The actions the table allows from `status`, in table order."""
    return [action for (source, action) in TABLE if source == status]
