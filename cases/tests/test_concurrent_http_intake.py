"""The same idempotent intake request from many clients at once, over HTTP to a real server process
(`manage.py runserver`: a thread and a database connection per request), makes exactly one case, and
every client gets the same case back: one 201, the rest 200."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest

from conftest import PASSWORD

from .processes import SharedDatabase, free_port, start_server

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 12


def post(url: str, body: dict, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_many_clients_sending_one_idempotent_intake_get_one_case(world, tmp_path):
    database = SharedDatabase.prepare(tmp_path)
    port = free_port()
    server = start_server(database, tmp_path / "media", port)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        status, answer = post(f"{base}/auth/token", {"username": "community", "password": PASSWORD}, {})
        assert status == 200, answer
        headers = {"Authorization": f"Bearer {answer['token']}", "Idempotency-Key": "window-7f1c2a-0001"}
        body = {"kind": "problem", "title": "楼道堆放杂物", "description": "3单元楼道堆满杂物，影响通行",
                "region": world.tree.east_grid1.code, "channel": "service_hall", "contact_name": "李阿姨",
                "contact_phone": "13912345678"}
        start = threading.Barrier(CLIENTS)
        results: list[tuple[int, dict] | BaseException] = [None] * CLIENTS

        def client(index: int) -> None:
            try:
                start.wait(timeout=30)
                results[index] = post(f"{base}/cases", body, headers)
            except BaseException as exc:  # kept for the assertion below
                results[index] = exc

        threads = [threading.Thread(target=client, args=(index,)) for index in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert all(isinstance(result, tuple) for result in results), results
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * (CLIENTS - 1) + [201], results
    answers = {(answer["id"], answer["tracking_code"]) for _, answer in results}
    assert len(answers) == 1, answers
    [(case_id, _)] = answers
    assert database.count("cases_case") == 1
    assert database.count("cases_case", "idempotency_key = ?", ("window-7f1c2a-0001",)) == 1
    assert database.count("cases_caseevent", "case_id = ?", (case_id,)) == 1
    assert database.count("cases_casereporter", "case_id = ?", (case_id,)) == 1
    assert database.count("core_auditevent", "target_type = ? AND action = ?", ("cases.case", "create")) == 1
