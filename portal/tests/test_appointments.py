"""预约办事 on the residents' pages: from an item's guide a resident books a window slot at a hall and keeps
the confirmation with its code; a full slot keeps what was typed; bad input is a Chinese message, never
500; the code holder cancels; an unknown code names nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from govservices.tests.factories import item
from halls import services
from halls.models import Appointment
from halls.tests.conftest import Hall
from halls.workflow import WindowKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(tree, users):
    return Hall(tree, users), item(users["county"])


def _form(place, on, **extra) -> dict:
    values = {"hall": place.hall.pk, "kind": WindowKind.DIRECT, "day": on.isoformat(), "start": "09:00",
              "contact_name": "王秀英", "contact_phone": "139 1234 5678",
              "idempotency_key": "0123456789abcdef0123456789abcdef"}
    values.update(extra)
    return values


def test_a_resident_books_a_slot_from_the_items_guide_and_keeps_the_code(client, setting):
    hall, found = setting
    guide = client.get(f"/public/services/items/{found.code}/").content.decode()
    assert f'href="/public/services/items/{found.code}/appointment/"' in guide
    day = services.appointment_days()[0]
    page = client.get(f"/public/services/items/{found.code}/appointment/",
                      {"hall": hall.hall.pk, "kind": WindowKind.DIRECT, "day": day.isoformat()})
    text = page.content.decode()
    assert page.status_code == 200 and "居住证明开具" in text and "09:00–09:30（余 1 个）" in text
    # 信息咨询 and 出件 take no appointments.
    assert "信息咨询" not in text and "出件" not in text
    booked = client.post(f"/public/services/items/{found.code}/appointment/", _form(hall, day))
    appointment = Appointment.objects.get()
    assert booked.status_code == 302 and booked["Location"] == f"/public/services/appointments/{appointment.code}/"
    assert (appointment.item_code, appointment.contact_phone, appointment.resident) == (found.code, "13912345678",
                                                                                        None)
    confirmation = client.get(booked["Location"]).content.decode()
    assert appointment.code in confirmation and "预约成功" in confirmation and "09:00–09:30" in confirmation
    assert "王**" in confirmation and "5678" not in confirmation
    # A second click on 确认预约 gives back the same appointment.
    again = client.post(f"/public/services/items/{found.code}/appointment/", _form(hall, day))
    assert again["Location"] == booked["Location"] and Appointment.objects.count() == 1


def test_a_full_slot_and_bad_input_keep_what_was_typed(client, setting):
    hall, found = setting
    day = services.appointment_days()[0]
    services.appointment_book(hall=hall.hall, kind=WindowKind.DIRECT, day=day, starts_at=dt.time(9, 0),
                              item_name="另一件事", contact_name="李四", contact_phone="13800000000")
    full = client.post(f"/public/services/items/{found.code}/appointment/", _form(hall, day))
    text = full.content.decode()
    # The taken slot is no longer offered: the choice is refused and the name kept.
    assert full.status_code == 400 and "请选择仍可预约的时段" in text and 'value="王秀英"' in text
    cases = [({"contact_phone": "12"}, "手机号码应为 11 位数字"), ({"day": "2020-01-01"}, "请从列表中选择工作日"),
             ({"hall": "999999"}, "请从列表中选择服务大厅"), ({"start": "25:99"}, "请选择仍可预约的时段"),
             ({"contact_name": ""}, "请填写联系人")]
    for extra, message in cases:
        answer = client.post(f"/public/services/items/{found.code}/appointment/",
                             _form(hall, day, **{"start": "09:30", **extra}))
        assert answer.status_code == 400 and message in answer.content.decode(), extra
    assert Appointment.objects.count() == 1
    assert client.get("/public/services/items/NOPE/appointment/").status_code == 404


def test_the_code_holder_cancels_and_an_unknown_code_is_404(client, setting):
    hall, found = setting
    day = services.appointment_days()[0]
    client.post(f"/public/services/items/{found.code}/appointment/", _form(hall, day))
    appointment = Appointment.objects.get()
    url = f"/public/services/appointments/{appointment.code}/"
    assert client.post(url, {"version": 7}).status_code == 409
    assert client.post(url, {"version": "x"}).status_code == 400
    done = client.post(url, {"version": appointment.version})
    assert done.status_code == 302
    page = client.get(url).content.decode()
    assert "已取消" in page and "data-appointment-cancel" not in page
    gone = client.get("/public/services/appointments/ZZZZZZZZ/")
    assert gone.status_code == 404 and "王" not in gone.content.decode()
    # The place is free again.
    assert "09:00–09:30（余 1 个）" in client.get(
        f"/public/services/items/{found.code}/appointment/",
        {"hall": hall.hall.pk, "kind": WindowKind.DIRECT, "day": day.isoformat()}).content.decode()


def test_a_signed_in_resident_is_kept_on_the_appointment(client, setting, users):
    hall, found = setting
    client.force_login(users["resident"])
    day = services.appointment_days()[0]
    client.post(f"/public/services/items/{found.code}/appointment/", _form(hall, day))
    assert Appointment.objects.get().resident == users["resident"]
