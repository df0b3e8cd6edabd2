"""REST API of room bookings and the queue, with the scoping, error shape and cursor paging of /api/v1/.

- `GET /bookings`: staff see the bookings of rooms in their scope, anyone else their own;
  `POST /bookings` books a room: 201, or 200 for a retry with the same `idempotency_key`; a time already
  held (by a booking or the buffer after it) answers 409 `slot_taken`; the room's rules (hours, notice,
  blackouts) 400 `invalid` with the field;
- `POST /bookings/{id}/transitions` (`approve`, `reject`, `cancel`): a move the table forbids answers 400
  `transition_not_allowed`, a stale version 409 `stale_version`;
- `GET /rooms`: the rooms anyone may book;
- `POST /halls/{id}/windows/{window}/calls`: the window calls its next number (`ticket` is null when
  nobody waits); two windows calling at once get two different numbers;
- `GET /halls/{id}/appointment-slots?kind=&day=`: a day's 30-minute slots at a hall's windows of a kind,
  each with its capacity and the places left; `POST /appointments` books one (预约办事): 201, or 200 for a
  retry with the same `idempotency_key`; a slot with as many appointments as windows answers 409
  `slot_full`, also when many book it at once.

An object outside the caller's scope is 404, like one that does not exist.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Router, Schema, Status

from core.api.errors import ApiError, not_found, service_errors
from core.api.pagination import BY_ID, cursor_param, limit_param, paginate
from core.api.schemas import ErrorOut, RecordId
from core.pii import mask_name, mask_phone

from . import selectors, services
from .models import Appointment, Booking, QueueTicket, Room
from .workflow import BOOKING_ACTIONS

bookings_router = Router(tags=["bookings"])
rooms_router = Router(tags=["bookings"])
halls_router = Router(tags=["halls"])
appointments_router = Router(tags=["halls"])

ROOM_NOT_FOUND = "场地不存在或已停止预约"


class RoomOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region: str = Field(description="所在区域代码")
    opens_at: dt.time
    closes_at: dt.time
    weekdays: str = Field(description="开放日，1 为周一")
    min_notice_hours: int
    buffer_minutes: int = Field(description="每次使用后的间隔（分钟），此间不能预约")
    needs_approval: bool
    reception_hours: str = Field(description="两代表一委员接待时间")


class RoomListOut(Schema):
    items: list[RoomOut]
    next_cursor: str | None


def _room_out(room: Room) -> dict:
    return {"id": room.pk, "name": room.facility.name, "kind": room.kind, "kind_label": room.get_kind_display(),
            "region": room.facility.region.code, "opens_at": room.opens_at, "closes_at": room.closes_at,
            "weekdays": room.weekdays, "min_notice_hours": room.min_notice_hours,
            "buffer_minutes": room.buffer_minutes, "needs_approval": room.needs_approval,
            "reception_hours": room.reception_hours}


@rooms_router.get("", response={200: RoomListOut, 400: ErrorOut})
def list_rooms(request, cursor: str | None = cursor_param(), limit: int = limit_param()):
    """Rooms that may be booked."""
    page = paginate(selectors.rooms_public(), BY_ID, cursor=cursor, limit=limit)
    return {"items": [_room_out(room) for room in page.rows], "next_cursor": page.next_cursor}


class BookingOut(Schema):
    id: int
    room: int
    room_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    held_until: dt.datetime = Field(description="含使用后间隔的占用截止时间")
    status: str
    status_label: str
    contact_name: str = Field(description="联系人（已脱敏）")
    contact_phone: str = Field(description="联系电话（已脱敏）")
    purpose: str
    version: int
    allowed_actions: list[str]


class BookingListOut(Schema):
    items: list[BookingOut]
    next_cursor: str | None


def _booking_out(booking: Booking) -> dict:
    return {"id": booking.pk, "room": booking.room_id, "room_name": booking.room.facility.name,
            "starts_at": booking.starts_at, "ends_at": booking.ends_at, "held_until": booking.held_until,
            "status": booking.status, "status_label": booking.get_status_display(),
            "contact_name": mask_name(booking.contact_name), "contact_phone": mask_phone(booking.contact_phone),
            "purpose": booking.purpose, "version": booking.version,
            "allowed_actions": selectors.booking_actions(booking)}


@bookings_router.get("", response={200: BookingListOut, 400: ErrorOut})
def list_bookings(request, cursor: str | None = cursor_param(), limit: int = limit_param()):
    """Bookings: of the rooms in the caller's scope for staff, the caller's own for anyone else."""
    page = paginate(selectors.bookings_visible_to(request.user), BY_ID, cursor=cursor, limit=limit)
    return {"items": [_booking_out(booking) for booking in page.rows], "next_cursor": page.next_cursor}


class BookingIn(Schema):
    room: RecordId
    starts_at: dt.datetime
    ends_at: dt.datetime
    contact_name: str = Field(max_length=200)
    contact_phone: str = Field("", max_length=40)
    purpose: str = Field(max_length=1000)
    idempotency_key: str | None = Field(None, max_length=64)


@bookings_router.post("", response={201: BookingOut, 200: BookingOut, 400: ErrorOut, 403: ErrorOut,
                                    404: ErrorOut, 409: ErrorOut})
def create_booking(request, payload: BookingIn):
    """Book a room. A time already held answers 409 `slot_taken`; a retry with the same `idempotency_key`
    answers 200 with the booking made the first time."""
    room = selectors.rooms_public().filter(pk=payload.room).first()
    if room is None:
        raise not_found(ROOM_NOT_FOUND)
    with service_errors():
        booking, created = services.booking_request(
            actor=request.user, room=room, starts_at=payload.starts_at, ends_at=payload.ends_at,
            contact_name=payload.contact_name, contact_phone=payload.contact_phone, purpose=payload.purpose,
            idempotency_key=payload.idempotency_key,
        )
    return Status(201 if created else 200, _booking_out(booking))


class BookingTransitionIn(Schema):
    action: str = Field(max_length=40, description="、".join(BOOKING_ACTIONS))
    version: int = Field(ge=1, le=2**31 - 1)
    note: str = Field("", max_length=1000)


@bookings_router.post("/{booking_id}/transitions", response={200: BookingOut, 400: ErrorOut, 403: ErrorOut,
                                                            404: ErrorOut, 409: ErrorOut})
def booking_transition(request, booking_id: RecordId, payload: BookingTransitionIn):
    """Approve, reject or cancel a booking."""
    booking = selectors.bookings_visible_to(request.user).filter(pk=booking_id).first()
    if booking is None:
        raise not_found("预约不存在或无权访问")
    if payload.action not in BOOKING_ACTIONS:
        raise ApiError(400, "invalid", "请求参数不正确", {"action": ["不支持的操作"]})
    with service_errors():
        booking = services.booking_transition(actor=request.user, booking=booking, action=payload.action,
                                              expected_version=payload.version, note=payload.note)
    return _booking_out(booking)


class TicketOut(Schema):
    id: int
    code: str
    kind: str
    kind_label: str
    status: str
    window: str | None
    taken_at: dt.datetime
    called_at: dt.datetime | None
    version: int


def _ticket_out(ticket: QueueTicket) -> dict:
    return {"id": ticket.pk, "code": ticket.code, "kind": ticket.kind, "kind_label": ticket.get_kind_display(),
            "status": ticket.status, "window": ticket.window.name if ticket.window else None,
            "taken_at": ticket.taken_at, "called_at": ticket.called_at, "version": ticket.version}


class CallOut(Schema):
    ticket: TicketOut | None = Field(description="叫到的号码；无人等候时为 null")


@halls_router.post("/{hall_id}/windows/{window_id}/calls", response={200: CallOut, 403: ErrorOut, 404: ErrorOut})
def call_next(request, hall_id: RecordId, window_id: RecordId):
    """The window calls its next waiting number (叫号)."""
    window = selectors.windows_visible_to(request.user).filter(pk=window_id, hall_id=hall_id).first()
    if window is None:
        raise not_found("窗口不存在或无权访问")
    with service_errors():
        ticket = services.ticket_call_next(actor=request.user, window=window)
    return {"ticket": _ticket_out(ticket) if ticket else None}


HALL_NOT_FOUND = "服务大厅不存在或不提供预约"


class SlotOut(Schema):
    starts_at: dt.time
    ends_at: dt.time
    capacity: int = Field(description="该时段同类窗口数")
    left: int = Field(description="尚可预约数")


class SlotListOut(Schema):
    slots: list[SlotOut]


@halls_router.get("/{hall_id}/appointment-slots", response={200: SlotListOut, 400: ErrorOut, 404: ErrorOut})
def appointment_slots(request, hall_id: RecordId, kind: str, day: dt.date):
    """A day's slots at the hall's windows of `kind`; empty on a day that is not bookable."""
    hall = selectors.appointment_halls().filter(pk=hall_id).first()
    if hall is None:
        raise not_found(HALL_NOT_FOUND)
    if kind not in services.appointment_kinds(hall):
        raise ApiError(400, "invalid", "请求参数不正确", {"kind": ["该大厅没有此类窗口，请选择其他窗口类型"]})
    if day not in services.appointment_days():
        return {"slots": []}
    return {"slots": [{"starts_at": s.starts_at, "ends_at": s.ends_at, "capacity": s.capacity, "left": s.left}
                      for s in services.appointment_slots(hall, kind, day)]}


class AppointmentIn(Schema):
    hall: RecordId
    kind: str = Field(max_length=20)
    day: dt.date
    starts_at: dt.time
    item_code: str = Field("", max_length=32)
    item_name: str = Field(max_length=200)
    contact_name: str = Field(max_length=200)
    contact_phone: str = Field(max_length=40)
    idempotency_key: str | None = Field(None, max_length=64)


class AppointmentOut(Schema):
    code: str = Field(description="预约码")
    hall: int
    hall_name: str
    kind: str
    day: dt.date
    starts_at: dt.time
    ends_at: dt.time
    item_code: str
    item_name: str
    contact_name: str = Field(description="联系人（已脱敏）")
    contact_phone: str = Field(description="联系电话（已脱敏）")
    status: str
    status_label: str


def _appointment_out(appointment: Appointment) -> dict:
    return {"code": appointment.code, "hall": appointment.hall_id, "hall_name": appointment.hall.name,
            "kind": appointment.kind, "day": appointment.day, "starts_at": appointment.starts_at,
            "ends_at": appointment.ends_at, "item_code": appointment.item_code, "item_name": appointment.item_name,
            "contact_name": mask_name(appointment.contact_name),
            "contact_phone": mask_phone(appointment.contact_phone),
            "status": appointment.status, "status_label": appointment.get_status_display()}


@appointments_router.post("", response={201: AppointmentOut, 200: AppointmentOut, 400: ErrorOut, 404: ErrorOut,
                                        409: ErrorOut})
def create_appointment(request, payload: AppointmentIn):
    """Book a window slot. A full slot answers 409 `slot_full`; a retry with the same `idempotency_key`
    answers 200 with the appointment made the first time."""
    hall = selectors.appointment_halls().filter(pk=payload.hall).first()
    if hall is None:
        raise not_found(HALL_NOT_FOUND)
    with service_errors():
        appointment, created = services.appointment_book(
            hall=hall, kind=payload.kind, day=payload.day, starts_at=payload.starts_at,
            item_code=payload.item_code, item_name=payload.item_name, contact_name=payload.contact_name,
            contact_phone=payload.contact_phone, actor=request.user, idempotency_key=payload.idempotency_key,
        )
    return Status(201 if created else 200, _appointment_out(appointment))
