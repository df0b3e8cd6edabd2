"""The one fixed-window rate limit of the project, per client address, kept in Django's cache.

Two things anyone can reach without signing in are counted per client address:

- intake (the Open311 POST, whose API key identifies a client application rather than a person): at most
  `INTAKE_RATE_LIMIT` requests (default 30) in each window of `INTAKE_RATE_WINDOW_SECONDS` (default 600);
- tracking-code lookups on the resident portal: `PORTAL_TRACK_LIMIT` (default 30) per
  `PORTAL_TRACK_WINDOW_SECONDS` (default 600). Codes are random and long, so guessing one is hopeless
  anyway; the limit makes sure nobody can try;
- comments on a consultation (征求意见) from the portal: `PORTAL_COMMENT_LIMIT` (default 10) per
  `PORTAL_COMMENT_WINDOW_SECONDS` (default 600), so nobody floods a plan with comments;
- ratings of social service organisations (社会服务组织) and of a resident's own case from the portal:
  `PORTAL_RATING_LIMIT` (default 10) per `PORTAL_RATING_WINDOW_SECONDS` (default 600), counted before the
  once-a-month rule is checked;
- reports filed by residents and anonymous visitors, on the portal and through `POST /api/v1/cases`:
  `REPORT_RATE_LIMIT` (default 20) per `REPORT_RATE_WINDOW_SECONDS` (default 600). Staff taking reports at a
  window are not counted. Mobile networks put many phones behind one address, so the default is generous:
  it stops a flood, not a family.

A limit of 0 turns the limit off. Beyond it the caller answers 429 (API) or a page in Chinese (portal).
The address is `core.security.client_address`, as for the sign-in lockout.

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
DEFAULT_TRACK_LIMIT = 30
DEFAULT_TRACK_WINDOW_SECONDS = 600
DEFAULT_COMMENT_LIMIT = 10
DEFAULT_COMMENT_WINDOW_SECONDS = 600
DEFAULT_RATING_LIMIT = 10
DEFAULT_RATING_WINDOW_SECONDS = 600
DEFAULT_REPORT_LIMIT = 20
DEFAULT_REPORT_WINDOW_SECONDS = 600


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


def tracking_limit() -> Limit:
    """The limit on tracking-code lookups from settings (`PORTAL_TRACK_LIMIT`, `PORTAL_TRACK_WINDOW_SECONDS`)."""
    return Limit(
        count=_setting_int("PORTAL_TRACK_LIMIT", DEFAULT_TRACK_LIMIT, minimum=0),
        window_seconds=_setting_int("PORTAL_TRACK_WINDOW_SECONDS", DEFAULT_TRACK_WINDOW_SECONDS, minimum=1),
    )


def tracking_hit(request: HttpRequest) -> Verdict:
    """`hit` with the configured limit on tracking-code lookups."""
    return hit(request, "portal-track", tracking_limit())


def comment_limit() -> Limit:
    """The limit on portal comments from settings (`PORTAL_COMMENT_LIMIT`, `PORTAL_COMMENT_WINDOW_SECONDS`)."""
    return Limit(
        count=_setting_int("PORTAL_COMMENT_LIMIT", DEFAULT_COMMENT_LIMIT, minimum=0),
        window_seconds=_setting_int("PORTAL_COMMENT_WINDOW_SECONDS", DEFAULT_COMMENT_WINDOW_SECONDS, minimum=1),
    )


def comment_hit(request: HttpRequest) -> Verdict:
    """`hit` with the configured limit on comments sent from the portal."""
    return hit(request, "portal-comment", comment_limit())


def rating_limit() -> Limit:
    """The limit on portal ratings from settings (`PORTAL_RATING_LIMIT`, `PORTAL_RATING_WINDOW_SECONDS`)."""
    return Limit(
        count=_setting_int("PORTAL_RATING_LIMIT", DEFAULT_RATING_LIMIT, minimum=0),
        window_seconds=_setting_int("PORTAL_RATING_WINDOW_SECONDS", DEFAULT_RATING_WINDOW_SECONDS, minimum=1),
    )


def rating_hit(request: HttpRequest) -> Verdict:
    """`hit` with the configured limit on ratings sent from the portal."""
    return hit(request, "portal-rating", rating_limit())


def report_limit() -> Limit:
    """The limit on residents' and visitors' reports (`REPORT_RATE_LIMIT`, `REPORT_RATE_WINDOW_SECONDS`)."""
    return Limit(
        count=_setting_int("REPORT_RATE_LIMIT", DEFAULT_REPORT_LIMIT, minimum=0),
        window_seconds=_setting_int("REPORT_RATE_WINDOW_SECONDS", DEFAULT_REPORT_WINDOW_SECONDS, minimum=1),
    )


def report_hit(request: HttpRequest) -> Verdict:
    """`hit` with the configured limit on reports from residents and visitors, portal and API counted together."""
    return hit(request, "report", report_limit())
