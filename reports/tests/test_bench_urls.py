"""The bench-only endpoints of the intake benchmark exist only in the bench URLconf and do what they claim."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from accounts.models import Role, User
from accounts.services import api_token_issue
from core.models import AuditEvent
from reports.management.commands.bench_intake import _cpu_spent

pytestmark = pytest.mark.django_db

REPORT = json.dumps({"kind": "problem", "title": "小区路灯不亮", "description": "3 号楼门口的路灯坏了",
                     "region": "610102001001", "contact_phone": "13800000000"}, ensure_ascii=False)


@pytest.fixture
def token() -> str:
    User.objects.create_user(username="bench_resident", password="Bench-Intake-2026", role=Role.RESIDENT)
    return api_token_issue(username="bench_resident", password="Bench-Intake-2026")


@override_settings(ROOT_URLCONF="config.urls_bench")
def test_bare_insert_writes_one_row(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.post("/bench/insert", "{}", content_type="application/json")
    assert response.status_code == 201
    assert AuditEvent.objects.get(pk=response.json()["id"]).target_type == "bench"
    assert client.get("/bench/insert").status_code == 405


@override_settings(ROOT_URLCONF="config.urls_bench")
def test_api_insert_authenticates_parses_and_writes_one_row(client, token, django_assert_num_queries):
    # The token look-up, then the single INSERT: nothing of a case is written.
    with django_assert_num_queries(2):
        response = client.post("/bench/api/insert", REPORT, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 201
    row = AuditEvent.objects.get(pk=response.json()["id"])
    assert (row.target_type, row.target_label, row.actor.username) == ("bench", "小区路灯不亮", "bench_resident")


@override_settings(ROOT_URLCONF="config.urls_bench")
def test_api_insert_refuses_like_the_api(client, token):
    anonymous = client.post("/bench/api/insert", REPORT, content_type="application/json")
    assert anonymous.status_code == 401
    malformed = client.post("/bench/api/insert", json.dumps({"lat": "north"}), content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {token}")
    assert malformed.status_code in (400, 422)
    assert "error" in malformed.json()
    assert not AuditEvent.objects.filter(target_type="bench").exists()


def test_the_normal_urls_have_no_bench_endpoint(client, token):
    assert client.post("/bench/insert", "{}", content_type="application/json").status_code == 404
    assert client.post("/bench/api/insert", REPORT, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404
    assert not AuditEvent.objects.filter(target_type="bench").exists()


def test_cpu_spent_counts_new_processes_whole_and_never_goes_negative():
    before = {10: 5.0, 11: 2.0, 12: 9.0}       # 12 exits before the second reading
    after = {10: 5.5, 11: 2.25, 13: 0.75}      # 13 started in between
    assert _cpu_spent(before, after) == pytest.approx(0.5 + 0.25 + 0.75)
    assert _cpu_spent({1: 3.0}, {}) == 0
