"""Races over HTTP against a real server process (`manage.py runserver`: a thread and a database connection
per request), on SQLite and on PostgreSQL alike: twenty residents booking one slot at once get exactly one
booking, the rest 409 `slot_taken`; twenty booking a window slot with two windows get exactly two, the rest
409 `slot_full`; staff calling the next number at once each get a different number."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest

from cases.tests.processes import SharedDatabase, free_port, start_server
from conftest import PASSWORD
from halls import services
from halls.workflow import WindowKind

pytestmark = pytest.mark.django_db(transaction=True)

BOOKERS = 20
CALLS = 6


def post(url: str, body: dict, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def race(count: int, call) -> list:
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            start.wait(timeout=30)
            results[index] = call(index)
        except BaseException as exc:  # kept for the assertion below
            results[index] = exc

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def server(hall, tmp_path):
    for _ in range(CALLS):
        services.ticket_take(hall=hall.hall, kind=WindowKind.DIRECT)
    database = SharedDatabase.prepare(tmp_path)
    port = free_port()
    process = start_server(database, tmp_path / "media", port)
    base = f"http://127.0.0.1:{port}/api/v1"

    def token(username: str) -> dict[str, str]:
        status, answer = post(f"{base}/auth/token", {"username": username, "password": PASSWORD}, {})
        assert status == 200, answer
        return {"Authorization": f"Bearer {answer['token']}"}

    try:
        yield base, database, token
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_twenty_bookings_of_one_slot_at_once_make_exactly_one(hall, server):
    base, database, token = server
    headers = token("resident")
    start, end = hall.slot(days=3, hour=14)
    body = {"room": hall.room.pk, "starts_at": start.isoformat(), "ends_at": end.isoformat(),
            "contact_name": "居民乙", "contact_phone": "13900002222", "purpose": "接待人大代表"}
    results = race(BOOKERS, lambda index: post(f"{base}/bookings", body, headers))
    assert all(isinstance(result, tuple) for result in results), results
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (BOOKERS - 1), results
    assert {answer["error"]["code"] for status, answer in results if status == 409} == {"slot_taken"}
    assert database.count("halls_booking") == 1


def test_staff_calling_at_once_get_different_numbers(hall, server):
    base, database, token = server
    callers = [(token("community"), hall.windows[WindowKind.DIRECT]),
               (token("street"), hall.windows[WindowKind.GENERAL])]

    def call(index: int):
        headers, window = callers[index % 2]
        return post(f"{base}/halls/{hall.hall.pk}/windows/{window.pk}/calls", {}, headers)

    results = race(CALLS, call)
    assert all(isinstance(result, tuple) and result[0] == 200 for result in results), results
    codes = [answer["ticket"]["code"] for _, answer in results]
    assert sorted(codes) == [f"B{n:03d}" for n in range(1, CALLS + 1)], codes
    assert database.count("halls_queueticket", "status = ?", ("called",)) == CALLS


@pytest.fixture
def second_general_window(hall):
    """A second 综合受理 window, made before the server copies the database."""
    general = hall.windows[WindowKind.GENERAL]
    return services.window_create(actor=hall.staff, hall=hall.hall, name="6号窗口", kind=WindowKind.GENERAL,
                                  opens_at=general.opens_at, closes_at=general.closes_at)


def test_twenty_appointments_of_a_slot_with_two_windows_at_once_make_exactly_two(hall, second_general_window,
                                                                                 server):
    base, database, token = server
    headers = token("resident")
    body = {"hall": hall.hall.pk, "kind": WindowKind.GENERAL, "day": services.appointment_days()[0].isoformat(),
            "starts_at": "10:00", "item_code": "ZM001", "item_name": "居住证明开具", "contact_name": "居民乙",
            "contact_phone": "13900002222"}
    results = race(BOOKERS, lambda index: post(f"{base}/appointments", body, headers))
    assert all(isinstance(result, tuple) for result in results), results
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * 2 + [409] * (BOOKERS - 2), results
    assert {answer["error"]["code"] for status, answer in results if status == 409} == {"slot_full"}
    assert database.count("halls_appointment") == 2
