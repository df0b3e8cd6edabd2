"""The large-font mode (大字模式) on the portal: the cookie of `core.text_size`, read on every page, so it works
without scripts.

The page's script flips the same cookie and the class on <html> without a reload; without scripts the
button is a link to `portal:text_size`, which sets the cookie and sends the resident back.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from core.text_size import large_text, remember_text_size

__all__ = ["large_text", "portal_context", "remember_text_size", "safe_next"]


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """`candidate` if it is a path on this site's portal, else the portal's home page."""
    home = reverse("portal:home")
    if candidate and candidate.startswith(home) and url_has_allowed_host_and_scheme(
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
