"""The state machines of 红领巾 volunteering, each one explicit table like the case table (`cases.workflow`).

- A **registration** (双报到) is made by the member online and confirmed or refused by the community.
- An **activity** is open for sign-up until its organiser finishes or cancels it.
- A **sign-up** is applied for (when the activity approves sign-ups) or taken at once, checked in and out
  on the member's phone with the organiser's code, and its minutes are credited only when the organiser
  confirms them; a member who never came is recorded as a no-show.
- A **wish** (微心愿, 三单制) is posted by a resident (居民点单), checked and published by staff (支部下单),
  claimed and fulfilled by a member with a photo (党员接单), and confirmed by the resident.

Each row is one edge: action, label, the states it may start from, the state it ends in, and who takes it.
A move a table lacks raises `StepNotAllowed` with a Chinese message. This module imports no model.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from core.workflow import MoveNotAllowed, StaleRecord


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", "待社区确认"
    CONFIRMED = "confirmed", "已确认"
    REFUSED = "refused", "未通过"


class ActivityStatus(models.TextChoices):
    OPEN = "open", "报名中"
    FINISHED = "finished", "已结束"
    CANCELLED = "cancelled", "已取消"


class SignUpStatus(models.TextChoices):
    APPLIED = "applied", "待审核"
    SIGNED_UP = "signed_up", "已报名"
    REFUSED = "refused", "未通过"
    CANCELLED = "cancelled", "已取消"
    CHECKED_IN = "checked_in", "已签到"
    CHECKED_OUT = "checked_out", "已签退"
    CONFIRMED = "confirmed", "时长已确认"
    NO_SHOW = "no_show", "未到场"


class WishStatus(models.TextChoices):
    POSTED = "posted", "待审核"
    PUBLISHED = "published", "已发布"
    REJECTED = "rejected", "未通过"
    CLAIMED = "claimed", "已认领"
    FULFILLED = "fulfilled", "已完成"
    CONFIRMED = "confirmed", "居民已确认"


class Who(models.TextChoices):
    MEMBER = "member", "党员本人"
    ORGANISER = "organiser", "活动组织者"
    STAFF = "staff", "社区工作人员"
    RESIDENT = "resident", "许愿居民"


@dataclass(frozen=True)
class Edge:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    who: str


def _e(action: str, label: str, sources, target: str, who: str) -> Edge:
    return Edge(action, label, frozenset(sources), target, who)


R = RegistrationStatus
REGISTRATION_TABLE: tuple[Edge, ...] = (
    _e("confirm", "确认报到", [R.PENDING], R.CONFIRMED, Who.STAFF),
    _e("refuse", "不予确认", [R.PENDING], R.REFUSED, Who.STAFF),
)

A = ActivityStatus
ACTIVITY_TABLE: tuple[Edge, ...] = (
    _e("finish", "结束活动", [A.OPEN], A.FINISHED, Who.ORGANISER),
    _e("cancel", "取消活动", [A.OPEN], A.CANCELLED, Who.ORGANISER),
)

S = SignUpStatus
# A new sign-up starts at APPLIED when the activity approves sign-ups, at SIGNED_UP otherwise.
SIGNUP_TABLE: tuple[Edge, ...] = (
    _e("approve", "通过报名", [S.APPLIED], S.SIGNED_UP, Who.ORGANISER),
    _e("refuse", "不予通过", [S.APPLIED], S.REFUSED, Who.ORGANISER),
    _e("cancel", "取消报名", [S.APPLIED, S.SIGNED_UP], S.CANCELLED, Who.MEMBER),
    _e("check_in", "签到", [S.SIGNED_UP], S.CHECKED_IN, Who.MEMBER),
    _e("check_out", "签退", [S.CHECKED_IN], S.CHECKED_OUT, Who.MEMBER),
    _e("confirm", "确认时长", [S.CHECKED_OUT], S.CONFIRMED, Who.ORGANISER),
    _e("no_show", "记为未到场", [S.SIGNED_UP], S.NO_SHOW, Who.ORGANISER),
)

W = WishStatus
WISH_TABLE: tuple[Edge, ...] = (
    _e("publish", "审核发布", [W.POSTED], W.PUBLISHED, Who.STAFF),
    _e("reject", "不予发布", [W.POSTED], W.REJECTED, Who.STAFF),
    _e("claim", "认领", [W.PUBLISHED], W.CLAIMED, Who.MEMBER),
    _e("fulfil", "完成心愿", [W.CLAIMED], W.FULFILLED, Who.MEMBER),
    _e("confirm", "居民确认", [W.FULFILLED], W.CONFIRMED, Who.RESIDENT),
)
del R, A, S, W

# Sign-ups that hold a place of the activity's capacity.
SIGNUP_HOLDS_PLACE = frozenset({
    SignUpStatus.APPLIED, SignUpStatus.SIGNED_UP, SignUpStatus.CHECKED_IN, SignUpStatus.CHECKED_OUT,
    SignUpStatus.CONFIRMED,
})
# A wish in one of these has been fulfilled: one deed (为民办实事) each.
WISH_FULFILLED = frozenset({WishStatus.FULFILLED, WishStatus.CONFIRMED})

# Moves refused with a message of their own, because a member on a phone needs to know why.
_SIGNUP_REFUSALS = {
    ("check_out", SignUpStatus.SIGNED_UP): "您尚未签到，不能签退：请先扫码签到",
    ("check_in", SignUpStatus.CHECKED_IN): "您已签到，不能重复签到",
    ("check_in", SignUpStatus.CHECKED_OUT): "您已签到并签退，不能重复签到",
    ("check_in", SignUpStatus.CONFIRMED): "您的服务时长已确认，不能重复签到",
    ("check_out", SignUpStatus.CHECKED_OUT): "您已签退，不能重复签退",
    ("check_in", SignUpStatus.APPLIED): "您的报名尚待组织者审核，不能签到",
}


class StepNotAllowed(MoveNotAllowed):
    """The table has no edge for this action from the record's current state."""


class StaleVersion(StaleRecord):
    """Someone changed the record since the caller read it."""

    def __init__(self):
        super().__init__("该记录已被他人更新，请刷新后重试")


TABLES: dict[str, tuple[tuple[Edge, ...], type[models.TextChoices], str]] = {
    "registration": (REGISTRATION_TABLE, RegistrationStatus, "报到"),
    "activity": (ACTIVITY_TABLE, ActivityStatus, "活动"),
    "signup": (SIGNUP_TABLE, SignUpStatus, "报名"),
    "wish": (WISH_TABLE, WishStatus, "心愿"),
}


def edge(table_name: str, action: str, state: str) -> Edge:
    """The edge of `table_name` for `action` from `state`; StepNotAllowed, in Chinese, if none."""
    table, statuses, noun = TABLES[table_name]
    for row in table:
        if row.action == action and state in row.sources:
            return row
    if table_name == "signup" and (action, state) in _SIGNUP_REFUSALS:
        raise StepNotAllowed(_SIGNUP_REFUSALS[(action, state)])
    label = next((row.label for row in table if row.action == action), action)
    state_label = statuses(state).label if state in statuses.values else state
    raise StepNotAllowed(f"{noun}当前为“{state_label}”，不能{label}")


def is_allowed(table_name: str, action: str, state: str) -> bool:
    table = TABLES[table_name][0]
    return any(row.action == action and state in row.sources for row in table)


def allowed_actions(table_name: str, state: str, who: str | None = None) -> list[Edge]:
    """The edges the table allows from `state` (taken by `who`, when given), in table order."""
    return [row for row in TABLES[table_name][0] if state in row.sources and (who is None or row.who == who)]


def actions_of(table_name: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(row.action for row in TABLES[table_name][0]))
