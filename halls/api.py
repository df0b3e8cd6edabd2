"""REST API of room bookings and the queue, with the scoping, error shape and cursor paging of /api/v1/.

- `GET /bookings`: staff see the bookings of rooms in their scope, anyone else their own;
  `POST /bookings` books a room: 201, or 200 for a retry with the same `idempotency_key`; a time already
  held (by a booking or the buffer after it) answers 409 `slot_taken`; the room's rules (hours, notice,
  blackouts) 400 `invalid` with the field;
- `POST /bookings/{id}/transitions` (`approve`, `reject`, `cancel`): a move the table forbids answers 400
  `transition_not_allowed`, a stale version 409 `stale_version`;
- `GET /rooms`: the rooms anyone may book;
- `POST /halls/{id}/windows/{window}/calls`: the window calls its next number (`ticket` is null when
  nobody waits); two windows calling at once get two different numbers.

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
from .models import Booking, QueueTicket, Room
from .workflow import BOOKING_ACTIONS

bookings_router = Router(tags=["bookings"])
rooms_router = Router(tags=["bookings"])
halls_router = Router(tags=["halls"])

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
