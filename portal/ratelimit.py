"""A fixed-window limit on tracking-code lookups per client address, kept in the cache.

Tracking codes are random and long, so guessing one is hopeless at this rate; the limit makes sure
nobody can try. The address is `core.security.client_address`, as for the sign-in lockout: behind a
reverse proxy, the header `GONGZHI_CLIENT_ADDRESS_HEADER` names. With several app processes the cache
must be shared (`GONGZHI_CACHE=database`; `check --deploy` warns otherwise); with the local-memory
cache each process counts on its own.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from core.security import client_address

DEFAULT_LIMIT = 30
DEFAULT_WINDOW_SECONDS = 10 * 60


def lookup_limit() -> int:
    """Lookups allowed per address and window (settings.PORTAL_TRACK_LIMIT, default 30)."""
    return int(getattr(settings, "PORTAL_TRACK_LIMIT", DEFAULT_LIMIT))


def lookup_window_seconds() -> int:
    """Length of the window in seconds (settings.PORTAL_TRACK_WINDOW_SECONDS, default 600)."""
    return int(getattr(settings, "PORTAL_TRACK_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS))


def _key(request: HttpRequest) -> str:
    return f"portal:track-lookups:{client_address(request) or 'unknown'}"


def allow_lookup(request: HttpRequest) -> bool:
    """Count one lookup for the request's address; False once the address has used up its window."""
    key = _key(request)
    window = lookup_window_seconds()
    if cache.add(key, 1, timeout=window):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # the entry expired between add() and incr(): a new window starts
        cache.add(key, 1, timeout=window)
        return True
    return count <= lookup_limit()


def window_minutes() -> int:
    """The window in whole minutes, for the message shown when the limit is reached."""
    return max(1, lookup_window_seconds() // 60)
