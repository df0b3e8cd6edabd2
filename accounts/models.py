"""Users, their role, and where they stand in the region tree and the organisations."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from core.pii import EncryptedTextField
from core.roles import REGION_STAFF_ROLES, Role


class User(AbstractUser):
    role = models.CharField("角色", max_length=24, choices=Role.choices, default=Role.RESIDENT)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属区域", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name="所属组织", null=True, blank=True, on_delete=models.PROTECT,
        related_name="users",
    )
    person = models.OneToOneField(
        "organisations.Person", verbose_name="对应人员", null=True, blank=True, on_delete=models.PROTECT,
        related_name="user",
    )
    must_change_password = models.BooleanField("首次登录须修改密码", default=False)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_region_staff(self) -> bool:
        return self.role in REGION_STAFF_ROLES


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"


class LoginFailure(models.Model):
    """One failed sign-in (wrong password or wrong one-time code), counted by the lockout.

    Failures are kept, not deleted: a successful sign-in marks the account's failures cleared, and
    the lockout only counts recent, uncleared rows (see `accounts.lockout`).
    """

    username = models.CharField("用户名", max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField("来源地址", null=True, blank=True, db_index=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    cleared_at = models.DateTimeField("清除时间", null=True, blank=True)

    class Meta:
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败记录"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.username} {self.ip_address or ''}".strip()


class TotpDevice(models.Model):
    """A time-based one-time password (TOTP, RFC 6238) authenticator bound to a user.

    The shared secret is encrypted at rest like personal data. A device is pending until its holder
    proves it with a first code (`confirmed_at`); it is never deleted: turning it off or resetting it
    sets `disabled_at`, and enrolling again creates a new row.
    """

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.PROTECT, related_name="totp_devices")
    secret = EncryptedTextField("密钥")
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    confirmed_at = models.DateTimeField("启用时间", null=True, blank=True)
    disabled_at = models.DateTimeField("停用时间", null=True, blank=True)
    # The last 30-second time step whose code was accepted: a code is never accepted twice.
    last_used_step = models.BigIntegerField("最近使用的时间步", default=0)

    class Meta:
        verbose_name = "动态口令设备"
        verbose_name_plural = "动态口令设备"
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(disabled_at__isnull=True), name="one_live_totp_device_per_user"
            ),
        ]

    def __str__(self) -> str:
        state = "已停用" if self.disabled_at else ("已启用" if self.confirmed_at else "待绑定")
        return f"{self.user} · {state}"
