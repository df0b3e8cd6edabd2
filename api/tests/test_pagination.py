"""The shared keyset pagination: opaque cursors, bounded pages, every row once, a fixed number of queries."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.api.errors import ApiError
from core.api.pagination import BY_ID, MAX_LIMIT, Keyset, decode_cursor, encode_cursor, paginate
from organisations import services as org_services
from organisations.models import Organisation
from regions.models import Region

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize("keyset, value", [
    (Keyset("code"), "610424001"),
    (Keyset("code"), "东街 ∕ \"quoted\""),
    (Keyset("seq", kind="int"), 7),
    (Keyset("received_at", kind="datetime", descending=True), dt.datetime(2026, 11, 1, 9, 30, tzinfo=SHANGHAI)),
])
def test_a_cursor_carries_its_sort_value_and_id_and_reads_back(keyset, value):
    cursor = encode_cursor(keyset, value, 42)
    assert "=" not in cursor and "+" not in cursor and "/" not in cursor  # safe in a query string as it is
    assert decode_cursor(keyset, cursor) == (value, 42)


@pytest.mark.parametrize("cursor", [
    "not base64 at all!",
    base64.urlsafe_b64encode(b"[1, 2]").decode(),
    base64.urlsafe_b64encode(json.dumps({"k": "code", "v": "x", "id": "1"}).encode()).decode(),
    base64.urlsafe_b64encode(json.dumps({"k": "code", "v": 5, "id": 1}).encode()).decode(),
    base64.urlsafe_b64encode(json.dumps({"k": "code", "v": "x", "id": -1}).encode()).decode(),
    base64.urlsafe_b64encode(json.dumps({"k": "code", "v": "x", "id": True}).encode()).decode(),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
])
def test_a_damaged_cursor_is_refused_with_the_cursor_field_named(cursor):
    with pytest.raises(ApiError) as refused:
        decode_cursor(Keyset("code"), cursor)
    assert refused.value.status == 400
    assert refused.value.code == "invalid"
    assert "cursor" in refused.value.fields


def test_a_cursor_of_another_list_is_refused():
    cursor = encode_cursor(Keyset("code"), "610424", 1)
    with pytest.raises(ApiError):
        decode_cursor(BY_ID, cursor)


def test_a_datetime_cursor_needs_an_offset():
    keyset = Keyset("received_at", kind="datetime")
    naive = base64.urlsafe_b64encode(json.dumps({"k": "received_at", "v": "2026-11-01T09:00:00", "id": 1}).encode())
    with pytest.raises(ApiError):
        decode_cursor(keyset, naive.decode())


def test_paginate_visits_every_row_once_in_order_ascending_and_descending(tree):
    codes = sorted(Region.objects.values_list("code", flat=True))
    for keyset, expected in ((Keyset("code"), codes), (Keyset("code", descending=True), codes[::-1])):
        seen, cursor = [], None
        while True:
            page = paginate(Region.objects.all(), keyset, cursor=cursor, limit=3)
            assert len(page.rows) <= 3
            seen += [r.code for r in page.rows]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == expected


def test_rows_added_between_pages_are_neither_repeated_nor_skipped(tree):
    first = paginate(Organisation.objects.all(), BY_ID, cursor=None, limit=2)
    new = org_services.organisation_create(
        actor=None, name="新成立的社会组织", kind=Organisation.Kind.SOCIAL_ORGANISATION, region=tree.east
    )
    rest, cursor = [], first.next_cursor
    while cursor:
        page = paginate(Organisation.objects.all(), BY_ID, cursor=cursor, limit=2)
        rest += page.rows
        cursor = page.next_cursor
    ids = [o.pk for o in first.rows + rest]
    assert len(ids) == len(set(ids)) == Organisation.objects.count()
    assert ids[-1] == new.pk


def test_limit_is_clamped_inside_the_helper(tree):
    assert len(paginate(Region.objects.all(), Keyset("code"), cursor=None, limit=0).rows) == 1
    assert len(paginate(Region.objects.all(), Keyset("code"), cursor=None, limit=10_000).rows) == Region.objects.count()


@pytest.mark.parametrize("limit", ["0", "-1", str(MAX_LIMIT + 1), "many"])
def test_a_limit_out_of_range_is_a_400_in_the_error_shape(api, limit):
    response = api.get("county", "/api/v1/organisations", limit=limit)
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert "limit" in body["fields"]


def test_a_bad_cursor_over_http_is_a_400_naming_the_cursor(api):
    response = api.get("county", "/api/v1/regions", cursor="garbage")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"cursor": ["翻页标记无效，请从第一页重新开始"]}


def test_walking_a_list_over_http_returns_every_row_once(api, tree):
    for n in range(7):
        org_services.organisation_create(
            actor=None, name=f"东街物业{n}", kind=Organisation.Kind.PROPERTY_COMPANY, region=tree.east
        )
    items = api.walk("county", "/api/v1/organisations", limit=2)
    assert [o["id"] for o in items] == sorted(Organisation.objects.values_list("pk", flat=True))


def test_a_page_takes_the_same_number_of_queries_whatever_its_size(api, tree):
    for n in range(12):
        org_services.organisation_create(
            actor=None, name=f"西街单位{n}", kind=Organisation.Kind.SOCIAL_ORGANISATION, region=tree.west
        )
    api.token("county")
    counts = []
    for limit in (1, 5, 50):
        with CaptureQueriesContext(connection) as queries:
            assert api.get("county", "/api/v1/organisations", limit=limit).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]
