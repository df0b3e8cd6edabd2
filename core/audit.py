"""Writing the audit log.

Services call `record()` inside their own transaction, so the change and its audit row commit or
roll back together. The address of the current request is carried in a context variable set by
`AuditContextMiddleware` (through `core.security.client_address`, the one reading of the client's
address, so the audit log and the lockout agree behind a reverse proxy), so services need not be
handed the request.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
from collections.abc import Iterable
from typing import Any

from django.db import models

from .models import AuditEvent
from .security import client_address

_current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("gongzhi_audit_ip", default=None)

# Values of these fields never enter the audit log; only the fact that they changed does.
SECRET_FIELDS = {"phone", "id_number", "address", "password"}


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_ip.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            _current_ip.reset(token)


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time, decimal.Decimal)):
        return str(value)
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Field values of `instance` in a form that can be compared and stored as JSON."""
    return {name: _plain(getattr(instance, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """`{field: [old, new]}` for every field that changed; secret fields show only that they changed."""
    changes: dict[str, list[Any]] = {}
    for name, new in after.items():
        old = before.get(name)
        if old != new:
            changes[name] = ["***", "***"] if name in SECRET_FIELDS else [old, new]
    return changes


def record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    target_label: str = "",
    changes: dict | None = None,
    reason: str = "",
    outcome: str = "success",
) -> AuditEvent:
    """Append one audit row for `actor` doing `action` to `target`."""
    if target is not None:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
        target_label = str(target)[:200]
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_label=(actor.get_username() if is_user else "")[:150],
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:200],
        changes=changes or {},
        reason=reason,
        ip_address=_current_ip.get(),
        outcome=outcome,
    )
