"""The bare one-INSERT endpoint of the intake benchmark exists only in the bench URLconf."""

from __future__ import annotations

import pytest
from django.test import override_settings

from core.models import AuditEvent

pytestmark = pytest.mark.django_db


@override_settings(ROOT_URLCONF="config.urls_bench")
def test_bare_insert_writes_one_row(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.post("/bench/insert", "{}", content_type="application/json")
    assert response.status_code == 201
    assert AuditEvent.objects.get(pk=response.json()["id"]).target_type == "bench"
    assert client.get("/bench/insert").status_code == 405


def test_the_normal_urls_have_no_bench_endpoint(client):
    assert client.post("/bench/insert", "{}", content_type="application/json").status_code == 404
    assert not AuditEvent.objects.filter(target_type="bench").exists()
