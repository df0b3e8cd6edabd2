"""The second factor: time-based one-time passwords (TOTP, RFC 6238) from an authenticator app.

Enrolment shows the secret as text and as an `otpauth://` URI (typed or pasted into the app; no QR
image and no outside service). The device becomes live once its first code is accepted. At sign-in a
user with a live device gives a code after the password. A code is accepted within one 30-second step
either side of now, and never twice (`last_used_step`).

County administrators (superusers, admin-site staff and county staff) must have a device when
`settings.REQUIRE_TOTP_FOR_COUNTY` is on.
"""

from __future__ import annotations

import hmac
import re

import pyotp
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import audit
from core.models import AuditEvent

from .models import Role, TotpDevice, User

DIGITS = 6
INTERVAL = 30
# Steps either side of now whose code is still accepted: covers clocks a little out and slow typing.
VALID_WINDOW = 1


def totp_required(user: User) -> bool:
    """Whether `user` must use a one-time code to sign in (county administrators, when configured)."""
    if not settings.REQUIRE_TOTP_FOR_COUNTY or not user.is_authenticated:
        return False
    return bool(user.is_superuser or user.is_staff or user.role == Role.COUNTY_STAFF)


def live_device(user: User) -> TotpDevice | None:
    """The user's device in use (confirmed and not disabled), or None."""
    if not user.pk:
        return None
    return TotpDevice.objects.filter(user=user, disabled_at__isnull=True, confirmed_at__isnull=False).first()


def has_live_device(user: User) -> bool:
    return live_device(user) is not None


def provisioning_uri(device: TotpDevice) -> str:
    """The `otpauth://totp/…` URI an authenticator app accepts."""
    return _totp(device).provisioning_uri(name=device.user.get_username(), issuer_name=settings.TOTP_ISSUER)


def grouped_secret(device: TotpDevice) -> str:
    """The secret in groups of four characters, easier to type by hand."""
    return " ".join(device.secret[i:i + 4] for i in range(0, len(device.secret), 4))


def _totp(device: TotpDevice) -> pyotp.TOTP:
    return pyotp.TOTP(device.secret, digits=DIGITS, interval=INTERVAL)


def _clean(code: str) -> str:
    return re.sub(r"\s+", "", code or "")


def _matching_step(device: TotpDevice, code: str) -> int | None:
    """The time step within the window whose code equals `code` and is newer than the last used one."""
    code = _clean(code)
    if not re.fullmatch(rf"\d{{{DIGITS}}}", code):
        return None
    totp = _totp(device)
    now_step = totp.timecode(timezone.now())
    for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
        if step > device.last_used_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _use(device: TotpDevice, code: str) -> bool:
    """Accept `code` once: mark its step used, so a replay of it (even concurrent) is refused."""
    step = _matching_step(device, code)
    if step is None:
        return False
    claimed = TotpDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(last_used_step=step)
    if claimed:
        device.last_used_step = step
    return bool(claimed)


@transaction.atomic
def enrolment_start(*, user: User) -> TotpDevice:
    """The user's pending device, created with a fresh secret if there is none; a live device is kept."""
    device = TotpDevice.objects.select_for_update().filter(user=user, disabled_at__isnull=True).first()
    if device is None:
        device = TotpDevice.objects.create(user=user, secret=pyotp.random_base32(length=32))
    return device


@transaction.atomic
def enrolment_confirm(*, user: User, code: str) -> bool:
    """Turn the pending device on when `code` is right; audited. False when the code is wrong."""
    device = TotpDevice.objects.select_for_update().filter(
        user=user, disabled_at__isnull=True, confirmed_at__isnull=True
    ).first()
    if device is None or not _use(device, code):
        return False
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at"])
    audit.record(actor=user, action=AuditEvent.Action.UPDATE, target=user, changes={"totp": ["未启用", "已启用"]})
    return True


def verify(*, user: User, code: str) -> bool:
    """Whether `code` is a fresh, right code of the user's live device (it is then used up)."""
    device = live_device(user)
    return device is not None and _use(device, code)


@transaction.atomic
def device_disable(*, actor: User, user: User, reason: str) -> bool:
    """Turn the user's device off (the user, or an administrator resetting a lost one); audited."""
    updated = TotpDevice.objects.filter(user=user, disabled_at__isnull=True).update(disabled_at=timezone.now())
    if updated:
        audit.record(
            actor=actor, action=AuditEvent.Action.UPDATE, target=user, changes={"totp": ["已启用", "已停用"]},
            reason=reason,
        )
    return bool(updated)
