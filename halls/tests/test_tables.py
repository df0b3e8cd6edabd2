"""Every edge of the three tables, taken through the services, and every forbidden move refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from halls import services
from halls.models import Booking, Mediation, QueueTicket
from halls.workflow import (
    BOOKING_TABLE,
    MEDIATION_TABLE,
    TICKET_TABLE,
    BookingStatus,
    MediationStatus,
    StaleVersion,
    TicketStatus,
    TransitionNotAllowed,
    WindowKind,
    allowed,
)

pytestmark = pytest.mark.django_db


def test_each_table_names_every_status_and_no_action_twice_from_one_status():
    for table, statuses in [(TICKET_TABLE, TicketStatus), (BOOKING_TABLE, BookingStatus),
                            (MEDIATION_TABLE, MediationStatus)]:
        seen = set()
        for edge in table:
            for source in edge.sources:
                assert source in statuses.values
                assert (edge.action, source) not in seen
                seen.add((edge.action, source))
            assert edge.target == "same" or edge.target in statuses.values


# -- tickets ---------------------------------------------------------------------------------------------


def _called(hall) -> QueueTicket:
    services.ticket_take(hall=hall.hall, kind=WindowKind.DIRECT)
    return services.ticket_call_next(actor=hall.staff, window=hall.windows[WindowKind.DIRECT])


def test_a_ticket_is_called_recalled_and_served_with_its_times(hall):
    ticket = services.ticket_take(hall=hall.hall, kind=WindowKind.DIRECT)
    assert (ticket.code, ticket.status) == ("B001", TicketStatus.WAITING)
    called = services.ticket_call_next(actor=hall.staff, window=hall.windows[WindowKind.DIRECT])
    assert called.pk == ticket.pk and called.status == TicketStatus.CALLED and called.waited is not None
    again = services.ticket_transition(actor=hall.staff, ticket=called, action="recall",
                                       expected_version=called.version)
    assert again.status == TicketStatus.CALLED and again.calls == 2
    served = services.ticket_transition(actor=hall.staff, ticket=again, action="serve", expected_version=again.version)
    assert served.status == TicketStatus.SERVED and served.served_for is not None


def test_a_called_ticket_may_be_marked_absent(hall):
    ticket = _called(hall)
    absent = services.ticket_transition(actor=hall.staff, ticket=ticket, action="no_show",
                                        expected_version=ticket.version)
    assert absent.status == TicketStatus.NO_SHOW and absent.finished_at is not None


@pytest.mark.parametrize("status", [TicketStatus.SERVED, TicketStatus.NO_SHOW])
@pytest.mark.parametrize("action", ["recall", "serve", "no_show"])
def test_a_finished_ticket_takes_no_move(hall, status, action):
    ticket = _called(hall)
    ticket = services.ticket_transition(actor=hall.staff, ticket=ticket,
                                        action="serve" if status == TicketStatus.SERVED else "no_show",
                                        expected_version=ticket.version)
    with pytest.raises(TransitionNotAllowed):
        services.ticket_transition(actor=hall.staff, ticket=ticket, action=action, expected_version=ticket.version)


def test_a_stale_page_cannot_finish_a_ticket(hall):
    ticket = _called(hall)
    with pytest.raises(StaleVersion):
        services.ticket_transition(actor=hall.staff, ticket=ticket, action="serve", expected_version=1)


def test_waiting_tickets_only_get_called(hall):
    assert allowed(TICKET_TABLE, TicketStatus.WAITING) == ["call"]


def test_windows_call_their_own_kind_and_the_general_window_any(hall):
    info = services.ticket_take(hall=hall.hall, kind=WindowKind.INFORMATION)
    direct = services.ticket_take(hall=hall.hall, kind=WindowKind.DIRECT)
    assert services.ticket_call_next(actor=hall.staff, window=hall.windows[WindowKind.DIRECT]).pk == direct.pk
    assert services.ticket_call_next(actor=hall.staff, window=hall.windows[WindowKind.DIRECT]) is None
    assert services.ticket_call_next(actor=hall.staff, window=hall.windows[WindowKind.GENERAL]).pk == info.pk


def test_a_kind_the_hall_has_no_window_of_is_refused(hall):
    with pytest.raises(ValidationError) as error:
        services.ticket_take(hall=hall.north_hall, kind=WindowKind.DIRECT)
    assert "kind" in error.value.message_dict


# -- bookings --------------------------------------------------------------------------------------------


def _booking(hall, room=None, **kw) -> Booking:
    start, end = hall.slot(**kw)
    booking, _ = services.booking_request(actor=hall.users["resident"], room=room or hall.approval_room,
                                          starts_at=start, ends_at=end, contact_name="居民乙",
                                          contact_phone="13900002222", purpose="调解邻里纠纷")
    return booking


@pytest.mark.parametrize(("action", "target"), [("approve", BookingStatus.APPROVED),
                                                ("reject", BookingStatus.REJECTED),
                                                ("cancel", BookingStatus.CANCELLED)])
def test_a_pending_booking_is_approved_rejected_or_cancelled(hall, action, target):
    booking = _booking(hall)
    assert booking.status == BookingStatus.PENDING
    done = services.booking_transition(actor=hall.staff, booking=booking, action=action,
                                       expected_version=booking.version, note="理由")
    assert done.status == target


def test_an_approved_booking_may_be_cancelled_by_its_booker(hall):
    booking = _booking(hall, room=hall.room)
    assert booking.status == BookingStatus.APPROVED
    done = services.booking_transition(actor=hall.users["resident"], booking=booking, action="cancel",
                                       expected_version=booking.version)
    assert done.status == BookingStatus.CANCELLED


@pytest.mark.parametrize("status", [BookingStatus.APPROVED, BookingStatus.REJECTED, BookingStatus.CANCELLED])
def test_forbidden_booking_moves_are_refused(hall, status):
    booking = _booking(hall)
    action = {"approved": "approve", "rejected": "reject", "cancelled": "cancel"}[status]
    booking = services.booking_transition(actor=hall.staff, booking=booking, action=action,
                                          expected_version=booking.version, note="理由")
    for move in ["approve", "reject"] + (["cancel"] if status != BookingStatus.APPROVED else []):
        with pytest.raises(TransitionNotAllowed):
            services.booking_transition(actor=hall.staff, booking=booking, action=move,
                                        expected_version=booking.version, note="理由")


def test_a_rejection_needs_its_reason(hall):
    booking = _booking(hall)
    with pytest.raises(ValidationError) as error:
        services.booking_transition(actor=hall.staff, booking=booking, action="reject",
                                    expected_version=booking.version)
    assert "note" in error.value.message_dict


def test_the_buffer_after_a_booking_is_held_and_a_cancelled_booking_frees_its_slot(hall):
    first = _booking(hall, room=hall.room, hour=10)
    with pytest.raises(services.SlotTaken):
        _booking(hall, room=hall.room, hour=11, minutes=60)  # starts in the 30 minutes after the first
    later_start = first.ends_at + dt.timedelta(minutes=30)
    booking, _ = services.booking_request(actor=hall.users["resident"], room=hall.room, starts_at=later_start,
                                          ends_at=later_start + dt.timedelta(hours=1), contact_name="甲",
                                          purpose="接待")
    assert booking.status == BookingStatus.APPROVED
    services.booking_transition(actor=hall.users["resident"], booking=first, action="cancel",
                                expected_version=first.version)
    assert _booking(hall, room=hall.room, hour=10, minutes=30).status == BookingStatus.APPROVED


def test_notice_hours_and_blackouts_are_enforced(hall):
    now = timezone.now()
    with pytest.raises(ValidationError) as error:
        services.booking_request(actor=hall.users["resident"], room=hall.room, starts_at=now + dt.timedelta(minutes=5),
                                 ends_at=now + dt.timedelta(minutes=65), contact_name="甲", purpose="接待")
    assert "starts_at" in error.value.message_dict
    start, end = hall.slot(days=3)
    services.blackout_add(actor=hall.staff, room=hall.room, starts_at=start, ends_at=end, reason="维修")
    with pytest.raises(ValidationError):
        _booking(hall, room=hall.room, days=3)


# -- mediations ------------------------------------------------------------------------------------------


def _mediation(hall) -> Mediation:
    return services.mediation_open(
        actor=hall.staff, region=hall.tree.east, title="楼上漏水纠纷", facts="楼上卫生间漏水至楼下",
        disputed_points="维修费用由谁承担", parties=[services.PartySpec("applicant", "张三", "13911112222"),
                                                    services.PartySpec("respondent", "李四")],
        accepted_on=dt.date(2026, 1, 31),
    )


def _step(hall, mediation, action, **kw) -> Mediation:
    kw.setdefault("held_on", dt.date(2026, 2, 5))
    return services.mediation_transition(actor=hall.staff, mediation=mediation, action=action,
                                         expected_version=mediation.version, note=f"{action} 记录", **kw)


def test_a_mediation_is_due_one_calendar_month_after_acceptance(hall):
    assert _mediation(hall).due_on == dt.date(2026, 2, 28)
    assert services.one_month_after(dt.date(2026, 12, 15)) == dt.date(2027, 1, 15)


def test_a_mediation_goes_session_agreement_follow_up_close(hall):
    mediation = _step(hall, _mediation(hall), "session", signed=True)
    assert mediation.status == MediationStatus.MEDIATING
    mediation = _step(hall, mediation, "session", signed=True)
    assert mediation.status == MediationStatus.MEDIATING
    mediation = _step(hall, mediation, "agree", agreement_form="oral", agreement_terms="李四承担维修费 800 元",
                      perform_by=dt.date(2026, 2, 20))
    assert mediation.status == MediationStatus.AGREED and mediation.perform_by == dt.date(2026, 2, 20)
    with pytest.raises(ValidationError):  # closing needs the follow-up visit first
        _step(hall, mediation, "close")
    mediation = _step(hall, Mediation.objects.get(pk=mediation.pk), "follow_up")
    assert mediation.status == MediationStatus.AGREED
    mediation = _step(hall, mediation, "close")
    assert mediation.status == MediationStatus.CLOSED and mediation.closed_on == dt.date(2026, 2, 5)
    assert list(mediation.steps.values_list("action", flat=True)) == [
        "session", "session", "agree", "follow_up", "close"]


def test_an_unagreed_mediation_is_closed_and_an_early_one_referred(hall):
    mediation = _step(hall, _step(hall, _mediation(hall), "session", signed=True), "close")
    assert mediation.status == MediationStatus.CLOSED
    referred = _step(hall, _mediation(hall), "refer", referred_to="县人民法院")
    assert referred.status == MediationStatus.REFERRED and referred.referred_to == "县人民法院"
    mediating = _step(hall, _mediation(hall), "session", signed=True)
    assert _step(hall, mediating, "refer", referred_to="劳动仲裁委").status == MediationStatus.REFERRED


def test_minutes_must_be_signed(hall):
    with pytest.raises(ValidationError) as error:
        _step(hall, _mediation(hall), "session")
    assert "signed" in error.value.message_dict


@pytest.mark.parametrize(("status", "action"), [
    (MediationStatus.ACCEPTED, "agree"), (MediationStatus.ACCEPTED, "follow_up"), (MediationStatus.ACCEPTED, "close"),
    (MediationStatus.MEDIATING, "follow_up"), (MediationStatus.AGREED, "session"), (MediationStatus.AGREED, "refer"),
    (MediationStatus.AGREED, "agree"), (MediationStatus.CLOSED, "session"), (MediationStatus.REFERRED, "session"),
    (MediationStatus.REFERRED, "close"),
])
def test_forbidden_mediation_moves_are_refused(hall, status, action):
    mediation = _mediation(hall)
    Mediation.objects.filter(pk=mediation.pk).update(status=status)  # arranged: the status under test
    mediation.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):
        _step(hall, mediation, action, signed=True, agreement_form="written", agreement_terms="约定",
              perform_by=dt.date(2026, 3, 1), referred_to="法院")


def test_both_sides_are_needed(hall):
    with pytest.raises(ValidationError) as error:
        services.mediation_open(actor=hall.staff, region=hall.tree.east, title="纠纷", facts="事实",
                                disputed_points="焦点", parties=[services.PartySpec("applicant", "张三")])
    assert "parties" in error.value.message_dict
