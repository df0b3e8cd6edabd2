"""Writes on accounts: issuing API tokens and recording password changes and sign-ins."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from core import audit

from .models import ApiToken, User


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_issue(*, username: str, password: str) -> str | None:
    """A new bearer token for valid credentials, or None. Only the token's hash is stored."""
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        return None
    raw = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        key_hash=token_hash(raw),
        expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    audit.record(actor=user, action=audit.AuditEvent.Action.LOGIN, target=user, reason="api token")
    return raw


def api_token_user(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None when it is unknown, expired or revoked."""
    token = (
        ApiToken.objects.select_related("user", "user__region", "user__organisation")
        .filter(key_hash=token_hash(raw), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token.user


@transaction.atomic
def user_password_changed(*, user: User) -> None:
    """Clears the first-login flag and records the change."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    audit.record(actor=user, action=audit.AuditEvent.Action.UPDATE, target=user, changes={"password": ["***", "***"]})


@receiver(user_logged_in)
def _record_login(sender, request, user, **kwargs):
    audit.record(actor=user, action=audit.AuditEvent.Action.LOGIN, target=user)


@receiver(user_login_failed)
def _record_login_failure(sender, credentials, request=None, **kwargs):
    audit.record(
        actor=None,
        action=audit.AuditEvent.Action.LOGIN_FAILED,
        target_type="accounts.user",
        target_label=str(credentials.get("username", ""))[:150],
        outcome="failure",
    )
