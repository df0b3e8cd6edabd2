"""With GONGZHI_CACHE=database the rate-limit counters live in a table every app process reads.

A local-memory cache gives each process its own counters, so three workers would allow three times
the tracking-code lookups or anonymous reports. These tests run the limits on the database cache, as
a production deployment does, and read the counter back through a second, fresh cache handler (as
another process would) and from the table itself.
"""

from __future__ import annotations

import pytest
from django.core.cache import CacheHandler
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from core.ratelimit import Limit, hit

TRACK = reverse("portal:track")
DATABASE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "gongzhi_cache"}}


@pytest.fixture
def database_cache(settings, db):
    settings.CACHES = DATABASE_CACHE
    call_command("createcachetable", verbosity=0)
    return CacheHandler()["default"]  # another process's view of the same cache


def rows_in_cache_table() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM gongzhi_cache")
        return cursor.fetchone()[0]


def test_tracking_lookups_are_counted_in_the_shared_table(client, settings, database_cache):
    settings.PORTAL_TRACK_LIMIT = 2
    assert client.get(TRACK, {"code": "ABCDEFGHJK"}).status_code == 200
    assert client.get(TRACK, {"code": "ABCDEFGHJK"}).status_code == 200
    assert rows_in_cache_table() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM gongzhi_cache")
        (stored_key,) = cursor.fetchone()
    key = stored_key.split(":", 2)[2]  # Django's ":<version>:" prefix off
    assert key.startswith("ratelimit:portal-track:127.0.0.1:")
    assert database_cache.get(key) == 2
    assert client.get(TRACK, {"code": "ABCDEFGHJK"}).status_code == 429
    assert client.get(TRACK, {"code": "ABCDEFGHJK"}, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_anonymous_intake_counts_the_requests_other_processes_took(database_cache):
    limit = Limit(count=2, window_seconds=60)
    request = RequestFactory().post("/open311/v2/requests.json", REMOTE_ADDR="10.0.0.1")
    assert hit(request, "intake", limit, now=1_200_000.0).allowed
    # Another worker takes the second request from the same address in the same window …
    key = "ratelimit:intake:10.0.0.1:20000"  # scope, address, and window 1 200 000 // 60
    assert database_cache.incr(key) == 2
    # … so this worker refuses the third.
    assert not hit(request, "intake", limit, now=1_200_001.0).allowed
    assert rows_in_cache_table() == 1
