"""Staff notifications (the in-app inbox), text messages to reporters, and the event cursor.

Every row carries a unique `dedupe_key` naming what it is about (an event and a recipient, a deadline
and an assignment …), so every sender may run again, or twice at once, without sending anything twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .sms import SmsStatus


class Notification(models.Model):
    """One message in a staff member's inbox."""

    class Kind(models.TextChoices):
        DISPATCHED = "dispatched", "派遣待报到"
        SUMMONED = "summoned", "吹哨召集"
        RETURNED = "returned", "承办单位退回"
        REPLIED = "replied", "承办单位答复"
        EXTENSION_REQUESTED = "extension_requested", "延期申请"
        EXTENSION_DECIDED = "extension_decided", "延期审批结果"
        REWORK = "rework", "返工"
        OWNER_TRANSFERRED = "owner_transferred", "首问责任移交"
        REPORT_IN_SOON = "report_in_soon", "报到期限临近"
        FINISH_SOON = "finish_soon", "办结期限临近"
        OVERDUE = "overdue", "超期未办结"
        SUMMONS_OVERDUE = "summons_overdue", "吹哨超时未报到"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.PROTECT, related_name="notifications"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name="相关事项", null=True, blank=True, on_delete=models.PROTECT,
        related_name="notifications",
    )
    kind = models.CharField("类型", max_length=24, choices=Kind.choices)
    message = models.TextField("内容")
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    dedupe_key = models.CharField("去重键", max_length=200, unique=True, editable=False)

    class Meta:
        verbose_name = "消息通知"
        verbose_name_plural = "消息通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_recipient_read"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_new"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.get_kind_display()}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class SmsMessage(models.Model):
    """A text message to a case's reporter: queued once (by its dedupe key), sent once.

    The phone number is not copied here: it is read from the reporter's record when the message is
    sent, and only its masked form is kept for the log.
    """

    case = models.ForeignKey(
        "cases.Case", verbose_name="相关事项", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reporter = models.ForeignKey(
        "cases.CaseReporter", verbose_name="反映人", on_delete=models.PROTECT, related_name="+"
    )
    notice = models.ForeignKey(
        "cases.ReporterNotice", verbose_name="告知记录", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    phone_masked = models.CharField("手机号（脱敏）", max_length=20)
    text = models.TextField("内容")
    dedupe_key = models.CharField("去重键", max_length=200, unique=True, editable=False)
    created_at = models.DateTimeField("生成时间", default=timezone.now)
    claimed_at = models.DateTimeField("发送开始时间", null=True, blank=True)
    # Only a gateway that accepted the message sets `sent_at`; the logging backend leaves it empty.
    status = models.CharField("状态", max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    status_at = models.DateTimeField("状态时间", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    last_error = models.CharField("最近一次错误", max_length=500, blank=True)

    class Meta:
        verbose_name = "短信"
        verbose_name_plural = "短信"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "attempts"], name="sms_pending_status")]

    def __str__(self) -> str:
        return f"{self.phone_masked} · {self.text[:20]}"


class EventCursor(models.Model):
    """How far a reader of the case event log has got: every event up to `last_event_id` is done."""

    name = models.CharField("名称", max_length=50, unique=True)
    last_event_id = models.BigIntegerField("已处理到的事项记录", default=0)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "事项记录游标"
        verbose_name_plural = "事项记录游标"

    def __str__(self) -> str:
        return f"{self.name} → {self.last_event_id}"
