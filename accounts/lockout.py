"""Sign-in lockout: after too many failures an account, and separately a client address, is locked.

The rule: `LOGIN_FAILURE_LIMIT` (5) failed sign-ins within `LOGIN_LOCKOUT_MINUTES` (10) lock the account
for `LOGIN_LOCKOUT_MINUTES`, counted from the failure that reached the limit; the same holds for the client
address (`LOGIN_ADDRESS_FAILURE_LIMIT`). While locked, no password is checked and no further failure is
counted, so the lock ends on time; after it the account has the full number of attempts again, which
bounds guessing to five tries per ten minutes. A successful sign-in clears the account's failures (not the
address's). Failures are rows of `LoginFailure` in the database, so every app server sees the same count.

Every sign-in path goes through here: the console login (`LoginForm`), the one-time-code step, the
admin site (it is sent to the console login), the API token endpoint, and any other caller of
`django.contrib.auth.authenticate`, through `accounts.backends.LockoutModelBackend`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import audit
from core.models import AuditEvent
from core.security import client_address

from .models import LoginFailure

LOCKED_MESSAGE_TEMPLATE = "登录失败次数过多，请 {minutes} 分钟后再试。"


def locked_message() -> str:
    """The Chinese message shown to a locked-out user."""
    return LOCKED_MESSAGE_TEMPLATE.format(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def normalise_username(username: str | None) -> str:
    """Usernames are counted case-insensitively, so `Admin` and `admin` share one counter."""
    return (username or "").strip().lower()[:150]


@dataclass(frozen=True)
class Lockout:
    """Whether sign-in is locked for a username and address, why, and until when."""

    locked: bool
    scope: str = ""  # "account" or "address"
    until: dt.datetime | None = None


NOT_LOCKED = Lockout(locked=False)


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _lock_until(failures: list[dt.datetime], limit: int, now: dt.datetime) -> dt.datetime | None:
    """When the lock described by the newest `limit` failure times ends, or None when there is no lock."""
    if limit <= 0 or len(failures) < limit:
        return None
    newest, oldest = failures[0], failures[limit - 1]
    if newest - oldest > _window():
        return None  # the last `limit` failures are spread wider than the window: no burst
    until = newest + _window()
    return until if until > now else None


def _recent(**lookup) -> list[dt.datetime]:
    now = timezone.now()
    return list(
        LoginFailure.objects.filter(cleared_at__isnull=True, created_at__gt=now - 2 * _window(), **lookup)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)[: max(settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_ADDRESS_FAILURE_LIMIT)]
    )


def lockout_status(*, username: str | None, ip_address: str | None) -> Lockout:
    """Whether a sign-in as `username` from `ip_address` must be refused without checking the password."""
    now = timezone.now()
    name = normalise_username(username)
    if name:
        until = _lock_until(_recent(username=name), settings.LOGIN_FAILURE_LIMIT, now)
        if until is not None:
            return Lockout(locked=True, scope="account", until=until)
    if ip_address:
        until = _lock_until(_recent(ip_address=ip_address), settings.LOGIN_ADDRESS_FAILURE_LIMIT, now)
        if until is not None:
            return Lockout(locked=True, scope="address", until=until)
    return NOT_LOCKED


def lockout_status_for_request(request, username: str | None) -> Lockout:
    """`lockout_status` for the client of `request` (None when there is no request)."""
    return lockout_status(username=username, ip_address=client_address(request) if request is not None else None)


SCOPE_LABELS = {"account": "账号", "address": "来源地址"}


@transaction.atomic
def failure_record(*, username: str | None, ip_address: str | None, reason: str = "") -> Lockout:
    """Count one failed sign-in; when it reaches a limit, write the lockout to the audit log.

    A failure while already locked is not counted (the caller should have refused it before checking
    the password); it is written to the audit log as a refused attempt.
    """
    name = normalise_username(username)
    before = lockout_status(username=name, ip_address=ip_address)
    if before.locked:
        attempt_refused(username=name, ip_address=ip_address, lockout=before)
        return before
    LoginFailure.objects.create(username=name, ip_address=ip_address or None)
    after = lockout_status(username=name, ip_address=ip_address)
    if after.locked:
        audit.record(
            actor=None, action=AuditEvent.Action.DENIED, target_type="accounts.user", target_label=name,
            outcome="locked_out",
            reason=(
                f"连续登录失败，{SCOPE_LABELS[after.scope]}锁定 {settings.LOGIN_LOCKOUT_MINUTES} 分钟"
                f"（至 {timezone.localtime(after.until):%Y-%m-%d %H:%M:%S}）"
                + (f"；{reason}" if reason else "")
            ),
            changes={"scope": after.scope, "ip_address": ip_address or ""},
        )
    return after


def attempt_refused(*, username: str | None, ip_address: str | None, lockout: Lockout) -> None:
    """Write a sign-in attempt refused because of a lockout to the audit log."""
    audit.record(
        actor=None, action=AuditEvent.Action.LOGIN_FAILED, target_type="accounts.user",
        target_label=normalise_username(username), outcome="locked",
        reason=f"{SCOPE_LABELS.get(lockout.scope, '')}已锁定，未校验密码",
        changes={"scope": lockout.scope, "ip_address": ip_address or ""},
    )


def failures_clear(*, username: str) -> int:
    """After a successful sign-in: the account's failures no longer count. Returns how many were cleared."""
    return LoginFailure.objects.filter(username=normalise_username(username), cleared_at__isnull=True).update(
        cleared_at=timezone.now()
    )


@transaction.atomic
def lockout_lift(*, actor, username: str = "", ip_address: str = "") -> int:
    """An administrator lifts a lockout of an account or an address before it ends; audited."""
    failures = LoginFailure.objects.filter(cleared_at__isnull=True)
    if username:
        failures = failures.filter(username=normalise_username(username))
    elif ip_address:
        failures = failures.filter(ip_address=ip_address)
    else:
        return 0
    count = failures.update(cleared_at=timezone.now())
    audit.record(
        actor=actor, action=AuditEvent.Action.UPDATE, target_type="accounts.loginfailure",
        target_label=normalise_username(username) or ip_address, reason="解除登录锁定",
        changes={"cleared": count},
    )
    return count
