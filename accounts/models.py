"""Users, their role, and where they stand in the region tree and the organisations."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    COUNTY_STAFF = "county_staff", "县级工作人员"
    STREET_STAFF = "street_staff", "街道工作人员"
    COMMUNITY_STAFF = "community_staff", "社区工作人员"
    GRID_WORKER = "grid_worker", "网格员"
    DEPARTMENT_HANDLER = "department_handler", "部门经办人"
    PARTY_MEMBER = "party_member", "党员"
    RESIDENT = "resident", "居民"


# Roles whose scope is the subtree of the region they are attached to.
REGION_STAFF_ROLES = (Role.COUNTY_STAFF, Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_WORKER)


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
