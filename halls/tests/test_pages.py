"""The hall pages over HTTP: 取号 on a phone and at the kiosk, the counter, the calling screen, booking a
room, staff approval, mediation records; scope (out of scope is 404) and bad input (never 500)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from halls import services
from halls.models import Appointment, Booking, Mediation, QueueTicket
from halls.workflow import WindowKind

pytestmark = pytest.mark.django_db


def test_a_resident_takes_a_number_on_a_phone_and_sees_where_to_go_once_called(client, hall, users):
    page = client.get(f"/halls/{hall.hall.pk}/take/")
    assert page.status_code == 200 and "业务直办" in page.content.decode()
    taken = client.post(f"/halls/{hall.hall.pk}/take/", {"kind": WindowKind.DIRECT})
    assert taken.status_code == 302
    ticket = QueueTicket.objects.get()
    assert ticket.channel == "phone" and taken["Location"] == f"/halls/tickets/{ticket.pk}/"
    assert "前面还有" in client.get(taken["Location"]).content.decode()
    client.force_login(users["community"])
    called = client.post(f"/halls/{hall.hall.pk}/windows/{hall.windows[WindowKind.DIRECT].pk}/call/")
    assert called.status_code == 302
    client.logout()
    assert "请到 <strong>2号窗口</strong> 办理" in client.get(f"/halls/tickets/{ticket.pk}/").content.decode()
    screen = client.get(f"/halls/{hall.hall.pk}/screen/").content.decode()
    assert "B001" in screen and "2号窗口" in screen and "<script>" not in screen.replace("<script src=", "")


def test_the_kiosk_takes_a_number_and_a_missing_kind_is_asked_for_again(client, hall):
    assert client.post(f"/halls/{hall.hall.pk}/kiosk/", {"kind": WindowKind.ASSISTED}).status_code == 302
    assert QueueTicket.objects.get().channel == "kiosk"
    again = client.post(f"/halls/{hall.hall.pk}/kiosk/", {"kind": "nonsense"})
    assert again.status_code == 200 and "请选择办理业务" in again.content.decode()


def test_the_clerk_calls_serves_and_a_stale_page_is_409(client, hall, users):
    services.ticket_take(hall=hall.hall, kind=WindowKind.GENERAL)
    client.force_login(users["community"])
    window = hall.windows[WindowKind.GENERAL]
    client.post(f"/halls/{hall.hall.pk}/windows/{window.pk}/call/")
    page = client.get(f"/halls/{hall.hall.pk}/counter/?window={window.pk}").content.decode()
    assert "D001" in page and "办理完毕" in page
    ticket = QueueTicket.objects.get()
    assert client.post(f"/halls/tickets/{ticket.pk}/act/serve/", {"version": 1}).status_code == 409
    done = client.post(f"/halls/tickets/{ticket.pk}/act/serve/", {"version": ticket.version})
    assert done.status_code == 302
    assert QueueTicket.objects.get().status == "served"
    assert client.post(f"/halls/tickets/{ticket.pk}/act/serve/", {"version": "x"}).status_code == 400


def test_the_counter_of_another_street_is_404(client, hall, users):
    client.force_login(users["community"])
    assert client.get(f"/halls/{hall.north_hall.pk}/counter/").status_code == 404
    assert client.post(f"/halls/{hall.north_hall.pk}/windows/{hall.north_window.pk}/call/").status_code == 404


def test_a_grid_worker_on_duty_calls_at_their_window(client, hall, users):
    services.ticket_take(hall=hall.hall, kind=WindowKind.DIRECT)
    client.force_login(users["grid"])
    assert client.post(f"/halls/{hall.hall.pk}/windows/{hall.windows[WindowKind.DIRECT].pk}/call/").status_code == 302
    assert QueueTicket.objects.get().called_by == users["grid"]
    assert client.post(f"/halls/{hall.hall.pk}/windows/{hall.windows[WindowKind.GENERAL].pk}/call/").status_code == 404


def _booking_form(hall, **extra) -> dict:
    start, _ = hall.slot()
    return {"day": start.date().isoformat(), "start": "10:00", "duration": "60", "contact_name": "居民乙",
            "contact_phone": "１３９００００２２２２", "purpose": "接待人大代表", **extra}


def test_a_resident_books_a_room_and_a_taken_slot_keeps_what_was_typed(client, hall, users):
    assert client.get(f"/halls/rooms/{hall.room.pk}/book/").status_code == 200
    assert client.post(f"/halls/rooms/{hall.room.pk}/book/", _booking_form(hall)).status_code == 302  # sign in
    client.force_login(users["resident"])
    assert client.post(f"/halls/rooms/{hall.room.pk}/book/", _booking_form(hall)).status_code == 302
    booking = Booking.objects.get()
    assert booking.contact_phone == "13900002222" and booking.status == "approved"
    assert "接待人大代表" in client.get("/halls/bookings/mine/").content.decode()
    taken = client.post(f"/halls/rooms/{hall.room.pk}/book/", _booking_form(hall, purpose="第二次"))
    assert taken.status_code == 409
    assert "该时段已被预约" in taken.content.decode() and "第二次" in taken.content.decode()
    bad = client.post(f"/halls/rooms/{hall.room.pk}/book/", _booking_form(hall, start="25:99", purpose=""))
    assert bad.status_code == 200 and "请填写用途" in bad.content.decode()
    cancel = client.post(f"/halls/bookings/{booking.pk}/act/cancel/", {"version": booking.version})
    assert cancel.status_code == 302 and Booking.objects.get().status == "cancelled"


def test_staff_approve_bookings_in_their_scope_with_contacts_masked(client, hall, users):
    start, end = hall.slot()
    booking, _ = services.booking_request(actor=users["resident"], room=hall.approval_room, starts_at=start,
                                          ends_at=end, contact_name="居民乙", contact_phone="13900002222",
                                          purpose="调解")
    client.force_login(users["community"])
    page = client.get("/halls/bookings/").content.decode()
    assert "139****2222" in page and "13900002222" not in page and "同意预约" in page
    assert client.post(f"/halls/bookings/{booking.pk}/act/approve/", {"version": 1}).status_code == 302
    assert Booking.objects.get().status == "approved"
    client.force_login(users["community2"])
    assert client.post(f"/halls/bookings/{booking.pk}/act/cancel/", {"version": 2}).status_code == 404


def test_a_mediation_is_accepted_and_mediated_on_its_pages_with_parties_masked(client, hall, users, tree):
    client.force_login(users["community"])
    assert client.get("/halls/mediations/new/").status_code == 200
    form = {"title": "楼上漏水纠纷", "applicant_name": "张三丰", "applicant_phone": "13911112222",
            "respondent_name": "李四", "facts": "漏水", "disputed_points": "维修费用", "region": str(tree.east.pk)}
    missing = client.post("/halls/mediations/new/", {**form, "facts": ""})
    assert missing.status_code == 200 and "请填写纠纷事实" in missing.content.decode()
    assert "楼上漏水纠纷" in missing.content.decode()
    created = client.post("/halls/mediations/new/", form)
    assert created.status_code == 302
    mediation = Mediation.objects.get()
    page = client.get(f"/halls/mediations/{mediation.pk}/").content.decode()
    assert "张**" in page and "139****2222" in page and "13911112222" not in page and "张三丰" not in page
    unsigned = client.post(f"/halls/mediations/{mediation.pk}/act/session/",
                           {"session-version": 1, "session-note": "第一次调解"})
    assert unsigned.status_code == 400 and "第一次调解" in unsigned.content.decode()
    signed = client.post(f"/halls/mediations/{mediation.pk}/act/session/",
                         {"session-version": 1, "session-note": "第一次调解", "session-signed": "on"})
    assert signed.status_code == 302 and Mediation.objects.get().status == "mediating"
    forbidden = client.post(f"/halls/mediations/{mediation.pk}/act/follow_up/",
                            {"follow_up-version": 2, "follow_up-note": "回访"})
    assert forbidden.status_code == 400
    assert "调解中" in client.get("/halls/mediations/").content.decode()
    client.force_login(users["resident"])
    assert client.get(f"/halls/mediations/{mediation.pk}/").status_code == 404


# -- window appointments at the counter ------------------------------------------------------------------


def _appointment_today(hall):
    day = services.appointment_days()[0]
    appointment, _ = services.appointment_book(
        hall=hall.hall, kind=WindowKind.DIRECT, day=day, starts_at=dt.time(9, 0),
        item_code="ZM001", item_name="居住证明开具", contact_name="王秀英", contact_phone="13912345678")
    # The day has come.
    Appointment.objects.filter(pk=appointment.pk).update(day=timezone.localdate())
    appointment.refresh_from_db()
    return appointment


def test_the_clerk_sees_the_days_appointments_masked_and_an_arrival_joins_the_queue(client, hall, users):
    appointment = _appointment_today(hall)
    client.force_login(users["grid"])  # on duty at the 业务直办 window, not a manager of the hall
    page = client.get(f"/halls/{hall.hall.pk}/counter/").content.decode()
    row = page[page.index(f'data-appointment="{appointment.code}"'):]
    assert "居住证明开具" in row and "王**" in row and "139****5678" in row and "13912345678" not in page
    assert client.post(f"/halls/appointments/{appointment.pk}/act/arrive/", {"version": 9}).status_code == 409
    arrived = client.post(f"/halls/appointments/{appointment.pk}/act/arrive/", {"version": appointment.version})
    assert arrived.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "arrived" and appointment.ticket.code == "B001"
    again = client.post(f"/halls/appointments/{appointment.pk}/act/arrive/", {"version": appointment.version})
    assert again.status_code == 400 and "已到场取号" in again.content.decode()
    called = client.post(f"/halls/{hall.hall.pk}/windows/{hall.windows[WindowKind.DIRECT].pk}/call/")
    assert called.status_code == 302
    assert "B001" in client.get(f"/halls/{hall.hall.pk}/counter/").content.decode()
    assert client.post(f"/halls/appointments/{appointment.pk}/act/nonsense/", {"version": 1}).status_code == 404


def test_appointments_of_a_hall_out_of_scope_are_404(client, hall, users):
    appointment = _appointment_today(hall)
    client.force_login(users["community2"])
    assert client.post(f"/halls/appointments/{appointment.pk}/act/cancel/",
                       {"version": appointment.version}).status_code == 404
    client.force_login(users["resident"])
    assert client.post(f"/halls/appointments/{appointment.pk}/act/cancel/",
                       {"version": appointment.version}).status_code == 404
