"""Base models and the append-only audit log shared by every app."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone


class ArchivableQuerySet(models.QuerySet):
    def active(self) -> ArchivableQuerySet:
        return self.filter(archived_at__isnull=True)


class ArchivableModel(models.Model):
    """A record that is archived, never deleted, so history and figures stay reproducible."""

    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True, editable=False)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class AuditEvent(models.Model):
    """One row per thing that happened: who did what to which record, from where, and what changed."""

    class Action(models.TextChoices):
        CREATE = "create", "新建"
        UPDATE = "update", "修改"
        ARCHIVE = "archive", "归档"
        # Only for rows that are settings rather than records (a day of the working calendar, say).
        DELETE = "delete", "删除"
        REVEAL = "reveal", "查看个人信息"
        IMPORT = "import", "导入"
        EXPORT = "export", "导出"
        LOGIN = "login", "登录"
        LOGIN_FAILED = "login_failed", "登录失败"
        DENIED = "denied", "拒绝访问"

    OUTCOME_LABELS = {
        "success": "成功", "failure": "失败", "denied": "拒绝", "locked": "锁定期间被拒", "locked_out": "触发锁定",
    }

    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField("操作人名称", max_length=150, blank=True)
    action = models.CharField("动作", max_length=20, choices=Action.choices)
    target_type = models.CharField("对象类型", max_length=100, blank=True)
    target_id = models.CharField("对象编号", max_length=64, blank=True)
    target_label = models.CharField("对象", max_length=200, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    reason = models.TextField("事由", blank=True)
    ip_address = models.GenericIPAddressField("来源地址", null=True, blank=True)
    outcome = models.CharField("结果", max_length=20, default="success")

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.get_action_display()} {self.target_label}"

    def save(self, *args, **kwargs):
        # Append-only: an audit row, once written, is never rewritten.
        if self.pk is not None and not self._state.adding:
            raise ValueError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("audit events are append-only")

    @property
    def outcome_label(self) -> str:
        return self.OUTCOME_LABELS.get(self.outcome, self.outcome)

    @property
    def target_type_label(self) -> str:
        """The target's kind of record in Chinese (its model's verbose name); the stored label if none."""
        try:
            return str(apps.get_model(self.target_type)._meta.verbose_name)
        except (LookupError, ValueError):
            return self.target_type
