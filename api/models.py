"""Webhooks: subscribers that want to hear of case events, and one row per delivery to each of them.

Delivery rows are written from the case event log, behind a cursor, and sent by
`python manage.py deliver_webhooks`, so no request ever waits for a subscriber and no committed event
is lost when a process dies. See `api.webhooks`.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Max
from django.utils import timezone

from cases.models import CaseEvent
from core.pii import EncryptedTextField


def validate_event_names(value) -> None:
    """`events` is a list of case action names (see `cases.workflow.ACTION_LABELS`)."""
    from cases.workflow import ACTION_LABELS

    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("事件须为动作名称的列表")
    unknown = sorted(set(value) - set(ACTION_LABELS))
    if unknown:
        raise ValidationError(f"未知的事项动作：{'、'.join(unknown)}")


class WebhookSubscription(models.Model):
    """A system that receives signed POSTs of case events (a 12345 hotline, a grid app, a big screen)."""

    name = models.CharField("名称", max_length=100, unique=True)
    url = models.URLField(
        "推送地址", max_length=500, validators=[URLValidator(schemes=["http", "https"])],
        help_text="接收推送的 http(s) 地址",
    )
    secret = EncryptedTextField("签名密钥", help_text="用于 HMAC-SHA256 签名；留空则自动生成")
    events = models.JSONField(
        "推送的动作", default=list, blank=True, validators=[validate_event_names],
        help_text="事项动作名称（如 submit、dispatch、close）；为空则推送全部动作",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="区域", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="只推送该区域及其下级的事项；为空则推送全部事项",
    )
    active = models.BooleanField("启用", default=True)
    # Where the subscription starts in the event log: it hears of the events after this one only.
    after_event_id = models.BigIntegerField(
        "推送起点", null=True, blank=True, editable=False, help_text="只推送编号大于此值的事项记录（创建时的日志末尾）"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "推送订阅"
        verbose_name_plural = "推送订阅"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # A new subscription starts at the current end of the log: the history before it is not news.
        if self.after_event_id is None:
            self.after_event_id = CaseEvent.objects.aggregate(last=Max("pk"))["last"] or 0
        super().save(*args, **kwargs)

    def wants(self, action: str, region_code: str) -> bool:
        """Whether a move `action` of a case placed at `region_code` goes to this subscriber."""
        if self.events and action not in self.events:
            return False
        return self.region is None or region_code.startswith(self.region.code)


class WebhookDelivery(models.Model):
    """One event for one subscriber: its body, and how sending it went so far.

    Pending while `delivered_at` is empty and `next_attempt_at` is set; delivered once a 2xx came back;
    given up (`next_attempt_at` emptied) after the last allowed attempt failed.
    """

    subscription = models.ForeignKey(
        WebhookSubscription, verbose_name="订阅", on_delete=models.PROTECT, related_name="deliveries"
    )
    # The event of the log this delivery tells of (empty on rows written before deliveries came from the log).
    case_event = models.ForeignKey(
        CaseEvent, verbose_name="事项记录", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,  # the unique constraint below leads with it
    )
    event_id = models.UUIDField("事件编号", default=uuid.uuid4, help_text="同一事件推送给各订阅方时编号相同")
    event = models.CharField("事件", max_length=40)
    payload = models.JSONField("内容")
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    last_status = models.PositiveSmallIntegerField("最近响应码", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "推送记录"
        verbose_name_plural = "推送记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="webhookdelivery_unique_event"),
            # One row per event and subscriber: reading the log again never writes a second one.
            models.UniqueConstraint(fields=["case_event", "subscription"], name="webhookdelivery_unique_case_event"),
        ]
        indexes = [models.Index(fields=["delivered_at", "next_attempt_at"], name="webhookdelivery_due")]

    def __str__(self) -> str:
        return f"{self.subscription} · {self.event} · {self.event_id}"

    @property
    def state(self) -> str:
        if self.delivered_at is not None:
            return "delivered"
        return "pending" if self.next_attempt_at is not None else "failed"
