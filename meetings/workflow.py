"""The two state machines of meetings, each one explicit table like the case table (`cases.workflow`).

A **meeting** is scheduled, opened (its roll is frozen: who should attend), closed with its minutes,
or cancelled before it opens.

A **matter** (重大事项) is decided by 四议两公开, in this order and no other:

    登记 → 党组织提议 → 两委会商议 → 党员大会审议 → 居民(代表)会议决议 → 决议公开 → 实施结果公开

When one person is both the party secretary and the committee director (书记、主任“一肩挑”), the
proposal and the consultation may be taken in one step (`propose` with `when="merged"`), recorded so.
Each deliberation step (`consult`, `review`, `resolve`) is taken at a closed meeting of the right body,
whose frozen roll and recorded vote must meet the quorum and majority rules (`meetings.rules`).

This module imports no model, so anything may import it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from core.workflow import MoveNotAllowed, StaleRecord


class BodyKind(models.TextChoices):
    STREET_JOINT_COUNCIL = "street_joint_council", "街道党建联席会议"
    CO_BUILDING_COUNCIL = "co_building_council", "社区共驻共建协商会"
    TWO_COMMITTEES = "two_committees", "两委会"
    PARTY_ORGANISATION = "party_organisation", "社区党组织（支委会）"
    PARTY_MEMBERS = "party_members", "党员大会"
    RESIDENTS_REPRESENTATIVES = "residents_representatives", "居民代表会议"
    RESIDENTS = "residents", "居民会议"
    AFFAIRS_COUNCIL = "affairs_council", "民情议事会"
    HEARING = "hearing", "民情恳谈会"


# Bodies whose meetings residents may read a summary of on the portal unless set otherwise: the
# residents' own meetings and the open deliberations with them. The party's and the committees' meetings,
# and the street's joint council of organisations, are internal by default.
MINUTES_PUBLIC_KINDS = frozenset({
    BodyKind.RESIDENTS_REPRESENTATIVES, BodyKind.RESIDENTS, BodyKind.AFFAIRS_COUNCIL, BodyKind.HEARING,
})


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "已通知"
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结束"
    CANCELLED = "cancelled", "已取消"


class Stage(models.TextChoices):
    REGISTERED = "registered", "已登记"
    PROPOSED = "proposed", "党组织已提议"
    CONSULTED = "consulted", "两委会已商议"
    REVIEWED = "reviewed", "党员大会已审议"
    RESOLVED = "resolved", "居民（代表）会议已决议"
    RESOLUTION_DISCLOSED = "resolution_disclosed", "决议已公开"
    RESULT_DISCLOSED = "result_disclosed", "实施结果已公开"


@dataclass(frozen=True)
class Edge:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    # The bodies whose closed meeting may take the step; empty when the step needs no meeting.
    bodies: frozenset[str] = frozenset()
    when: str = ""


def _e(action, label, sources, target, bodies=(), when="") -> Edge:
    return Edge(action, label, frozenset(sources), target, frozenset(bodies), when)


M = MeetingStatus
MEETING_TABLE: tuple[Edge, ...] = (
    _e("open", "开会签到", [M.SCHEDULED], M.OPEN),
    _e("close", "散会", [M.OPEN], M.CLOSED),
    _e("cancel", "取消会议", [M.SCHEDULED], M.CANCELLED),
)

S, B = Stage, BodyKind
MATTER_TABLE: tuple[Edge, ...] = (
    _e("propose", "党组织提议", [S.REGISTERED], S.PROPOSED),
    _e("propose", "党组织提议并经两委会商议（一肩挑）", [S.REGISTERED], S.CONSULTED, when="merged"),
    _e("consult", "两委会商议", [S.PROPOSED], S.CONSULTED, [B.TWO_COMMITTEES]),
    _e("review", "党员大会审议", [S.CONSULTED], S.REVIEWED, [B.PARTY_MEMBERS]),
    _e("resolve", "居民（代表）会议决议", [S.REVIEWED], S.RESOLVED, [B.RESIDENTS_REPRESENTATIVES, B.RESIDENTS]),
    _e("disclose_resolution", "决议公开", [S.RESOLVED], S.RESOLUTION_DISCLOSED),
    _e("disclose_result", "实施结果公开", [S.RESOLUTION_DISCLOSED], S.RESULT_DISCLOSED),
)
del M, S, B

# The case workflow's meeting types (`cases.models.Meeting`), by the body whose meeting takes up a case
# (上会); a case may still be put before any other body's meeting to be heard, without being escalated.
CASE_MEETING_OF = {
    BodyKind.STREET_JOINT_COUNCIL: "joint_meeting",
    BodyKind.CO_BUILDING_COUNCIL: "joint_meeting",
    BodyKind.RESIDENTS_REPRESENTATIVES: "residents_representatives",
    BodyKind.RESIDENTS: "residents_representatives",
    BodyKind.PARTY_MEMBERS: "party_members",
}

MATTER_ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(edge.action for edge in MATTER_TABLE))
MATTER_ACTION_LABELS = {
    "propose": "党组织提议",
    "consult": "两委会商议",
    "review": "党员大会审议",
    "resolve": "居民（代表）会议决议",
    "disclose_resolution": "决议公开",
    "disclose_result": "实施结果公开",
}
MEETING_ACTIONS: tuple[str, ...] = tuple(edge.action for edge in MEETING_TABLE)
DISCLOSURE_ACTIONS = frozenset({"disclose_resolution", "disclose_result"})


class StaleVersion(StaleRecord):
    """Someone changed the meeting or the matter since the caller read it."""

    def __init__(self):
        super().__init__("该记录已被他人更新，请刷新后重试")


class StepNotAllowed(MoveNotAllowed):
    """The table has no edge for this action from the record's current state."""

    def __init__(self, message: str):
        super().__init__(message)


def _rows(table: tuple[Edge, ...], action: str, state: str) -> list[Edge]:
    return [edge for edge in table if edge.action == action and state in edge.sources]


def matter_edge(action: str, stage: str, *, when: str = "") -> Edge:
    """The matter edge for `action` from `stage` (and `when`); StepNotAllowed, in Chinese, if none."""
    rows = _rows(MATTER_TABLE, action, stage)
    if any(row.when for row in rows):
        rows = [row for row in rows if row.when == when]
    if len(rows) != 1:
        label = MATTER_ACTION_LABELS.get(action, action)
        stage_label = Stage(stage).label if stage in Stage.values else stage
        raise StepNotAllowed(f"事项当前为“{stage_label}”，不能进行“{label}”：四议两公开须按顺序进行")
    return rows[0]


def matter_allowed_actions(stage: str) -> list[str]:
    """The actions the table allows from `stage`, in table order."""
    return [action for action in MATTER_ACTIONS if _rows(MATTER_TABLE, action, stage)]


def meeting_edge(action: str, status: str) -> Edge:
    """The meeting edge for `action` from `status`; StepNotAllowed, in Chinese, if none."""
    rows = _rows(MEETING_TABLE, action, status)
    if not rows:
        label = next((edge.label for edge in MEETING_TABLE if edge.action == action), action)
        status_label = MeetingStatus(status).label if status in MeetingStatus.values else status
        raise StepNotAllowed(f"会议当前为“{status_label}”，不能{label}")
    return rows[0]


def meeting_allowed_actions(status: str) -> list[str]:
    """The actions the meeting table allows from `status`."""
    return [action for action in MEETING_ACTIONS if _rows(MEETING_TABLE, action, status)]
