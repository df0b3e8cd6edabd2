"""Trained routing model versions, and what each suggested for each case.

A `RoutingModel` row describes one trained classifier file under the routing directory; exactly one
row at most is active, and the processes serving suggestions load whichever is active (see
`routing.registry`). A `Suggestion` records, for one case, the model version that made it, the
ranked categories with their scores, and later what a person (or the automatic classification)
chose: confirmations and overrides are the training data of the next version.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class RoutingModel(models.Model):
    """One trained classifier version and its file."""

    version = models.CharField("版本", max_length=40, unique=True)
    trained_at = models.DateTimeField("训练时间", default=timezone.now)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="训练人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    n_train = models.PositiveIntegerField("训练事项数")
    n_label_docs = models.PositiveIntegerField("分类说明条数", default=0)
    labels = models.JSONField("可建议的分类编码", default=list)
    metrics = models.JSONField(
        "指标", default=dict, blank=True, help_text="训练数据上交叉验证的宏平均 F1、准确率、前三命中率等"
    )
    train_seconds = models.FloatField("训练用时（秒）", default=0)
    path = models.CharField("模型文件", max_length=255, help_text="相对于模型目录的文件名")
    sha256 = models.CharField("文件校验值", max_length=64)
    size_bytes = models.PositiveBigIntegerField("文件大小（字节）", default=0)
    active = models.BooleanField("启用", default=False)
    activated_at = models.DateTimeField("启用时间", null=True, blank=True)

    class Meta:
        verbose_name = "分类模型"
        verbose_name_plural = "分类模型"
        ordering = ["-trained_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=models.Q(active=True), name="routingmodel_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.version}{'（启用中）' if self.active else ''}"


class Suggestion(models.Model):
    """The categories one model version suggested for one case, and what was chosen."""

    class Kind(models.TextChoices):
        TRAINED = "trained", "训练模型"
        KEYWORDS = "keywords", "关键词模型"

    class Outcome(models.TextChoices):
        PENDING = "pending", "待分类"
        ACCEPTED = "accepted", "采用首选建议"
        OVERRIDDEN = "overridden", "改选其他分类"
        AUTO = "auto", "自动分类"

    case = models.ForeignKey(
        "cases.Case", verbose_name="事项", on_delete=models.PROTECT, related_name="routing_suggestions"
    )
    model = models.ForeignKey(
        RoutingModel, verbose_name="模型", null=True, blank=True, on_delete=models.PROTECT, related_name="suggestions",
        help_text="关键词模型时为空",
    )
    model_version = models.CharField("模型版本", max_length=60)
    model_kind = models.CharField("模型类型", max_length=12, choices=Kind.choices)
    top = models.JSONField("建议分类", default=list, help_text="[{category, name, score}]，按得分从高到低")
    suggested_category = models.ForeignKey(
        "categories.Category", verbose_name="首选分类", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    confidence = models.FloatField("首选得分", default=0)
    duplicates = models.JSONField("疑似重复事项", default=list, blank=True, help_text="[{case, tracking_code, score}]")
    outcome = models.CharField("结果", max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    chosen_category = models.ForeignKey(
        "categories.Category", verbose_name="最终分类", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    chosen_rank = models.PositiveSmallIntegerField("最终分类在建议中的名次", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="分类人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("分类时间", null=True, blank=True)
    created_at = models.DateTimeField("建议时间", default=timezone.now)

    class Meta:
        verbose_name = "分类建议"
        verbose_name_plural = "分类建议"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="suggestion_case_created"),
            models.Index(fields=["outcome", "created_at"], name="suggestion_outcome_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=["pending", "accepted", "overridden", "auto"]),
                name="suggestion_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.model_version} · {self.get_outcome_display()}"

    @property
    def accepted(self) -> bool | None:
        """True when the first suggestion was taken (by a person or automatically), None while pending."""
        if self.outcome == self.Outcome.PENDING:
            return None
        return self.outcome in (self.Outcome.ACCEPTED, self.Outcome.AUTO)
