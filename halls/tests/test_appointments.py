"""Window appointments (预约办事): booking a slot within capacity on a working day, every edge of the
appointment table and every forbidden move, the counter turning an arrival into a queue number."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import AuditEvent
from halls import services
from halls.models import Appointment, QueueTicket
from halls.workflow import (
    APPOINTMENT_TABLE,
    AppointmentStatus,
    StaleVersion,
    TransitionNotAllowed,
    WindowKind,
    allowed,
)

pytestmark = pytest.mark.django_db

NINE = dt.time(9, 0)


def _day() -> dt.date:
    return services.appointment_days()[0]


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def _book(hall, *, kind=WindowKind.DIRECT, day=None, start=NINE, actor=None, **extra) -> Appointment:
    values = dict(hall=hall.hall, kind=kind, day=day or _day(), starts_at=start, item_code="ZM001",
                  item_name="居住证明开具", contact_name="王秀英", contact_phone="13912345678", actor=actor)
    values.update(extra)
    appointment, _ = services.appointment_book(**values)
    return appointment


def _move(actor, appointment, action, **kwargs) -> Appointment:
    appointment.refresh_from_db()
    return services.appointment_transition(actor=actor, appointment=appointment, action=action,
                                           expected_version=appointment.version, **kwargs)


def test_the_table_names_every_status_and_each_action_once_per_status():
    seen = set()
    for edge in APPOINTMENT_TABLE:
        for source in edge.sources:
            assert source in AppointmentStatus.values and (edge.action, source) not in seen
            seen.add((edge.action, source))
        assert edge.target in AppointmentStatus.values
    assert allowed(APPOINTMENT_TABLE, AppointmentStatus.BOOKED) == ["arrive", "cancel", "no_show"]
    for final in (AppointmentStatus.ARRIVED, AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW):
        assert allowed(APPOINTMENT_TABLE, final) == []


def test_a_slot_takes_as_many_appointments_as_windows_of_its_kind(hall, users):
    assert [s.capacity for s in services.appointment_slots(hall.hall, WindowKind.DIRECT, _day())][:1] == [1]
    first = _book(hall, actor=users["resident"])
    assert first.status == AppointmentStatus.BOOKED and first.ends_at == dt.time(9, 30) and len(first.code) == 8
    assert first.resident == users["resident"]
    with pytest.raises(services.SlotFull):
        _book(hall)
    # Another kind, or the next slot, is still free.
    _book(hall, kind=WindowKind.GENERAL)
    _book(hall, start=dt.time(9, 30))
    # A second 业务直办 window opens a second place in every slot.
    services.window_create(actor=hall.staff, hall=hall.hall, name="6号窗口", kind=WindowKind.DIRECT,
                           opens_at=dt.time(8, 30), closes_at=dt.time(12, 0))
    slot = next(s for s in services.appointment_slots(hall.hall, WindowKind.DIRECT, _day()) if s.starts_at == NINE)
    assert (slot.capacity, slot.left) == (2, 1)
    _book(hall)
    with pytest.raises(services.SlotFull):
        _book(hall)


def test_a_cancelled_appointment_gives_its_place_back(hall, users):
    first = _book(hall)
    _move(users["community"], first, "cancel")
    assert _book(hall).status == AppointmentStatus.BOOKED


def test_only_working_days_within_the_horizon_inside_the_hours_are_booked(hall):
    today = timezone.localdate()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    cases = [
        ({"day": saturday}, "day"),
        ({"day": today}, "day"),
        ({"day": today + dt.timedelta(days=services.APPOINTMENT_HORIZON_DAYS + 7)}, "day"),
        ({"start": dt.time(9, 10)}, "starts_at"),
        ({"kind": WindowKind.DELIVERY}, "kind"),
        ({"contact_phone": ""}, "contact_phone"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_name": " "}, "contact_name"),
        ({"item_name": ""}, "item_name"),
    ]
    for extra, field in cases:
        with pytest.raises(ValidationError) as caught:
            _book(hall, **extra)
        assert field in caught.value.message_dict, extra
    assert saturday not in services.appointment_days()
    assert Appointment.objects.count() == 0


def test_the_same_idempotency_key_gives_back_the_same_appointment(hall):
    first, created = services.appointment_book(
        hall=hall.hall, kind=WindowKind.DIRECT, day=_day(), starts_at=NINE, item_name="居住证明开具",
        contact_name="王秀英", contact_phone="13912345678", idempotency_key="k-1")
    again, created_again = services.appointment_book(
        hall=hall.hall, kind=WindowKind.DIRECT, day=_day(), starts_at=NINE, item_name="居住证明开具",
        contact_name="王秀英", contact_phone="13912345678", idempotency_key="k-1")
    assert created and not created_again and again.pk == first.pk


def test_booking_is_audited_with_the_phone_masked(hall):
    appointment = _book(hall)
    event = AuditEvent.objects.get(target_type="halls.appointment", target_id=str(appointment.pk))
    assert "13912345678" not in str(event.changes) and "5678" in str(event.changes)


def test_arrival_on_the_day_takes_a_queue_number_the_window_then_calls(hall, users):
    appointment = _book(hall)
    on_the_day = _at(appointment.day, dt.time(8, 50))
    with pytest.raises(ValidationError):
        _move(hall.staff, appointment, "arrive")  # not today
    arrived = _move(hall.staff, appointment, "arrive", now=on_the_day)
    assert arrived.status == AppointmentStatus.ARRIVED
    ticket = arrived.ticket
    assert (ticket.kind, ticket.channel, ticket.day) == (WindowKind.DIRECT, QueueTicket.Channel.COUNTER,
                                                          appointment.day)
    called = services.ticket_call_next(actor=hall.staff, window=hall.windows[WindowKind.DIRECT],
                                       now=on_the_day + dt.timedelta(minutes=5))
    assert called.pk == ticket.pk


def test_no_show_only_once_the_slot_has_begun(hall):
    appointment = _book(hall)
    with pytest.raises(ValidationError):
        _move(hall.staff, appointment, "no_show", now=_at(appointment.day, dt.time(8, 59)))
    absent = _move(hall.staff, appointment, "no_show", now=_at(appointment.day, dt.time(9, 40)))
    assert absent.status == AppointmentStatus.NO_SHOW


def test_the_resident_cancels_their_own_or_by_its_code_and_nobody_else_does(hall, users):
    own = _book(hall, actor=users["resident"])
    with pytest.raises(PermissionDenied):
        _move(users["member"], own, "cancel")
    with pytest.raises(PermissionDenied):
        _move(users["resident"], own, "arrive")
    assert _move(users["resident"], own, "cancel").status == AppointmentStatus.CANCELLED
    anonymous = _book(hall, start=dt.time(10, 0))
    with pytest.raises(PermissionDenied):
        _move(users["member"], anonymous, "cancel")
    assert _move(users["member"], anonymous, "cancel", by_code=True).status == AppointmentStatus.CANCELLED
    # Staff of another street do not handle this hall's appointments.
    other = _book(hall, start=dt.time(11, 0))
    with pytest.raises(PermissionDenied):
        _move(users["community2"], other, "cancel")


@pytest.mark.parametrize("first, then", [
    ("arrive", "cancel"), ("arrive", "no_show"), ("arrive", "arrive"),
    ("cancel", "arrive"), ("cancel", "no_show"), ("cancel", "cancel"),
    ("no_show", "arrive"), ("no_show", "cancel"), ("no_show", "no_show"),
])
def test_a_finished_appointment_refuses_every_further_move(hall, first, then):
    appointment = _book(hall)
    later = _at(appointment.day, dt.time(9, 45))
    _move(hall.staff, appointment, first, now=later)
    with pytest.raises(TransitionNotAllowed):
        _move(hall.staff, appointment, then, now=later)


def test_a_stale_version_is_refused(hall):
    appointment = _book(hall)
    with pytest.raises(StaleVersion):
        services.appointment_transition(actor=hall.staff, appointment=appointment, action="cancel",
                                        expected_version=appointment.version + 1)
