"""The large-font mode (大字模式): a cookie the server reads on every page, so it works without scripts.

The page's script flips the same cookie and the class on <html> without a reload; without scripts the
button is a link to `portal:text_size`, which sets the cookie and sends the resident back.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

COOKIE_NAME = "portal_text"
LARGE = "large"
COOKIE_PATH = "/public/"
COOKIE_MAX_AGE = 365 * 24 * 3600


def large_text(request: HttpRequest) -> bool:
    """Whether the resident switched the large-font mode on."""
    return request.COOKIES.get(COOKIE_NAME) == LARGE


def remember_text_size(response: HttpResponse, *, large: bool) -> HttpResponse:
    """Set or clear the cookie on `response` (read by scripts too, so not HttpOnly; it holds no secret)."""
    if large:
        response.set_cookie(COOKIE_NAME, LARGE, max_age=COOKIE_MAX_AGE, path=COOKIE_PATH, samesite="Lax")
    else:
        response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, samesite="Lax")
    return response


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """`candidate` if it is a path on this site's portal, else the portal's home page."""
    home = reverse("portal:home")
    if candidate and candidate.startswith(COOKIE_PATH) and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return home


def portal_context(request: HttpRequest) -> dict[str, object]:
    """What the portal's base template needs on every page."""
    large = large_text(request)
    return {
        "large_text": large,
        "text_size_url": reverse("portal:text_size"),
        "current_path": request.get_full_path(),
    }
