"""A fixed-window rate limit on unauthenticated intake, per client address, kept in Django's cache.

Intake that anyone can reach without signing in (the Open311 POST, whose API key identifies a client
application rather than a person) is counted per client address: at most `INTAKE_RATE_LIMIT` requests
(default 30) in each window of `INTAKE_RATE_WINDOW_SECONDS` (default 600). A limit of 0 turns the limit
off. Beyond it the caller answers 429 in its own error shape, with `Retry-After`.

The window is part of the cache key, so a window never outlives its time and no reset race exists. With
several app processes the cache must be shared (`GONGZHI_CACHE=database`; `check --deploy` warns
otherwise): with the local-memory cache each process counts on its own, which makes the limit looser.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from core.security import client_address

DEFAULT_INTAKE_LIMIT = 30
DEFAULT_INTAKE_WINDOW_SECONDS = 600


@dataclass(frozen=True)
class Limit:
    """`count` requests per `window_seconds`; a count of 0 means no limit."""

    count: int
    window_seconds: int


@dataclass(frozen=True)
class Verdict:
    """Whether one request may go on, and after how many seconds the window resets."""

    allowed: bool
    retry_after: int


def _setting_int(name: str, default: int, *, minimum: int) -> int:
    raw = getattr(settings, name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def intake_limit() -> Limit:
    """The limit on unauthenticated intake from settings (`INTAKE_RATE_LIMIT`, `INTAKE_RATE_WINDOW_SECONDS`)."""
    return Limit(
        count=_setting_int("INTAKE_RATE_LIMIT", DEFAULT_INTAKE_LIMIT, minimum=0),
        window_seconds=_setting_int("INTAKE_RATE_WINDOW_SECONDS", DEFAULT_INTAKE_WINDOW_SECONDS, minimum=1),
    )


def hit(request: HttpRequest, scope: str, limit: Limit, *, now: float | None = None) -> Verdict:
    """Count one request of `scope` from the request's address; refuse it once the window is used up."""
    if limit.count <= 0:
        return Verdict(allowed=True, retry_after=0)
    now = time.time() if now is None else now
    window = int(now // limit.window_seconds)
    retry_after = max(1, int((window + 1) * limit.window_seconds - now))
    key = f"ratelimit:{scope}:{client_address(request) or 'unknown'}:{window}"
    cache.add(key, 0, timeout=limit.window_seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add() and incr(): count this request as the window's first
        cache.add(key, 1, timeout=limit.window_seconds + 1)
        count = 1
    return Verdict(allowed=count <= limit.count, retry_after=retry_after)


def intake_hit(request: HttpRequest, scope: str) -> Verdict:
    """`hit` with the configured intake limit."""
    return hit(request, scope, intake_limit())
