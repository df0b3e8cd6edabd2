"""Every refusal a signed-in user meets is on the audit log, written in one place.

`DeniedAccessAuditMiddleware` looks at each response: a 403, or a 404 from a route that exists (an
object outside the user's scope, or a page their role is not offered), answered to a signed-in user
(console session or API token), gets one `denied` row naming the route, the method, the path and the
status. Views that already write their own `denied` row with more detail (the audit log page, a refused
reveal of personal data) are not written twice: a row saved while the request runs marks it done.

Not written: signed-out visitors (a crawler's 404s are not an audit trail, and no one is there to name),
paths that match no route or only a catch-all (`api-root`, the API's and Open311's unknown paths), and
Open311, which is public and has no signed-in users of its own.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable

from django.db import DatabaseError
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from . import audit
from .models import AuditEvent

logger = logging.getLogger("gongzhi.audit")

DENIED_STATUSES = frozenset({403, 404})
# Routes that answer every unknown path: their 404 says "no such address", not "not yours".
CATCH_ALL_ROUTES = frozenset({"api:api-root", "api:unknown", "open311:unknown"})
PUBLIC_NAMESPACES = frozenset({"open311"})

# Per request: whether a `denied` row has been written already (by the view, with its own detail).
_written: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("gongzhi_denied_written", default=None)


@receiver(post_save, sender=AuditEvent, dispatch_uid="core.denials.mark_written")
def _mark_written(sender, instance: AuditEvent, created: bool, **kwargs) -> None:
    flag = _written.get()
    if created and flag is not None and instance.action == AuditEvent.Action.DENIED:
        flag[0] = True


def _route(request: HttpRequest) -> str | None:
    """The name of the route the request reached (its view's path when unnamed), or None when it reached
    none or only a catch-all."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    if match.view_name in CATCH_ALL_ROUTES or PUBLIC_NAMESPACES.intersection(match.namespaces):
        return None
    return match.view_name


def should_record(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether `response` is a refusal of a signed-in user on a route of ours."""
    if response.status_code not in DENIED_STATUSES:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and _route(request))


def record_denial(request: HttpRequest, response: HttpResponse) -> AuditEvent:
    """Write the `denied` row for `response` (see the module docstring)."""
    route = _route(request) or ""
    return audit.record(
        actor=request.user, action=AuditEvent.Action.DENIED, target_type="route", target_id=route,
        target_label=request.path[:200], reason=f"{request.method} {request.get_full_path()}"[:1000],
        changes={"status": response.status_code, "method": request.method}, outcome="denied",
    )


class DeniedAccessAuditMiddleware:
    """Writes a `denied` audit row for every 403 and every 404 of a known route met by a signed-in user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        flag = [False]
        token = _written.set(flag)
        try:
            response = self.get_response(request)
        finally:
            _written.reset(token)
        if not flag[0] and should_record(request, response):
            try:
                record_denial(request, response)
            except DatabaseError:
                # The refusal itself stands; a failed write is logged rather than turned into a 500.
                logger.exception("could not write the denied row for %s %s", request.method, request.path)
        return response
