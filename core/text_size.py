"""The large-font mode (大字模式) as one cookie for the whole site, read by the server on every page.

Residents switch it on the portal; the sign-in page, which residents and party members reach from
the portal, honours it too, so the cookie's path is the whole site.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

COOKIE_NAME = "portal_text"
LARGE = "large"
COOKIE_PATH = "/"
COOKIE_MAX_AGE = 365 * 24 * 3600


def large_text(request: HttpRequest) -> bool:
    """Whether the visitor switched the large-font mode on."""
    return request.COOKIES.get(COOKIE_NAME) == LARGE


def remember_text_size(response: HttpResponse, *, large: bool) -> HttpResponse:
    """Set or clear the cookie on `response` (read by scripts too, so not HttpOnly; it holds no secret)."""
    if large:
        response.set_cookie(COOKIE_NAME, LARGE, max_age=COOKIE_MAX_AGE, path=COOKIE_PATH, samesite="Lax")
    else:
        response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, samesite="Lax")
    return response
