"""The three state machines of the halls, each one explicit table like the case table (`cases.workflow`).

A **queue ticket** (排队号) is taken waiting, called to a window (叫号; it may be called again), then
served or marked absent (过号):

    waiting → called → served / no_show

A **booking** of a room waits for staff approval where the room needs it, and may be cancelled while it
stands:

    pending → approved / rejected;  pending, approved → cancelled

A **mediation** (人民调解) is accepted, mediated in sessions, agreed (in writing, or orally as recorded by
the mediator), visited to check performance and closed; it may be referred onward (to a court, an
arbitration, a department) before an agreement, or closed unagreed (调解不成):

    accepted → mediating → agreed → closed;  accepted, mediating → referred;  mediating → closed

A **window appointment** (预约办事) holds a slot at a hall's windows of one kind; at the counter it is
turned into a queue number when the resident arrives, or marked absent, or cancelled while it stands:

    booked → arrived / cancelled / no_show

A move the table lacks is refused with `TransitionNotAllowed`. This module imports no model.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from core.workflow import MoveNotAllowed, StaleRecord

SAME = "same"  # target of an edge that leaves the status as it is


class WindowKind(models.TextChoices):
    INFORMATION = "information", "信息咨询"
    DIRECT = "direct", "业务直办"
    ASSISTED = "assisted", "帮办代办"
    GENERAL = "general", "综合受理"
    DELIVERY = "delivery", "出件"


# The letter a ticket of each kind is numbered under (A001, B001 …), as the calling screen shows it.
TICKET_LETTERS = {
    WindowKind.INFORMATION: "A", WindowKind.DIRECT: "B", WindowKind.ASSISTED: "C", WindowKind.GENERAL: "D",
    WindowKind.DELIVERY: "E",
}


class TicketStatus(models.TextChoices):
    WAITING = "waiting", "等候中"
    CALLED = "called", "已叫号"
    SERVED = "served", "已办理"
    NO_SHOW = "no_show", "过号"


class BookingStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已预约"
    REJECTED = "rejected", "未通过"
    CANCELLED = "cancelled", "已取消"


# A booking in one of these holds its slot (and the buffer after it).
HOLDING_STATUSES = (BookingStatus.PENDING, BookingStatus.APPROVED)


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "已预约"
    ARRIVED = "arrived", "已到场取号"
    CANCELLED = "cancelled", "已取消"
    NO_SHOW = "no_show", "未到场"


# The window kinds a resident may book a slot at: those that take a matter in, not 咨询 or 出件.
APPOINTMENT_KINDS = (WindowKind.DIRECT, WindowKind.ASSISTED, WindowKind.GENERAL)


class MediationStatus(models.TextChoices):
    ACCEPTED = "accepted", "已受理"
    MEDIATING = "mediating", "调解中"
    AGREED = "agreed", "已达成协议"
    CLOSED = "closed", "已结案"
    REFERRED = "referred", "已转交"


@dataclass(frozen=True)
class Edge:
    action: str
    label: str
    sources: frozenset[str]
    target: str

    def target_from(self, status: str) -> str:
        return status if self.target == SAME else self.target


def _e(action, label, sources, target) -> Edge:
    return Edge(action, label, frozenset(sources), target)


T = TicketStatus
TICKET_TABLE: tuple[Edge, ...] = (
    _e("call", "叫号", [T.WAITING], T.CALLED),
    _e("recall", "重呼", [T.CALLED], SAME),
    _e("serve", "办理完毕", [T.CALLED], T.SERVED),
    _e("no_show", "过号", [T.CALLED], T.NO_SHOW),
)

B = BookingStatus
BOOKING_TABLE: tuple[Edge, ...] = (
    _e("approve", "同意预约", [B.PENDING], B.APPROVED),
    _e("reject", "不同意预约", [B.PENDING], B.REJECTED),
    _e("cancel", "取消预约", [B.PENDING, B.APPROVED], B.CANCELLED),
)

A = AppointmentStatus
APPOINTMENT_TABLE: tuple[Edge, ...] = (
    # At the counter: the appointment becomes a queue number, so it is called like everyone else.
    _e("arrive", "到场取号", [A.BOOKED], A.ARRIVED),
    _e("cancel", "取消预约", [A.BOOKED], A.CANCELLED),
    _e("no_show", "未到场", [A.BOOKED], A.NO_SHOW),
)

M = MediationStatus
MEDIATION_TABLE: tuple[Edge, ...] = (
    # Each session is recorded with its minutes, signed by the parties.
    _e("session", "调解", [M.ACCEPTED, M.MEDIATING], M.MEDIATING),
    _e("agree", "达成协议", [M.MEDIATING], M.AGREED),
    # 回访: whether the agreement is being performed; may be repeated before closing.
    _e("follow_up", "回访", [M.AGREED], SAME),
    _e("close", "结案", [M.AGREED], M.CLOSED),
    _e("close", "调解不成结案", [M.MEDIATING], M.CLOSED),
    _e("refer", "转交", [M.ACCEPTED, M.MEDIATING], M.REFERRED),
)
del T, B, A, M


def _labels(table: tuple[Edge, ...]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for edge in table:
        labels.setdefault(edge.action, edge.label)
    return labels


TICKET_ACTIONS = _labels(TICKET_TABLE)
BOOKING_ACTIONS = _labels(BOOKING_TABLE)
MEDIATION_ACTIONS = _labels(MEDIATION_TABLE)
APPOINTMENT_ACTIONS = _labels(APPOINTMENT_TABLE)
MEDIATION_ACTIONS["close"] = "结案"


class TransitionNotAllowed(MoveNotAllowed):
    """The table has no edge for this action from the record's status."""

    def __init__(self, label: str, status_label: str):
        super().__init__(f"当前状态为“{status_label}”，不能执行“{label}”")


class StaleVersion(StaleRecord):
    """Someone changed the record since the caller read it (optimistic lock)."""

    def __init__(self):
        super().__init__("该记录已被他人更新，请刷新后重试")


def edge(table: tuple[Edge, ...], action: str, status: str, statuses: type[models.TextChoices]) -> Edge:
    """The one row of `table` for `action` from `status` (rows of one action never share a source)."""
    rows = [e for e in table if e.action == action and status in e.sources]
    if len(rows) != 1:
        labels = _labels(table)
        status_label = statuses(status).label if status in statuses.values else status
        raise TransitionNotAllowed(labels.get(action, action), status_label)
    return rows[0]


def allowed(table: tuple[Edge, ...], status: str) -> list[str]:
    """Actions the table allows from `status`, in table order."""
    return list(dict.fromkeys(e.action for e in table if status in e.sources))
