"""The bookings and queue endpoints over HTTP: scoping, the error shape, paging, idempotency."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, connection, transaction

from api.tests.conftest import Api
from halls import services
from halls.models import Booking
from halls.workflow import WindowKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def post(api: Api, user: str, url: str, body: dict):
    return api.client.post(url, json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {api.token(user)}")


def body(hall, room=None, **kw) -> dict:
    start, end = hall.slot(**kw)
    return {"room": (room or hall.room).pk, "starts_at": start.isoformat(), "ends_at": end.isoformat(),
            "contact_name": "居民乙", "contact_phone": "13900002222", "purpose": "接待人大代表"}


def test_a_resident_books_and_a_taken_slot_answers_409_slot_taken(api, hall):
    first = post(api, "resident", "/api/v1/bookings", body(hall))
    assert first.status_code == 201, first.content
    booked = first.json()
    assert booked["status"] == "approved" and booked["contact_phone"] == "139****2222"
    again = post(api, "member", "/api/v1/bookings", body(hall, minutes=30))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "slot_taken"


def test_the_same_idempotency_key_gives_back_the_same_booking(api, hall):
    payload = {**body(hall), "idempotency_key": "booking-0001"}
    assert post(api, "resident", "/api/v1/bookings", payload).status_code == 201
    repeat = post(api, "resident", "/api/v1/bookings", payload)
    assert repeat.status_code == 200
    assert Booking.objects.count() == 1


def test_bad_times_are_400_with_the_field_and_an_unknown_room_404(api, hall):
    payload = body(hall)
    payload["ends_at"] = payload["starts_at"]
    response = post(api, "resident", "/api/v1/bookings", payload)
    assert response.status_code == 400 and "ends_at" in response.json()["error"]["fields"]
    assert post(api, "resident", "/api/v1/bookings", {**body(hall), "room": 999999}).status_code == 404
    assert post(api, "resident", "/api/v1/bookings", {**body(hall), "purpose": "<script>x</script>"}).status_code == 400


def test_staff_list_the_bookings_of_their_scope_and_residents_their_own(api, hall):
    post(api, "resident", "/api/v1/bookings", body(hall))
    post(api, "member", "/api/v1/bookings", body(hall, hour=15))
    assert len(api.walk("community", "/api/v1/bookings", limit=1)) == 2
    assert [b["contact_name"] for b in api.walk("resident", "/api/v1/bookings")] == ["居**"]
    assert api.walk("community2", "/api/v1/bookings") == []
    assert api.get("resident", "/api/v1/bookings", cursor="nonsense").status_code == 400


def test_staff_approve_a_pending_booking_and_a_forbidden_move_is_400(api, hall):
    created = post(api, "resident", "/api/v1/bookings", body(hall, room=hall.approval_room)).json()
    assert created["status"] == "pending" and created["allowed_actions"] == ["approve", "reject", "cancel"]
    url = f"/api/v1/bookings/{created['id']}/transitions"
    assert post(api, "resident", url, {"action": "approve", "version": created["version"]}).status_code == 403
    done = post(api, "community", url, {"action": "approve", "version": created["version"]})
    assert done.status_code == 200 and done.json()["status"] == "approved"
    stale = post(api, "community", url, {"action": "cancel", "version": created["version"]})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    again = post(api, "community", url, {"action": "approve", "version": done.json()["version"]})
    assert again.status_code == 400 and again.json()["error"]["code"] == "transition_not_allowed"
    assert post(api, "community2", url, {"action": "cancel", "version": 1}).status_code == 404


def test_a_window_calls_the_next_number_and_out_of_scope_is_404(api, hall):
    services.ticket_take(hall=hall.hall, kind=WindowKind.DIRECT)
    url = f"/api/v1/halls/{hall.hall.pk}/windows/{hall.windows[WindowKind.DIRECT].pk}/calls"
    first = post(api, "community", url, {})
    assert first.status_code == 200 and first.json()["ticket"]["code"] == "B001"
    assert post(api, "community", url, {}).json() == {"ticket": None}
    assert post(api, "community2", url, {}).status_code == 404
    north = f"/api/v1/halls/{hall.north_hall.pk}/windows/{hall.north_window.pk}/calls"
    assert post(api, "community", north, {}).status_code == 404


def test_rooms_are_listed_for_anyone_signed_in(api, hall):
    names = [room["name"] for room in api.walk("resident", "/api/v1/rooms")]
    assert "东街社区“两代表一委员”接待室" in names


def test_a_resident_lists_a_days_slots_books_one_and_a_full_slot_is_409_slot_full(api, hall):
    day = services.appointment_days()[0].isoformat()
    url = f"/api/v1/halls/{hall.hall.pk}/appointment-slots?kind=direct&day={day}"
    slots = api.client.get(url, HTTP_AUTHORIZATION=f"Bearer {api.token('resident')}").json()["slots"]
    assert slots[18] == {"starts_at": "09:00:00", "ends_at": "09:30:00", "capacity": 1, "left": 1}
    payload = {"hall": hall.hall.pk, "kind": "direct", "day": day, "starts_at": "09:00", "item_code": "ZM001",
               "item_name": "居住证明开具", "contact_name": "居民乙", "contact_phone": "13900002222",
               "idempotency_key": "appointment-1"}
    first = post(api, "resident", "/api/v1/appointments", payload)
    assert first.status_code == 201, first.content
    assert first.json()["contact_phone"] == "139****2222" and first.json()["status"] == "booked"
    assert post(api, "resident", "/api/v1/appointments", payload).status_code == 200
    full = post(api, "member", "/api/v1/appointments", {**payload, "idempotency_key": None})
    assert full.status_code == 409 and full.json()["error"]["code"] == "slot_full"
    wrong = post(api, "member", "/api/v1/appointments", {**payload, "idempotency_key": None, "kind": "delivery"})
    assert wrong.status_code == 400 and "kind" in wrong.json()["error"]["fields"]
    assert post(api, "member", "/api/v1/appointments", {**payload, "hall": 999999}).status_code == 404
    left = api.client.get(url, HTTP_AUTHORIZATION=f"Bearer {api.token('resident')}").json()["slots"][18]["left"]
    assert left == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint is PostgreSQL's")
def test_postgresql_refuses_an_overlapping_booking_written_past_the_service(hall):
    booking, _ = services.booking_request(actor=hall.users["resident"], room=hall.room, starts_at=hall.slot()[0],
                                          ends_at=hall.slot()[1], contact_name="甲", purpose="接待")
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(room=hall.room, starts_at=booking.starts_at, ends_at=booking.ends_at,  # arranged
                               held_until=booking.held_until, booked_by=hall.users["member"], contact_name="乙",
                               purpose="接待")
