"""Reads on accounts: a user's API tokens, who may read the audit log, and the audit log narrowed by its filters."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.models import AuditEvent

from .models import ApiToken, Role, User


def can_read_audit_log(user) -> bool:
    """The audit log is read and exported by auditors and superusers only."""
    return bool(user.is_authenticated and (user.is_superuser or user.role == Role.AUDITOR))


def api_tokens_of(user: User) -> list[ApiToken]:
    """The user's API tokens of the last 90 days, newest first, each with its `state` for the page."""
    now = timezone.now()
    tokens = list(
        ApiToken.objects.filter(user=user, created_at__gte=now - dt.timedelta(days=90)).order_by("-created_at", "-pk")
    )
    for token in tokens:
        token.state = "已撤销" if token.revoked_at else ("已过期" if token.expires_at <= now else "有效")
        token.live = token.state == "有效"
    return tokens


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_events_filtered(
    *, action: str = "", user: str = "", outcome: str = "", date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit rows, newest first, narrowed by action, user (part of a username), outcome and dates.

    Dates are local (Asia/Shanghai) calendar days, both ends included.
    """
    events = AuditEvent.objects.all()
    if action:
        events = events.filter(action=action)
    if user:
        # Failed sign-ins have no acting user: the username they tried is their target.
        events = events.filter(
            Q(actor_label__icontains=user) | Q(target_type="accounts.user", target_label__icontains=user)
        )
    if outcome:
        events = events.filter(outcome=outcome)
    if date_from:
        events = events.filter(created_at__gte=_day_start(date_from))
    if date_to:
        events = events.filter(created_at__lt=_day_start(date_to + dt.timedelta(days=1)))
    return events.order_by("-created_at", "-id")
