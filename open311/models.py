"""Open311 GeoReport v2: client API keys, per-service attribute definitions, and what a client sent.

A service request created through Open311 is an ordinary `cases.Case`; `Open311Request` keeps beside it
what the standard carries and a case does not (the client's token, account and device ids, e-mail,
media URL, attribute answers) and which API key sent it.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.utils import timezone

from core.models import ArchivableModel
from core.pii import EncryptedTextField

# The attribute every service definition starts with: the community the request lies in.
COMMUNITY_ATTRIBUTE = "community"
ATTRIBUTE_CODE_PATTERN = r"^[A-Za-z0-9_-]{1,40}$"
OPTION_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


class ApiKey(models.Model):
    """A key an Open311 client application sends as `api_key` to create requests; only its hash is kept."""

    name = models.CharField("名称", max_length=100, help_text="使用该密钥的系统或单位")
    key_hash = models.CharField("密钥摘要", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "Open311 密钥"
        verbose_name_plural = "Open311 密钥"
        ordering = ["name", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(revoked_at__isnull=True), name="open311_apikey_unique_live_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（已吊销）" if self.revoked_at else self.name

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


class ServiceAttribute(ArchivableModel):
    """One extra question of a service (GeoReport v2 service definition), asked for a category and the
    categories under it."""

    class Datatype(models.TextChoices):
        STRING = "string", "单行文字"
        NUMBER = "number", "数字"
        DATETIME = "datetime", "日期时间"
        TEXT = "text", "多行文字"
        SINGLEVALUELIST = "singlevaluelist", "单选"
        MULTIVALUELIST = "multivaluelist", "多选"

    LIST_TYPES = (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST)

    category = models.ForeignKey(
        "categories.Category", verbose_name="问题分类", on_delete=models.PROTECT, related_name="open311_attributes",
        help_text="本分类及其下级分类的服务都会询问此项",
    )
    code = models.CharField(
        "代码", max_length=40,
        validators=[RegexValidator(ATTRIBUTE_CODE_PATTERN, "代码只能由字母、数字、下划线和连字符组成")],
        help_text="客户端以 attribute[代码] 提交",
    )
    variable = models.BooleanField("需要填写", default=True, help_text="不勾选：仅向居民展示说明，不收集输入")
    datatype = models.CharField("类型", max_length=16, choices=Datatype.choices, default=Datatype.STRING)
    required = models.BooleanField("必填", default=False)
    description = models.CharField("问题", max_length=300, help_text="向居民展示的问题或说明")
    datatype_description = models.CharField("填写提示", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=1)
    options = models.TextField(
        "选项", blank=True, help_text="单选、多选的选项，每行一个，格式为“键|名称”，如 “night|夜间”",
    )

    class Meta:
        verbose_name = "Open311 服务属性"
        verbose_name_plural = "Open311 服务属性"
        ordering = ["category__code", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "code"], condition=models.Q(archived_at__isnull=True),
                name="open311_attribute_unique_live_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.code}"

    def values(self) -> list[tuple[str, str]]:
        """The options as (key, name) pairs, in the order written."""
        pairs = []
        for line in (self.options or "").splitlines():
            line = line.strip()
            if not line:
                continue
            key, _, name = line.partition("|")
            pairs.append((key.strip(), (name or key).strip()))
        return pairs

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.code == COMMUNITY_ATTRIBUTE:
            errors["code"] = f"“{COMMUNITY_ATTRIBUTE}”是每个服务都有的所在社区属性，请换一个代码"
        pairs = self.values()
        if self.datatype in self.LIST_TYPES:
            keys = [key for key, _ in pairs]
            if not pairs:
                errors["options"] = "单选、多选属性至少需要一个选项"
            elif len(set(keys)) != len(keys):
                errors["options"] = "选项的键不能重复"
            elif not all(OPTION_KEY_PATTERN.match(key) for key in keys):
                errors["options"] = "选项的键只能由字母、数字、下划线、连字符和点组成，最长 40 个字符"
        elif pairs:
            errors["options"] = "只有单选、多选属性需要选项"
        if errors:
            raise ValidationError(errors)


class Open311Request(models.Model):
    """What an Open311 client sent with a service request, beside the case it became."""

    case = models.OneToOneField(
        "cases.Case", verbose_name="事项", on_delete=models.PROTECT, related_name="open311", editable=False
    )
    api_key = models.ForeignKey(ApiKey, verbose_name="密钥", on_delete=models.PROTECT, related_name="requests")
    jurisdiction_id = models.CharField("辖区", max_length=100)
    token = models.CharField(
        "客户端令牌", max_length=40, null=True, blank=True,
        help_text="客户端以 Idempotency-Key 请求头提供；可用 tokens/{token} 换取 service_request_id",
    )
    account_id = models.CharField("客户端账号", max_length=100, blank=True)
    device_id = models.CharField("设备编号", max_length=100, blank=True)
    email = EncryptedTextField("电子邮箱", blank=True)
    media_url = models.URLField(
        "媒体地址", max_length=500, blank=True, validators=[URLValidator(schemes=["http", "https"])]
    )
    attributes = models.JSONField("属性", default=dict, blank=True)
    created_at = models.DateTimeField("提交时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "Open311 请求"
        verbose_name_plural = "Open311 请求"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "token"], condition=models.Q(token__isnull=False),
                name="open311_request_unique_token",
            ),
        ]
        indexes = [models.Index(fields=["token"], name="open311_request_token")]

    def __str__(self) -> str:
        return f"Open311 {self.case_id}"
