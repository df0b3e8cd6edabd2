"""Writes on accounts: issuing accounts and API tokens, recording password changes and sign-ins."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from core import audit
from core.models import AuditEvent
from core.security import client_address
from core.services import record_save

from . import lockout, totp
from .models import ApiToken, User


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class TokenRefused(Exception):
    """The API token endpoint refuses the credentials; `code` and `message` go into the error response."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def api_token_issue(*, request: HttpRequest | None = None, username: str, password: str, otp: str = "") -> str:
    """A new bearer token for valid credentials; raises `TokenRefused` otherwise. Only a hash is stored.

    The endpoint is a sign-in like the console's: the lockout applies (429 while locked), and a user with a
    one-time-code device, or one who must have one, needs a fresh code as well.
    """
    user = authenticate(request, username=username, password=password)
    if user is None:
        if request is not None and getattr(request, "sign_in_lockout", None) is not None:
            raise TokenRefused(429, "locked_out", lockout.locked_message())
        raise TokenRefused(401, "invalid_credentials", "用户名或密码不正确")
    if not user.is_active:
        raise TokenRefused(401, "invalid_credentials", "用户名或密码不正确")
    if totp.has_live_device(user):
        if not otp.strip():
            raise TokenRefused(401, "otp_required", "该账号已启用动态口令，请同时提供动态口令（otp）")
        if not totp.verify(user=user, code=otp):
            failure = lockout.failure_record(
                username=username, ip_address=client_address(request) if request is not None else None,
                reason="动态口令错误",
            )
            audit.record(actor=None, action=AuditEvent.Action.LOGIN_FAILED, target_type="accounts.user",
                         target_label=username[:150], outcome="failure", reason="动态口令错误")
            if failure.locked:
                raise TokenRefused(429, "locked_out", lockout.locked_message())
            raise TokenRefused(401, "invalid_otp", "动态口令不正确或已使用")
    elif totp.totp_required(user):
        raise TokenRefused(403, "otp_enrolment_required", "该账号须先在网页端绑定动态口令")
    return _token_create(user)


@transaction.atomic
def _token_create(user: User) -> str:
    lockout.failures_clear(username=user.get_username())
    raw = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        key_hash=token_hash(raw),
        expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    audit.record(actor=user, action=AuditEvent.Action.LOGIN, target=user, reason="api token")
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


def api_tokens_live(*, user: User):
    """The user's API tokens that still open the API, newest first."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()).order_by(
        "-created_at", "-pk"
    )


@transaction.atomic
def api_tokens_revoke(*, user: User, actor: User | None, reason: str, key_hash: str | None = None,
                      token_id: int | None = None) -> int:
    """Revoke the user's live API tokens, or only the one named by its hash or id; returns how many.

    Every request looks its token up in the database, so a revoked token answers 401 at once in every process.
    """
    live = api_tokens_live(user=user)
    if key_hash is not None:
        live = live.filter(key_hash=key_hash)
    if token_id is not None:
        live = live.filter(pk=token_id)
    revoked = live.update(revoked_at=timezone.now())
    if revoked:
        audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=user,
                     changes={"api_tokens_revoked": [0, revoked]}, reason=reason)
    return revoked


@transaction.atomic
def user_password_changed(*, user: User) -> None:
    """Clears the first-login flag, revokes the user's API tokens and records the change.

    A password change is what someone does who fears the account was taken: no token minted before it
    may outlive it.
    """
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    audit.record(actor=user, action=AuditEvent.Action.UPDATE, target=user, changes={"password": ["***", "***"]})
    api_tokens_revoke(user=user, actor=user, reason="修改密码")


@transaction.atomic
def user_issue(*, actor: User | None, user: User) -> User:
    """Save a new account issued by an administrator: its holder must change the password at first sign-in."""
    user.must_change_password = True
    user.save()
    changes = audit.diff({}, audit.snapshot(user, USER_ADMIN_FIELDS))
    audit.record(
        actor=actor, action=AuditEvent.Action.CREATE, target=user, changes={**changes, "password": ["***", "***"]},
    )
    return user


@transaction.atomic
def user_password_reset(*, actor: User | None, user: User) -> None:
    """After an administrator set someone's password: the holder must change it at the next sign-in, and the
    tokens minted under the old password stop working."""
    if actor is not None and actor.pk == user.pk:
        audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=user, changes={"password": ["***", "***"]})
        api_tokens_revoke(user=user, actor=actor, reason="修改密码")
        return
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    audit.record(
        actor=actor, action=AuditEvent.Action.UPDATE, target=user,
        changes={"password": ["***", "***"], "must_change_password": [False, True]}, reason="管理员重置密码",
    )
    api_tokens_revoke(user=user, actor=actor, reason="管理员重置密码")


# What an administrator may change on an account, as the audit row shows it (never the password hash,
# which has its own service, nor the sign-in times the system keeps).
USER_ADMIN_FIELDS = [
    "username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser",
    "role", "region", "organisation", "person", "must_change_password",
]


@transaction.atomic
def user_admin_update(*, actor: User | None, user: User) -> dict[str, list]:
    """Save the changes an administrator made to an account (role, region, organisation, superuser …),
    validated, with an audit row of each change; returns the changes."""
    return record_save(user, actor=actor, fields=USER_ADMIN_FIELDS, reason="管理员修改账号")


def _access_of(user: User) -> dict[str, list[str]]:
    return {
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "user_permissions": sorted(
            f"{app}.{codename}" for app, codename in
            user.user_permissions.values_list("content_type__app_label", "codename")
        ),
    }


@transaction.atomic
def user_access_update(*, actor: User | None, user: User, apply: Callable[[], None]) -> dict[str, list]:
    """Change an account's groups and permissions with `apply` (the admin form's many-to-many save) and
    audit the difference; returns it."""
    before = _access_of(user)
    apply()
    changes = audit.diff(before, _access_of(user))
    if changes:
        audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=user, changes=changes,
                     reason="管理员修改账号权限")
    return changes


@receiver(user_logged_in)
def _record_login(sender, request, user, **kwargs):
    lockout.failures_clear(username=user.get_username())
    audit.record(actor=user, action=AuditEvent.Action.LOGIN, target=user)


@receiver(user_logged_out)
def _revoke_tokens_at_logout(sender, request, user, **kwargs):
    # Signing out ends every way in that the account opened, the API's tokens included.
    if user is not None and user.is_authenticated:
        api_tokens_revoke(user=user, actor=user, reason="退出登录")


@receiver(user_login_failed)
def _record_login_failure(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    ip_address = client_address(request) if request is not None else None
    locked = getattr(request, "sign_in_lockout", None) if request is not None else None
    if locked is not None:
        lockout.attempt_refused(username=username, ip_address=ip_address, lockout=locked)
        return
    audit.record(
        actor=None,
        action=AuditEvent.Action.LOGIN_FAILED,
        target_type="accounts.user",
        target_label=username,
        outcome="failure",
    )
    lockout.failure_record(username=username, ip_address=ip_address)
