"""A plan put to residents (征求意见), their comments, and the outcome decided for each opinion."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import ArchivableModel
from core.pii import EncryptedTextField
from meetings.models import Meeting
from regions.models import Facility, Region

from .workflow import Status


def photo_path(instance: Consultation, filename: str) -> str:
    # The stored name never comes from the uploader: a random name with the extension of the real type.
    return f"consultations/{timezone.now():%Y/%m}/{filename}"


class Consultation(ArchivableModel):
    """A plan (a facility's layout, a square's redesign …) open for residents' comments for a period."""

    region = models.ForeignKey(Region, verbose_name="社区", on_delete=models.PROTECT, related_name="consultations")
    facility = models.ForeignKey(
        Facility, verbose_name="相关阵地", null=True, blank=True, on_delete=models.PROTECT,
        related_name="consultations",
    )
    title = models.CharField("征求意见事项", max_length=150)
    plan = models.TextField("方案内容")
    photo = models.FileField("方案图", upload_to=photo_path, blank=True,
                             help_text="平面图或效果图（JPEG、PNG 或 WebP），重新编码后保存，不含拍摄位置等信息")
    photo_type = models.CharField("方案图类型", max_length=32, blank=True)
    opens_on = models.DateField("开始日期")
    closes_on = models.DateField("截止日期")
    short_reason = models.TextField("缩短征求期的理由", blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField("版本", default=1)
    review_meeting = models.ForeignKey(
        Meeting, verbose_name="评审会议", null=True, blank=True, on_delete=models.PROTECT,
        related_name="consultations",
    )
    outcome = models.TextField("结果说明", blank=True)
    opened_at = models.DateTimeField("开始时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    published_at = models.DateTimeField("公布时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    # A retry of the same request (the same key) gives back this consultation instead of a second one.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = "征求意见"
        verbose_name_plural = "征求意见"
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_on__gt=models.F("opens_on")),
                                   name="consultation_closes_after_it_opens"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def period_days(self) -> int:
        return (self.closes_on - self.opens_on).days


class Opinion(models.Model):
    """The outcome of one opinion: one comment, or several saying the same thing, adopted or rejected
    with the reason residents read once the outcome is published."""

    class Outcome(models.TextChoices):
        ADOPTED = "adopted", "采纳"
        REJECTED = "rejected", "不予采纳"

    consultation = models.ForeignKey(Consultation, verbose_name="征求意见", on_delete=models.PROTECT,
                                     related_name="opinions")
    summary = models.CharField("意见归纳", max_length=200, blank=True)
    outcome = models.CharField("处理结果", max_length=10, choices=Outcome.choices)
    reason = models.TextField("理由")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="处理人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", default=timezone.now)

    class Meta:
        verbose_name = "意见处理结果"
        verbose_name_plural = "意见处理结果"
        ordering = ["consultation_id", "id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}：{self.summary or self.reason[:30]}"


class Comment(models.Model):
    """A resident's comment. Moderation hides it from the public but keeps its text, for the audit."""

    consultation = models.ForeignKey(Consultation, verbose_name="征求意见", on_delete=models.PROTECT,
                                     related_name="comments")
    text = models.TextField("意见")
    display_name = models.CharField("称呼", max_length=30)
    phone = EncryptedTextField("联系电话", blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="居民账号", null=True, blank=True, on_delete=models.PROTECT,
        related_name="consultation_comments",
    )
    opinion = models.ForeignKey(Opinion, verbose_name="处理结果", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="comments")
    hidden = models.BooleanField("已隐藏", default=False)
    hidden_reason = models.TextField("隐藏理由", blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="隐藏人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    hidden_at = models.DateTimeField("隐藏时间", null=True, blank=True)
    created_at = models.DateTimeField("提交时间", default=timezone.now)
    # The resident's page sends a key with each comment, so a retried submission is stored once.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = "居民意见"
        verbose_name_plural = "居民意见"
        ordering = ["consultation_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.consultation} · {self.display_name}"
