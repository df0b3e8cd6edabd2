"""Writes on halls: windows, the queue, rooms and bookings, mediations. Each runs in one transaction with
its audit row.

Concurrency, which the hall meets every morning:

- 取号: every number is handed out by first bumping the hall's `QueueCounter` row for the day and kind, so
  two phones at the door never get the same number (the row lock on PostgreSQL, the write lock on SQLite).
- 叫号: the next waiting ticket is claimed by a conditional update (`status = waiting`); of two windows
  calling at once each claims a different ticket, a loser simply tries the next one.
- 预约: a booking first bumps its room's `lock_seq`, so bookings of one room are checked one after the
  other, and a taken slot answers `SlotTaken`; on PostgreSQL an exclusion constraint refuses an overlap
  even from a writer that skipped this service.
- 预约办事: a window appointment first bumps its `AppointmentDay` row (hall, day, kind) the same way, so
  the count of a slot against its capacity (the windows of that kind open then) is never raced past.

Permission: staff who manage the hall's or room's region (`regions.permissions.can_manage_region`), and
the staff on duty at a window for calling there. Residents take numbers (signed in or not), book
rooms (signed in) and window slots (signed in or not), and cancel their own bookings and appointments.
"""

from __future__ import annotations

import calendar
import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core import audit
from core.models import AuditEvent
from core.pii import mask_phone
from core.services import record_create
from core.text import IDEMPOTENCY_KEY, ascii_digits, plain_text
from core.workflow import RuleRefused
from regions.models import Facility, Region
from regions.permissions import can_manage_region
from workcalendar.selectors import is_working_day

from .models import (
    Appointment,
    AppointmentDay,
    Blackout,
    Booking,
    Mediation,
    MediationParty,
    MediationStep,
    QueueCounter,
    QueueTicket,
    Room,
    ServiceWindow,
)
from .workflow import (
    APPOINTMENT_KINDS,
    APPOINTMENT_TABLE,
    BOOKING_TABLE,
    HOLDING_STATUSES,
    MEDIATION_TABLE,
    TICKET_LETTERS,
    TICKET_TABLE,
    AppointmentStatus,
    BookingStatus,
    MediationStatus,
    StaleVersion,
    TicketStatus,
    WindowKind,
    edge,
)

NO_PERMISSION = "您无权管理该大厅"
ROOM_FACILITY_KINDS = {
    Room.Kind.RECEPTION: (Facility.Kind.RECEPTION_ROOM,),
    Room.Kind.MEDIATION: (Facility.Kind.MEDIATION_ROOM,),
    Room.Kind.ACTIVITY: (Facility.Kind.CULTURAL_CENTER, Facility.Kind.PARTY_SERVICE_CENTER,
                         Facility.Kind.ELDERLY_UNIVERSITY, Facility.Kind.WOMEN_CHILDREN_HOME,
                         Facility.Kind.DAY_CARE_CENTER),
}
# How far ahead a room may be booked.
BOOKING_HORIZON_DAYS = 60


class SlotTaken(RuleRefused):
    """The room is already held (by a booking or its buffer) for part of the asked time."""

    status = 409

    def __init__(self):
        super().__init__("slot_taken", "该时段已被预约，请选择其他时段")


def _require(actor, region: Region) -> None:
    if not can_manage_region(actor, region):
        raise PermissionDenied(NO_PERMISSION)


def _check(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})


def _claim(model, obj, expected_version: int):
    """Bump `obj`'s version from `expected_version` as the transaction's first write; StaleVersion if it moved."""
    if not model.objects.filter(pk=obj.pk, version=expected_version).update(version=F("version") + 1):
        raise StaleVersion()
    return model.objects.get(pk=obj.pk)


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


# --------------------------------------------------------------------------------------------------
# Windows
# --------------------------------------------------------------------------------------------------


def window_create(*, actor, hall: Facility, name: str, kind: str, opens_at: dt.time = dt.time(9, 0),
                  closes_at: dt.time = dt.time(17, 0), on_duty: Iterable = ()) -> ServiceWindow:
    """Open a window of `kind` in a service hall, with its hours and the staff on duty."""
    _require(actor, hall.region)
    if hall.kind != Facility.Kind.SERVICE_HALL:
        raise ValidationError({"hall": ["只能在一站式便民服务大厅设置窗口"]})
    with transaction.atomic():
        window = record_create(ServiceWindow, actor=actor, hall=hall, name=name, kind=kind, opens_at=opens_at,
                               closes_at=closes_at)
        staff = list(on_duty)
        if staff:
            window.on_duty.set(staff)
            audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=window,
                         changes={"on_duty": [[], sorted(user.get_username() for user in staff)]})
    return window


@transaction.atomic
def window_set_duty(*, actor, window: ServiceWindow, on_duty: Iterable) -> ServiceWindow:
    """Name the staff on duty at `window` from now on."""
    _require(actor, window.hall.region)
    before = sorted(window.on_duty.values_list("username", flat=True))
    staff = list(on_duty)
    window.on_duty.set(staff)
    after = sorted(user.get_username() for user in staff)
    if before != after:
        audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=window, changes={"on_duty": [before, after]})
    return window


def hall_kinds(hall: Facility) -> list[str]:
    """The window kinds a hall has open windows of, in the order of `WindowKind`."""
    kinds = set(ServiceWindow.objects.filter(hall=hall, archived_at__isnull=True).values_list("kind", flat=True))
    return [kind for kind in WindowKind.values if kind in kinds]


# --------------------------------------------------------------------------------------------------
# The queue
# --------------------------------------------------------------------------------------------------


def ticket_take(*, hall: Facility, kind: str, channel: str = QueueTicket.Channel.PHONE, actor=None,
                now: dt.datetime | None = None) -> QueueTicket:
    """Take the next number of `kind` in `hall` today (取号). Anyone may; the number is unique in the hall
    for the day and kind even when many phones take one at the same moment."""
    now = now or timezone.now()
    if hall.kind != Facility.Kind.SERVICE_HALL or hall.archived_at is not None:
        raise ValidationError({"hall": ["该大厅不提供取号"]})
    if kind not in hall_kinds(hall):
        raise ValidationError({"kind": ["该大厅没有此类窗口，请选择其他业务"]})
    if channel not in QueueTicket.Channel.values:
        raise ValidationError({"channel": ["取号方式不正确"]})
    day = _local(now).date()
    with transaction.atomic():
        counter, _ = QueueCounter.objects.get_or_create(hall=hall, day=day, kind=kind)
        QueueCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
        number = QueueCounter.objects.values_list("last", flat=True).get(pk=counter.pk)
        ticket = QueueTicket.objects.create(
            hall=hall, day=day, kind=kind, number=number, code=f"{TICKET_LETTERS[kind]}{number:03d}",
            channel=channel, taken_at=now,
        )
        audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=ticket,
                     changes={"kind": [None, kind], "channel": [None, channel]})
    return ticket


def can_work_window(actor, window: ServiceWindow) -> bool:
    """Staff on duty at the window, or who manage its hall's region."""
    if not actor.is_authenticated:
        return False
    return window.on_duty.filter(pk=actor.pk).exists() or can_manage_region(actor, window.hall.region)


def _serves(window: ServiceWindow) -> Q:
    # A 综合受理 window takes every kind of business; the others take their own.
    return Q() if window.kind == WindowKind.GENERAL else Q(kind=window.kind)


def ticket_call_next(*, actor, window: ServiceWindow, now: dt.datetime | None = None) -> QueueTicket | None:
    """Call the longest-waiting ticket this window serves (叫号); None when nobody waits.

    Each attempt claims one ticket with an update conditional on it still waiting, so two windows calling
    at once never get the same ticket: the one that loses a ticket goes on to the next."""
    if not can_work_window(actor, window):
        raise PermissionDenied("您不在该窗口值班")
    now = now or timezone.now()
    day = _local(now).date()
    waiting = QueueTicket.objects.filter(_serves(window), hall_id=window.hall_id, day=day,
                                         status=TicketStatus.WAITING).order_by("taken_at", "id")
    for _attempt in range(50):
        candidate = waiting.values_list("pk", flat=True).first()
        if candidate is None:
            return None
        with transaction.atomic():
            claimed = QueueTicket.objects.filter(pk=candidate, status=TicketStatus.WAITING).update(
                status=TicketStatus.CALLED, called_at=now, window=window, called_by=actor, calls=1,
                version=F("version") + 1,
            )
            if claimed:
                ticket = QueueTicket.objects.get(pk=candidate)
                audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=ticket,
                             changes={"status": [TicketStatus.WAITING, TicketStatus.CALLED],
                                      "window": [None, window.name]}, reason="叫号")
                return ticket
    return None


def ticket_transition(*, actor, ticket: QueueTicket, action: str, expected_version: int,
                      now: dt.datetime | None = None) -> QueueTicket:
    """Call a ticket again (`recall`), or finish it as served (`serve`) or absent (`no_show`)."""
    if ticket.window is None or not can_work_window(actor, ticket.window):
        raise PermissionDenied("您不在该窗口值班")
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _claim(QueueTicket, ticket, expected_version)
        step = edge(TICKET_TABLE, action, ticket.status, TicketStatus)
        before = ticket.status
        ticket.status = step.target_from(ticket.status)
        if action == "recall":
            ticket.calls += 1
            ticket.called_at = now
        else:
            ticket.finished_at = now
        ticket.save(update_fields=["status", "calls", "called_at", "finished_at"])
        audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=ticket,
                     changes={"status": [before, ticket.status]}, reason=step.label)
    return ticket


# --------------------------------------------------------------------------------------------------
# Rooms and bookings
# --------------------------------------------------------------------------------------------------


def room_create(*, actor, facility: Facility, kind: str, opens_at: dt.time = dt.time(9, 0),
                closes_at: dt.time = dt.time(17, 0), weekdays: str = "12345", min_notice_hours: int = 2,
                buffer_minutes: int = 0, needs_approval: bool = False, reception_hours: str = "") -> Room:
    """Make a facility bookable as a room of `kind`, with its hours and booking rules."""
    _require(actor, facility.region)
    if facility.kind not in ROOM_FACILITY_KINDS.get(kind, ()):
        raise ValidationError({"facility": ["该阵地不能作为此类场地预约"]})
    if not weekdays or any(day not in "1234567" for day in weekdays):
        raise ValidationError({"weekdays": ["开放日须为 1 到 7 的数字（1 为周一）"]})
    return record_create(Room, actor=actor, facility=facility, kind=kind, opens_at=opens_at, closes_at=closes_at,
                         weekdays=weekdays, min_notice_hours=min_notice_hours, buffer_minutes=buffer_minutes,
                         needs_approval=needs_approval, reception_hours=reception_hours)


def blackout_add(*, actor, room: Room, starts_at: dt.datetime, ends_at: dt.datetime, reason: str) -> Blackout:
    """Close `room` for bookings from `starts_at` to `ends_at` (repairs, its own use)."""
    _require(actor, room.facility.region)
    errors: dict[str, str] = {}
    reason = plain_text(errors, "reason", reason, label="原因", required=True, max_length=100, single_line=True)
    if ends_at <= starts_at:
        errors["ends_at"] = "结束时间须晚于开始时间"
    _check(errors)
    return record_create(Blackout, actor=actor, room=room, starts_at=starts_at, ends_at=ends_at, reason=reason)


def _booking_errors(room: Room, starts_at: dt.datetime | None, ends_at: dt.datetime | None,
                    now: dt.datetime) -> dict[str, str]:
    """What is wrong with the asked time by the room's rules (overlaps aside)."""
    if starts_at is None:
        return {"starts_at": "请选择开始时间"}
    if ends_at is None:
        return {"ends_at": "请选择结束时间"}
    if ends_at <= starts_at:
        return {"ends_at": "结束时间须晚于开始时间"}
    start, end = _local(starts_at), _local(ends_at)
    if start.date() != end.date():
        return {"ends_at": "预约须在同一天内"}
    if str(start.isoweekday()) not in room.weekdays:
        return {"starts_at": "该场地当天不开放"}
    if start.time() < room.opens_at or end.time() > room.closes_at:
        return {"starts_at": f"该场地开放时间为 {room.opens_at:%H:%M} 至 {room.closes_at:%H:%M}"}
    if starts_at < now + dt.timedelta(hours=room.min_notice_hours):
        return {"starts_at": f"须至少提前 {room.min_notice_hours} 小时预约"}
    if starts_at > now + dt.timedelta(days=BOOKING_HORIZON_DAYS):
        return {"starts_at": f"最多可预约 {BOOKING_HORIZON_DAYS} 天内的时段"}
    if room.blackouts.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        return {"starts_at": "该时段场地不开放"}
    return {}


def _overlapping(room: Room, starts_at: dt.datetime, held_until: dt.datetime):
    return Booking.objects.filter(room=room, status__in=HOLDING_STATUSES, starts_at__lt=held_until,
                                  held_until__gt=starts_at)


def booking_request(*, actor, room: Room, starts_at: dt.datetime | None, ends_at: dt.datetime | None,
                    contact_name: str, contact_phone: str = "", purpose: str,
                    idempotency_key: str | None = None, now: dt.datetime | None = None) -> tuple[Booking, bool]:
    """Book `room` from `starts_at` to `ends_at` (预约); returns (booking, created).

    The room holds the booking and its buffer; a time already held answers `SlotTaken`. A room that needs
    approval gives a pending booking, the others an approved one. The same idempotency key gives back the
    same booking."""
    if not actor.is_authenticated:
        raise PermissionDenied("请先登录后预约")
    now = now or timezone.now()
    errors: dict[str, str] = {}
    key = idempotency_key or None
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        errors["idempotency_key"] = "幂等键须为 1–64 个可见 ASCII 字符"
    if key and not errors:
        existing = Booking.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if existing.booked_by_id != actor.pk or existing.room_id != room.pk:
                raise ValidationError({"idempotency_key": ["该幂等键已用于另一次预约"]})
            return existing, False
    contact_name = plain_text(errors, "contact_name", contact_name, label="联系人", required=True, max_length=50,
                              single_line=True)
    purpose = plain_text(errors, "purpose", purpose, label="用途", required=True, max_length=200, single_line=True)
    contact_phone = ascii_digits(contact_phone).strip()
    if contact_phone and not (len(contact_phone) == 11 and contact_phone.isdigit() and contact_phone[0] == "1"):
        errors["contact_phone"] = "请填写 11 位手机号码"
    if room.archived_at is not None or room.facility.archived_at is not None:
        errors["room"] = "该场地已停止预约"
    else:
        errors.update(_booking_errors(room, starts_at, ends_at, now))
    _check(errors)
    held_until = ends_at + dt.timedelta(minutes=room.buffer_minutes)
    status = BookingStatus.PENDING if room.needs_approval else BookingStatus.APPROVED
    try:
        with transaction.atomic():
            # The serialised check: every booking of the room waits here for the one before it.
            Room.objects.filter(pk=room.pk).update(lock_seq=F("lock_seq") + 1)
            if _overlapping(room, starts_at, held_until).exists():
                raise SlotTaken()
            booking = Booking.objects.create(
                room=room, starts_at=starts_at, ends_at=ends_at, held_until=held_until, status=status,
                booked_by=actor, contact_name=contact_name, contact_phone=contact_phone, purpose=purpose,
                idempotency_key=key,
            )
            audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=booking, changes={
                "starts_at": [None, starts_at.isoformat()], "ends_at": [None, ends_at.isoformat()],
                "status": [None, status], "contact_phone": [None, mask_phone(contact_phone)],
            })
    except IntegrityError as exc:
        # PostgreSQL's exclusion constraint, or a concurrent retry with the same key.
        if key:
            existing = Booking.objects.filter(idempotency_key=key, booked_by=actor).first()
            if existing is not None:
                return existing, False
        raise SlotTaken() from exc
    return booking, True


def can_decide_booking(actor, booking: Booking) -> bool:
    return can_manage_region(actor, booking.room.facility.region)


def booking_transition(*, actor, booking: Booking, action: str, expected_version: int, note: str = "",
                       now: dt.datetime | None = None) -> Booking:
    """Approve or reject a pending booking (staff of the room's region), or cancel a standing one (its
    booker, or staff). A rejection needs its reason."""
    staff = can_decide_booking(actor, booking)
    if not staff and not (action == "cancel" and booking.booked_by_id == actor.pk):
        raise PermissionDenied("您无权处理该预约")
    errors: dict[str, str] = {}
    note = plain_text(errors, "note", note, label="意见", required=action == "reject", max_length=200,
                      single_line=True)
    _check(errors)
    now = now or timezone.now()
    with transaction.atomic():
        booking = _claim(Booking, booking, expected_version)
        step = edge(BOOKING_TABLE, action, booking.status, BookingStatus)
        before = booking.status
        booking.status = step.target_from(booking.status)
        booking.note = note
        if action in ("approve", "reject"):
            booking.decided_by, booking.decided_at = actor, now
        booking.save(update_fields=["status", "note", "decided_by", "decided_at"])
        audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=booking,
                     changes={"status": [before, booking.status]}, reason=note or step.label)
    return booking


def free_slots(room: Room, day: dt.date, *, minutes: int = 60, now: dt.datetime | None = None) -> list[dt.datetime]:
    """Starts of `minutes`-long slots on `day` the room would accept now (hours, notice, blackouts, held)."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, room.opens_at, tzinfo=tz)
    close = dt.datetime.combine(day, room.closes_at, tzinfo=tz)
    held = list(Booking.objects.filter(room=room, status__in=HOLDING_STATUSES, starts_at__lt=close,
                                       held_until__gt=start).values_list("starts_at", "held_until"))
    slots = []
    step = dt.timedelta(minutes=minutes)
    buffer = dt.timedelta(minutes=room.buffer_minutes)
    while start + step <= close:
        end = start + step
        clash = any(s < end + buffer and h > start for s, h in held)
        if not clash and not _booking_errors(room, start, end, now):
            slots.append(start)
        start = end
    return slots


# --------------------------------------------------------------------------------------------------
# Window appointments (预约办事)
# --------------------------------------------------------------------------------------------------

APPOINTMENT_SLOT_MINUTES = 30
APPOINTMENT_HORIZON_DAYS = 14
APPOINTMENT_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Holding appointments take a place in their slot.
APPOINTMENT_HOLDING = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


class SlotFull(RuleRefused):
    """Every window of the kind is already booked for the asked slot."""

    status = 409

    def __init__(self):
        super().__init__("slot_full", "该时段已约满，请选择其他时段")


@dataclass(frozen=True)
class Slot:
    """A slot of a hall's windows of one kind on a day: its start and end, how many may book it, how many
    have."""

    starts_at: dt.time
    ends_at: dt.time
    capacity: int
    booked: int

    @property
    def left(self) -> int:
        return max(self.capacity - self.booked, 0)


def appointment_kinds(hall: Facility) -> list[str]:
    """The kinds of window a resident may book at `hall`: those it has open windows of."""
    return [kind for kind in hall_kinds(hall) if kind in APPOINTMENT_KINDS]


def _capacity(windows: list[tuple[dt.time, dt.time]], start: dt.time, end: dt.time) -> int:
    # A window counts for a slot when it is open for the whole of it.
    return sum(1 for opens, closes in windows if opens <= start and end <= closes)


def appointment_slots(hall: Facility, kind: str, day: dt.date) -> list[Slot]:
    """The 30-minute slots of `day` at `hall`'s windows of `kind`, from the first window's opening to the last
    one's closing, each with its capacity (the windows of that kind open for all of it) and how many are
    booked. Empty when the hall has no window of the kind."""
    windows = list(ServiceWindow.objects.filter(hall=hall, kind=kind, archived_at__isnull=True)
                   .values_list("opens_at", "closes_at"))
    if not windows:
        return []
    booked: dict[dt.time, int] = {}
    for start in Appointment.objects.filter(hall=hall, kind=kind, day=day, status__in=APPOINTMENT_HOLDING) \
            .values_list("starts_at", flat=True):
        booked[start] = booked.get(start, 0) + 1
    step = dt.timedelta(minutes=APPOINTMENT_SLOT_MINUTES)
    moment = dt.datetime.combine(day, min(opens for opens, _ in windows))
    close = dt.datetime.combine(day, max(closes for _, closes in windows))
    slots = []
    while moment + step <= close:
        start, end = moment.time(), (moment + step).time()
        capacity = _capacity(windows, start, end)
        if capacity:
            slots.append(Slot(start, end, capacity, booked.get(start, 0)))
        moment += step
    return slots


def appointment_days(*, today: dt.date | None = None) -> list[dt.date]:
    """The working days a window slot may be booked on: from tomorrow, within the horizon."""
    today = today or timezone.localdate()
    return [day for day in (today + dt.timedelta(days=n) for n in range(1, APPOINTMENT_HORIZON_DAYS + 1))
            if is_working_day(day)]


def _appointment_code() -> str:
    return "".join(secrets.choice(APPOINTMENT_CODE_ALPHABET) for _ in range(8))


def _appointment_errors(hall: Facility, kind: str, day: dt.date | None, starts_at: dt.time | None,
                        now: dt.datetime) -> tuple[dict[str, str], Slot | None]:
    """What is wrong with the asked hall, kind, day and slot (capacity aside), and the slot when none is."""
    if hall.kind != Facility.Kind.SERVICE_HALL or hall.archived_at is not None:
        return {"hall": "该大厅不提供预约"}, None
    if kind not in appointment_kinds(hall):
        return {"kind": "该大厅没有此类窗口，请选择其他窗口类型"}, None
    if day is None:
        return {"day": "请选择日期"}, None
    today = _local(now).date()
    if day <= today:
        return {"day": "请预约明天及以后的日期"}, None
    if day > today + dt.timedelta(days=APPOINTMENT_HORIZON_DAYS):
        return {"day": f"最多可预约 {APPOINTMENT_HORIZON_DAYS} 天内的时段"}, None
    if not is_working_day(day):
        return {"day": "该日不是工作日，请选择其他日期"}, None
    if starts_at is None:
        return {"starts_at": "请选择时段"}, None
    slot = next((s for s in appointment_slots(hall, kind, day) if s.starts_at == starts_at), None)
    if slot is None:
        return {"starts_at": "请选择窗口办公时间内的时段"}, None
    return {}, slot


def appointment_book(*, hall: Facility, kind: str, day: dt.date | None, starts_at: dt.time | None,
                     item_code: str = "", item_name: str, contact_name: str, contact_phone: str, actor=None,
                     idempotency_key: str | None = None, now: dt.datetime | None = None) -> tuple[Appointment, bool]:
    """Book a slot at `hall`'s windows of `kind` for one service item (预约办事); returns (appointment, created).

    Anyone may book, signed in or not; a signed-in resident's account is kept on it. The slot must be on a
    working day within the horizon, inside the windows' hours; a slot with as many appointments as it has
    windows answers `SlotFull`, also when many book it at once. The same idempotency key gives back the
    same appointment."""
    now = now or timezone.now()
    user = actor if actor is not None and actor.is_authenticated else None
    errors: dict[str, str] = {}
    key = idempotency_key or None
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        errors["idempotency_key"] = "幂等键须为 1–64 个可见 ASCII 字符"
    if key and not errors:
        existing = Appointment.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if existing.resident_id != (user.pk if user else None) or existing.hall_id != hall.pk:
                raise ValidationError({"idempotency_key": ["该幂等键已用于另一次预约"]})
            return existing, False
    item_name = plain_text(errors, "item_name", item_name, label="办理事项", required=True, max_length=100,
                           single_line=True)
    item_code = plain_text(errors, "item_code", item_code, label="事项编码", max_length=32, single_line=True)
    contact_name = plain_text(errors, "contact_name", contact_name, label="联系人", required=True, max_length=50,
                              single_line=True)
    contact_phone = ascii_digits(contact_phone or "").strip()
    if not contact_phone:
        errors["contact_phone"] = "请填写手机号码，便于大厅联系您"
    elif not (len(contact_phone) == 11 and contact_phone.isdigit() and contact_phone[0] == "1"):
        errors["contact_phone"] = "请填写 11 位手机号码"
    problems, slot = _appointment_errors(hall, kind, day, starts_at, now)
    errors.update(problems)
    _check(errors)
    # The row is made before the transaction, whose first statement must be a write: on SQLite a transaction
    # that read first cannot take the write lock once another writer has committed.
    ledger, _ = AppointmentDay.objects.get_or_create(hall=hall, day=day, kind=kind)
    try:
        with transaction.atomic():
            # The serialised check: every appointment of the hall, day and kind waits here for the one before.
            AppointmentDay.objects.filter(pk=ledger.pk).update(lock_seq=F("lock_seq") + 1)
            taken = Appointment.objects.filter(hall=hall, kind=kind, day=day, starts_at=slot.starts_at,
                                               status__in=APPOINTMENT_HOLDING).count()
            if taken >= slot.capacity:
                raise SlotFull()
            appointment = Appointment.objects.create(
                hall=hall, kind=kind, item_code=item_code, item_name=item_name, day=day,
                starts_at=slot.starts_at, ends_at=slot.ends_at, code=_appointment_code(),
                contact_name=contact_name, contact_phone=contact_phone, resident=user, idempotency_key=key,
            )
            audit.record(actor=user, action=AuditEvent.Action.CREATE, target=appointment, changes={
                "day": [None, day.isoformat()], "starts_at": [None, slot.starts_at.isoformat()],
                "kind": [None, kind], "item_code": [None, item_code],
                "contact_phone": [None, mask_phone(contact_phone)],
            })
    except IntegrityError as exc:
        # A concurrent retry with the same key.
        if key:
            existing = Appointment.objects.filter(idempotency_key=key).first()
            if existing is not None and existing.hall_id == hall.pk:
                return existing, False
        raise SlotFull() from exc
    return appointment, True


def can_handle_appointment(actor, appointment: Appointment) -> bool:
    """Staff who manage the hall's region, or who are on duty at one of its windows."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if can_manage_region(actor, appointment.hall.region):
        return True
    return ServiceWindow.objects.filter(hall_id=appointment.hall_id, archived_at__isnull=True,
                                        on_duty=actor).exists()


def appointment_transition(*, actor, appointment: Appointment, action: str, expected_version: int,
                           by_code: bool = False, now: dt.datetime | None = None) -> Appointment:
    """Take one step of the appointment table.

    `arrive` (staff, on the appointment's day): the resident is at the hall; a queue number of the
    appointment's kind is taken for them (窗口代取), so they are called like everyone else. `no_show` (staff,
    once the slot has begun). `cancel`: staff, the resident's own account, or whoever holds the appointment's
    code (`by_code`, the confirmation page), while it stands."""
    now = now or timezone.now()
    staff = can_handle_appointment(actor, appointment)
    own = (getattr(actor, "is_authenticated", False) and appointment.resident_id == actor.pk)
    if not staff and not (action == "cancel" and (own or by_code)):
        raise PermissionDenied("您无权处理该预约")
    local = _local(now)
    if action == "arrive" and appointment.day != local.date():
        raise ValidationError({"day": ["只能在预约当天到场取号"]})
    if action == "no_show" and (appointment.day, appointment.starts_at) > (local.date(), local.time()):
        raise ValidationError({"day": ["预约时段尚未开始，不能标记未到场"]})
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        appointment = _claim(Appointment, appointment, expected_version)
        step = edge(APPOINTMENT_TABLE, action, appointment.status, AppointmentStatus)
        before = appointment.status
        appointment.status = step.target_from(appointment.status)
        fields = ["status"]
        if action == "arrive":
            appointment.ticket = ticket_take(hall=appointment.hall, kind=appointment.kind,
                                             channel=QueueTicket.Channel.COUNTER, actor=user, now=now)
            fields.append("ticket")
        appointment.save(update_fields=fields)
        changes = {"status": [before, appointment.status]}
        if appointment.ticket_id:
            changes["ticket"] = [None, appointment.ticket.code]
        audit.record(actor=user, action=AuditEvent.Action.UPDATE, target=appointment, changes=changes,
                     reason=step.label)
    return appointment


# --------------------------------------------------------------------------------------------------
# Mediation (人民调解)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartySpec:
    side: str
    name: str
    phone: str = ""


def one_month_after(day: dt.date) -> dt.date:
    """The same day of the next month (the last day when the next month is shorter): 人民调解's one month."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def mediation_open(*, actor, region: Region, title: str, facts: str, disputed_points: str,
                   parties: Sequence[PartySpec], room: Room | None = None,
                   accepted_on: dt.date | None = None) -> Mediation:
    """Accept a dispute for mediation (受理): its parties (at least one on each side), the facts and the
    disputed points; the mediation is due one month after it was accepted."""
    _require(actor, region)
    errors: dict[str, str] = {}
    title = plain_text(errors, "title", title, label="纠纷名称", required=True, max_length=100, single_line=True)
    facts = plain_text(errors, "facts", facts, label="纠纷事实", required=True, max_length=5000)
    disputed_points = plain_text(errors, "disputed_points", disputed_points, label="争议焦点", required=True,
                                 max_length=5000)
    cleaned = []
    for index, party in enumerate(parties):
        name = plain_text(errors, f"parties.{index}.name", party.name, label="当事人姓名", required=True,
                          max_length=50, single_line=True)
        phone = ascii_digits(party.phone).strip()
        if phone and not (len(phone) == 11 and phone.isdigit() and phone[0] == "1"):
            errors[f"parties.{index}.phone"] = "请填写 11 位手机号码"
        if party.side not in MediationParty.Side.values:
            errors[f"parties.{index}.side"] = "当事人身份不正确"
        cleaned.append(PartySpec(party.side, name, phone))
    sides = {party.side for party in cleaned}
    if sides != set(MediationParty.Side.values):
        errors.setdefault("parties", "须至少有一名申请人和一名被申请人")
    if room is not None and not region.contains(room.facility.region) and not room.facility.region.contains(region):
        errors["room"] = "调解室不在该社区"
    _check(errors)
    accepted_on = accepted_on or timezone.localdate()
    with transaction.atomic():
        mediation = record_create(
            Mediation, actor=actor, region=region, room=room, title=title, facts=facts,
            disputed_points=disputed_points, mediator=actor, accepted_on=accepted_on,
            due_on=one_month_after(accepted_on),
        )
        MediationParty.objects.bulk_create(
            MediationParty(mediation=mediation, side=p.side, name=p.name, phone=p.phone) for p in cleaned
        )
    return mediation


def mediation_transition(*, actor, mediation: Mediation, action: str, expected_version: int, note: str,
                         held_on: dt.date | None = None, signed: bool = False, agreement_form: str = "",
                         agreement_terms: str = "", perform_by: dt.date | None = None,
                         referred_to: str = "") -> Mediation:
    """Take one step of the mediation table: a `session` (its minutes in `note`, `signed` by the parties),
    `agree` (written or oral, what was agreed and by when), `follow_up` (the visit on performance),
    `close` (after a follow-up when agreed; with the reason when unagreed) or `refer` (to whom)."""
    _require(actor, mediation.region)
    errors: dict[str, str] = {}
    note = plain_text(errors, "note", note, label="记录", required=True, max_length=5000)
    held_on = held_on or timezone.localdate()
    if held_on < mediation.accepted_on:
        errors["held_on"] = "日期不能早于受理日期"
    if action == "session" and not signed:
        errors["signed"] = "调解笔录须经当事人签字确认"
    if action == "agree":
        if agreement_form not in Mediation.AgreementForm.values:
            errors["agreement_form"] = "请选择协议形式"
        agreement_terms = plain_text(errors, "agreement_terms", agreement_terms, label="协议内容", required=True,
                                     max_length=5000)
        if perform_by is None:
            errors["perform_by"] = "请填写履行期限"
        elif perform_by < held_on:
            errors["perform_by"] = "履行期限不能早于达成协议日期"
    if action == "refer":
        referred_to = plain_text(errors, "referred_to", referred_to, label="转交单位", required=True,
                                 max_length=100, single_line=True)
    _check(errors)
    with transaction.atomic():
        mediation = _claim(Mediation, mediation, expected_version)
        step = edge(MEDIATION_TABLE, action, mediation.status, MediationStatus)
        if action == "close" and mediation.status == MediationStatus.AGREED and not mediation.steps.filter(
                action="follow_up").exists():
            raise ValidationError({"note": ["达成协议的调解须回访履行情况后才能结案"]})
        before = mediation.status
        mediation.status = step.target_from(mediation.status)
        fields = ["status"]
        if action == "agree":
            mediation.agreement_form, mediation.agreement_terms = agreement_form, agreement_terms
            mediation.perform_by, mediation.agreed_on = perform_by, held_on
            fields += ["agreement_form", "agreement_terms", "perform_by", "agreed_on"]
        if action in ("close", "refer"):
            mediation.closed_on, mediation.outcome = held_on, note
            mediation.referred_to = referred_to if action == "refer" else ""
            fields += ["closed_on", "outcome", "referred_to"]
        mediation.save(update_fields=[*fields, "updated_at"])
        MediationStep.objects.create(mediation=mediation, action=action, from_status=before,
                                     to_status=mediation.status, held_on=held_on, note=note,
                                     signed=signed, actor=actor)
        audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=mediation,
                     changes={"status": [before, mediation.status]}, reason=step.label)
    return mediation
