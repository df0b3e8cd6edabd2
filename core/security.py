"""Security headers on every response, and the client's address as the security features see it.

Content-Security-Policy: scripts and styles come only from this site; no inline script, no `eval`, no
plugin, no framing, forms post only to this site. Pages keep to it: scripts are files under
`static/js/`, behaviour is bound with `addEventListener`, data reaches scripts in `data-*` attributes or
`json_script`. The one inline style the policy admits, by its hash, is the rule htmx injects for its
request indicator (`HTMX_INDICATOR_STYLE`); a test checks it against the installed htmx.

Permissions-Policy: the browser features the platform never uses are turned off for it and any frame.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# What htmx 2 inserts into <head> at start-up (`includeIndicatorStyles`), byte for byte.
HTMX_INDICATOR_STYLE = (
    ".htmx-indicator{opacity:0;visibility: hidden} "
    ".htmx-request .htmx-indicator, .htmx-request.htmx-indicator"
    "{opacity:1;visibility: visible;transition: opacity 200ms ease-in}"
)


def csp_hash(text: str) -> str:
    """A CSP hash source (`'sha256-…'`) admitting exactly the inline element whose content is `text`."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


CONTENT_SECURITY_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'", csp_hash(HTMX_INDICATOR_STYLE)),
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "frame-ancestors": ("'none'",),
    "form-action": ("'self'",),
    "base-uri": ("'self'",),
}

PERMISSIONS_POLICY: dict[str, tuple[str, ...]] = {
    "accelerometer": (),
    "autoplay": (),
    "browsing-topics": (),
    "camera": (),
    "display-capture": (),
    "geolocation": (),
    "gyroscope": (),
    "magnetometer": (),
    "microphone": (),
    "midi": (),
    "payment": (),
    "usb": (),
}


def render_csp(policy: dict[str, tuple[str, ...]]) -> str:
    """`default-src 'self'; script-src 'self'; …` in the order given."""
    return "; ".join(" ".join((directive, *sources)) for directive, sources in policy.items())


def render_permissions_policy(policy: dict[str, tuple[str, ...]]) -> str:
    """`camera=(), geolocation=(self)` in the order given."""
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in policy.items())


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy to every response that has none yet."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csp = render_csp(CONTENT_SECURITY_POLICY)
        self.permissions_policy = render_permissions_policy(PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        return response


# Answers that may carry personal data: every page or API answer to a signed-in user, every API and Open311
# answer. A shared proxy or the browser's disk must not keep them.
PRIVATE_PREFIXES = ("/api/", "/open311/")


class PrivateResponsesMiddleware:
    """`Cache-Control: private, no-store` on answers that may hold personal data, unless the view said otherwise.

    Public pages (the portal, the catalogue) stay cacheable, so a resident's phone can go back a page at once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" in response.headers:
            return response
        user = getattr(request, "user", None)
        if request.path.startswith(PRIVATE_PREFIXES) or (user is not None and user.is_authenticated):
            response.headers["Cache-Control"] = "private, no-store"
        return response


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address: `REMOTE_ADDR`, or the header a trusted reverse proxy sets.

    Behind a proxy every request comes from the proxy's address, which would make the per-address
    lockout lock out everyone at once; `GONGZHI_CLIENT_ADDRESS_HEADER` (for example `X-Real-IP`) names
    the header the proxy overwrites with the real client address. Set it only behind such a proxy:
    clients can send any header themselves.
    """
    header = getattr(settings, "CLIENT_ADDRESS_HEADER", "")
    if header:
        raw = request.headers.get(header, "").split(",")[0].strip()
        try:
            return str(ipaddress.ip_address(raw))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR") or None
