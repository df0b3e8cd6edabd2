"""The cache-based limit on unauthenticated intake: per address, per window, configurable, off at 0."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from core.ratelimit import Limit, hit, intake_limit
from core.security import client_address


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def request_from(address: str, **headers):
    return RequestFactory().post("/open311/v2/requests.json", REMOTE_ADDR=address, **headers)


def test_the_limit_counts_per_address_within_a_window():
    limit = Limit(count=3, window_seconds=60)
    now = 1_200_020.0  # 20 s into a window that started at 1 200 000 (a multiple of 60)
    verdicts = [hit(request_from("10.0.0.1"), "t", limit, now=now) for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 40
    assert hit(request_from("10.0.0.2"), "t", limit, now=now).allowed  # another address counts apart
    assert hit(request_from("10.0.0.1"), "other", limit, now=now).allowed  # another scope counts apart


def test_a_new_window_starts_afresh():
    limit = Limit(count=1, window_seconds=60)
    assert hit(request_from("10.0.0.1"), "t", limit, now=1_200_000.0).allowed
    assert not hit(request_from("10.0.0.1"), "t", limit, now=1_200_059.0).allowed
    assert hit(request_from("10.0.0.1"), "t", limit, now=1_200_060.0).allowed


def test_a_limit_of_zero_is_off():
    limit = Limit(count=0, window_seconds=60)
    assert all(hit(request_from("10.0.0.1"), "t", limit).allowed for _ in range(50))


def test_the_limit_comes_from_settings_and_bad_values_stop_the_start(settings):
    settings.INTAKE_RATE_LIMIT = 5
    settings.INTAKE_RATE_WINDOW_SECONDS = 30
    assert intake_limit() == Limit(5, 30)
    settings.INTAKE_RATE_LIMIT = "lots"
    with pytest.raises(ImproperlyConfigured):
        intake_limit()
    settings.INTAKE_RATE_LIMIT = 5
    settings.INTAKE_RATE_WINDOW_SECONDS = 0
    with pytest.raises(ImproperlyConfigured):
        intake_limit()


def test_the_proxy_header_is_read_only_when_a_deployment_names_it(settings):
    request = request_from("10.0.0.9", HTTP_X_REAL_IP="203.0.113.7")
    settings.CLIENT_ADDRESS_HEADER = ""
    assert client_address(request) == "10.0.0.9"
    settings.CLIENT_ADDRESS_HEADER = "X-Real-IP"
    assert client_address(request) == "203.0.113.7"
    assert client_address(request_from("10.0.0.9", HTTP_X_REAL_IP="not an address")) == "10.0.0.9"
