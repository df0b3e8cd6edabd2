"""Cases (问题 and 困难), their assignments, whistles, ratings and the append-only event log.

Models hold data and constraints only; every change goes through `cases.services`, which follows
the transition table in `cases.workflow` and writes a `CaseEvent` in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from core.models import ArchivableModel
from core.pii import EncryptedTextField

from .assignment_workflow import ASSIGNMENT_ACTIVE, ASSIGNMENT_LIVE, AssignmentStatus, ExtensionStatus
from .workflow import ACTION_LABELS, Status

DESCRIPTION_MAX_LENGTH = 4000
TEXT_MAX_LENGTH = 2000


class Kind(models.TextChoices):
    PROBLEM = "problem", "问题"
    DIFFICULTY = "difficulty", "困难"


class RequestType(models.TextChoices):
    CONSULTATION = "consultation", "咨询"
    HELP = "help", "求助"
    COMPLAINT = "complaint", "投诉"
    REPORT = "report", "举报"
    SUGGESTION = "suggestion", "建议"


class Channel(models.TextChoices):
    OPINION_WINDOW = "opinion_window", "民意征求窗口"
    SERVICE_HALL = "service_hall", "便民服务大厅"
    WEB = "web", "网上"
    PHONE = "phone", "电话"
    GRID_PATROL = "grid_patrol", "网格巡查"
    MEETING = "meeting", "会议"
    API = "api", "接口"


class TargetGroup(models.TextChoices):
    ELDERLY = "elderly", "老年人"
    LEFT_BEHIND_CHILD = "left_behind_child", "留守儿童"
    NEW_RESIDENT = "new_resident", "城镇新迁入居民"
    DISABLED = "disabled", "残疾人"
    HARDSHIP_FAMILY = "hardship_family", "困难家庭"
    OTHER = "other", "其他"


class Meeting(models.TextChoices):
    JOINT_MEETING = "joint_meeting", "党建联席会议"
    RESIDENTS_REPRESENTATIVES = "residents_representatives", "居民代表会议"
    PARTY_MEMBERS = "party_members", "党员大会"


class Case(ArchivableModel):
    """One problem or difficulty raised by a resident, a grid worker or a meeting, from intake to rating."""

    tracking_code = models.CharField("查询码", max_length=12, unique=True, editable=False)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    request_type = models.CharField("诉求类型", max_length=16, choices=RequestType.choices, blank=True)
    channel = models.CharField("来源渠道", max_length=16, choices=Channel.choices)
    title = models.CharField("标题", max_length=100)
    description = models.TextField("内容", validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)])
    region = models.ForeignKey(
        "regions.Region", verbose_name="所在区域", on_delete=models.PROTECT, related_name="cases",
        help_text="社区、网格或楼栋",
    )
    address = models.CharField("地点", max_length=200, blank=True)
    latitude = models.DecimalField(
        "纬度", max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        "经度", max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="反映人账号", null=True, blank=True, on_delete=models.PROTECT,
        related_name="reported_cases",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="entered_cases",
    )
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = EncryptedTextField("联系电话", blank=True)
    contact_phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    public_anonymous = models.BooleanField("对外匿名", default=False, help_text="公开页面不显示反映人；工作人员仍可见")
    target_group = models.CharField("帮扶对象", max_length=20, choices=TargetGroup.choices, blank=True)
    category = models.ForeignKey(
        "categories.Category", verbose_name="问题分类", null=True, blank=True, on_delete=models.PROTECT,
        related_name="cases",
    )
    urgency = models.ForeignKey(
        "categories.UrgencyLevel", verbose_name="紧急程度", null=True, blank=True, on_delete=models.PROTECT,
        related_name="cases",
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.RECEIVED)
    version = models.PositiveIntegerField("版本", default=1, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="首问责任人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="owned_cases",
    )
    merged_into = models.ForeignKey(
        "self", verbose_name="合并至", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_cases"
    )
    escalated_to = models.CharField("提交会议", max_length=32, choices=Meeting.choices, blank=True)
    rework_count = models.PositiveSmallIntegerField("返工次数", default=0)
    public_note = models.TextField("公开答复", blank=True, help_text="居民在查询页看到的答复或不予受理原因")
    response_due = models.DateTimeField("响应期限", null=True, blank=True)
    finish_due = models.DateTimeField("办结期限", null=True, blank=True)
    deadline_approximate = models.BooleanField(
        "期限为估算", default=False, help_text="期限跨入尚未录入节假日安排的年份，按周一至周五估算"
    )
    received_at = models.DateTimeField("受理时间", default=timezone.now)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    idempotency_key = models.CharField("幂等键", max_length=64, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "事项"
        verbose_name_plural = "事项"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"], condition=models.Q(idempotency_key__isnull=False),
                name="case_unique_idempotency_key",
            ),
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="case_status_valid"),
            models.CheckConstraint(condition=models.Q(kind__in=Kind.values), name="case_kind_valid"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="case_version_positive"),
        ]
        indexes = [
            models.Index(fields=["region", "status", "received_at"], name="case_region_status_received"),
            models.Index(fields=["status", "received_at"], name="case_status_received"),
            models.Index(fields=["received_at", "id"], name="case_received_id"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.title}"

    @property
    def is_open(self) -> bool:
        from .workflow import OPEN_STATUSES

        return self.status in OPEN_STATUSES

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        return self.is_open and self.finish_due is not None and self.finish_due < (now or timezone.now())


class CaseReporter(models.Model):
    """Someone who follows a case: its own reporter, and those of cases merged into it."""

    case = models.ForeignKey(Case, verbose_name="事项", on_delete=models.PROTECT, related_name="reporters")
    origin_case = models.ForeignKey(
        Case, verbose_name="原反映事项", on_delete=models.PROTECT, related_name="+",
        help_text="此人最初反映的事项；合并后凭其查询码可查看本事项",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="反映人账号", null=True, blank=True, on_delete=models.PROTECT,
        related_name="followed_cases",
    )
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = EncryptedTextField("联系电话", blank=True)
    contact_phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    public_anonymous = models.BooleanField("对外匿名", default=False)
    created_at = models.DateTimeField("加入时间", default=timezone.now)

    class Meta:
        verbose_name = "事项反映人"
        verbose_name_plural = "事项反映人"
        ordering = ["case", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "origin_case"], name="casereporter_unique_origin"),
        ]

    def __str__(self) -> str:
        return f"{self.case.tracking_code} · {self.contact_name or '反映人'}"


class CaseEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValueError("case events are append-only")

    def delete(self):
        raise ValueError("case events are append-only")


class CaseEvent(models.Model):
    """One row per move of a case, written in the transaction of the move; never changed afterwards."""

    case = models.ForeignKey(Case, verbose_name="事项", on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField("序号")
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField("操作人名称", max_length=150, blank=True)
    action = models.CharField("动作", max_length=24, choices=list(ACTION_LABELS.items()))
    from_status = models.CharField("原状态", max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=16, choices=Status.choices)
    assignment = models.ForeignKey(
        "Assignment", verbose_name="相关派遣", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    note = models.TextField("说明", blank=True)
    data = models.JSONField("数据", default=dict, blank=True)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = "事项记录"
        verbose_name_plural = "事项记录"
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="caseevent_unique_seq")]
        indexes = [models.Index(fields=["action", "created_at"], name="caseevent_action_created")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        # Append-only: the log is the history of the case and the source of every KPI.
        if self.pk is not None and not self._state.adding:
            raise ValueError("case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("case events are append-only")


class AssignmentRole(models.TextChoices):
    LEAD = "lead", "主办"
    ASSIST = "assist", "协办"


class Assignment(models.Model):
    """A case dispatched to one body: an organisation, a service station or a helper party member."""

    # Statuses and the moves between them: `cases.assignment_workflow.ASSIGNMENT_TABLE`.
    Status = AssignmentStatus
    # Still working on the case (a lead among these is the case's lead).
    ACTIVE = ASSIGNMENT_ACTIVE
    LIVE = ASSIGNMENT_LIVE

    case = models.ForeignKey(Case, verbose_name="事项", on_delete=models.PROTECT, related_name="assignments")
    organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name="承办单位", null=True, blank=True, on_delete=models.PROTECT,
        related_name="case_assignments",
    )
    facility = models.ForeignKey(
        "regions.Facility", verbose_name="服务站点", null=True, blank=True, on_delete=models.PROTECT,
        related_name="case_assignments",
    )
    party_member = models.ForeignKey(
        "organisations.PartyMember", verbose_name="帮扶党员", null=True, blank=True, on_delete=models.PROTECT,
        related_name="case_assignments",
    )
    role = models.CharField("角色", max_length=8, choices=AssignmentRole.choices)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    dispatched_at = models.DateTimeField("派遣时间", default=timezone.now)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="派遣人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    report_in_due = models.DateTimeField("报到期限")
    finish_due = models.DateTimeField("办结期限")
    accepted_at = models.DateTimeField("报到时间", null=True, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    reply = models.TextField("答复内容", blank=True)
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    return_reason = models.TextField("退回原因", blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    arbitrated = models.BooleanField("街道裁定", default=False, help_text="街道裁定由本单位办理，不能再退回")

    class Meta:
        verbose_name = "派遣"
        verbose_name_plural = "派遣"
        ordering = ["case", "-role", "dispatched_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(organisation__isnull=False, facility__isnull=True, party_member__isnull=True)
                    | models.Q(organisation__isnull=True, facility__isnull=False, party_member__isnull=True)
                    | models.Q(organisation__isnull=True, facility__isnull=True, party_member__isnull=False)
                ),
                name="assignment_exactly_one_assignee",
            ),
            models.CheckConstraint(condition=models.Q(role__in=AssignmentRole.values), name="assignment_role_valid"),
        ]
        indexes = [
            models.Index(fields=["organisation", "status"], name="assignment_org_status"),
            models.Index(fields=["status", "finish_due"], name="assignment_status_finish"),
            # KPI periods filter assignments by when they were dispatched, replied or fell due.
            models.Index(fields=["dispatched_at"], name="assignment_dispatched_at"),
            models.Index(fields=["replied_at"], name="assignment_replied_at"),
            models.Index(fields=["finish_due"], name="assignment_finish_due"),
        ]

    def __str__(self) -> str:
        return f"{self.case.tracking_code} → {self.assignee_name}（{self.get_role_display()}）"

    @property
    def assignee(self):
        return self.organisation or self.facility or self.party_member

    @property
    def assignee_name(self) -> str:
        return str(self.assignee)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    def report_in_remaining(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        """Time left to report in (negative when late), or None once reported in or ended."""
        if self.status != self.Status.PENDING:
            return None
        return self.report_in_due - (now or timezone.now())

    def finish_remaining(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        """Time left to reply (negative when overdue), or None once replied or ended."""
        if not self.is_active:
            return None
        return self.finish_due - (now or timezone.now())


class Extension(models.Model):
    """A request to move an assignment's finish deadline (延期), and the community's decision."""

    # Statuses and the moves between them: `cases.assignment_workflow.EXTENSION_TABLE`.
    Status = ExtensionStatus

    assignment = models.ForeignKey(
        Assignment, verbose_name="派遣", on_delete=models.PROTECT, related_name="extensions"
    )
    previous_due = models.DateTimeField("原办结期限")
    requested_due = models.DateTimeField("申请延至")
    reason = models.TextField("申请理由")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per assignment at a time.
            models.UniqueConstraint(
                fields=["assignment"], condition=models.Q(status="requested"), name="extension_one_open_request"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} 延至 {self.requested_due:%Y-%m-%d %H:%M}"


class WhistleReason(models.TextChoices):
    BEYOND_POWER = "beyond_power", "超出社区职权"
    NEEDS_ENFORCEMENT = "needs_enforcement", "需要执法"
    MULTI_DEPARTMENT = "multi_department", "涉及多部门"
    EMERGENCY = "emergency", "紧急情况"


class Whistle(models.Model):
    """社区吹哨: the community summons departments to a case."""

    case = models.ForeignKey(Case, verbose_name="事项", on_delete=models.PROTECT, related_name="whistles")
    reasons = models.JSONField("吹哨原因", default=list, help_text="WhistleReason 的取值列表")
    note = models.TextField("说明", blank=True)
    blown_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="吹哨人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    blown_at = models.DateTimeField("吹哨时间", default=timezone.now)

    class Meta:
        verbose_name = "吹哨"
        verbose_name_plural = "吹哨"
        ordering = ["-blown_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case.tracking_code} 吹哨 {self.blown_at:%Y-%m-%d %H:%M}"

    @property
    def reason_labels(self) -> list[str]:
        labels = dict(WhistleReason.choices)
        return [labels.get(reason, reason) for reason in self.reasons]

    @property
    def is_emergency(self) -> bool:
        return WhistleReason.EMERGENCY in self.reasons


class WhistleSummons(models.Model):
    """部门报到: one department summoned by a whistle, when it reported in, and the community's score."""

    whistle = models.ForeignKey(Whistle, verbose_name="吹哨", on_delete=models.PROTECT, related_name="summons")
    organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name="报到部门", on_delete=models.PROTECT, related_name="summons"
    )
    report_in_due = models.DateTimeField("报到期限")
    reported_at = models.DateTimeField("报到时间", null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报到登记人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    score = models.PositiveSmallIntegerField(
        "评分", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    score_comment = models.TextField("评价意见", blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评分人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    scored_at = models.DateTimeField("评分时间", null=True, blank=True)

    class Meta:
        verbose_name = "吹哨报到"
        verbose_name_plural = "吹哨报到"
        ordering = ["whistle", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["whistle", "organisation"], name="summons_unique_organisation"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | (models.Q(score__gte=1) & models.Q(score__lte=5)),
                name="summons_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.whistle} · {self.organisation}"

    @property
    def reported_on_time(self) -> bool | None:
        if self.reported_at is None:
            return None
        return self.reported_at <= self.report_in_due


class RatingResult(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Rating(models.Model):
    """The reporter's rating of a closed case; a case reworked after 不满意 can be rated again."""

    case = models.ForeignKey(Case, verbose_name="事项", on_delete=models.PROTECT, related_name="ratings")
    result = models.CharField("评价结果", max_length=24, choices=RatingResult.choices)
    comment = models.TextField("评价意见", blank=True)
    rated_at = models.DateTimeField("评价时间", default=timezone.now)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评价人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="居民凭查询码评价时为空；工作人员回访录入时为该工作人员",
    )
    recorded_by_staff = models.BooleanField("工作人员回访录入", default=False)

    class Meta:
        verbose_name = "评价"
        verbose_name_plural = "评价"
        ordering = ["case", "rated_at", "id"]

    def __str__(self) -> str:
        return f"{self.case.tracking_code} {self.get_result_display()}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never comes from the uploader: a random name with the extension of the real type.
    return f"cases/{timezone.now():%Y/%m}/{filename}"


class Attachment(models.Model):
    """A photo of a case (JPEG, PNG or WebP, checked by content)."""

    case = models.ForeignKey(Case, verbose_name="事项", on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField("文件", upload_to=attachment_path)
    content_type = models.CharField("文件类型", max_length=32)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    assignment = models.ForeignKey(
        Assignment, verbose_name="相关派遣", null=True, blank=True, on_delete=models.PROTECT,
        related_name="attachments", help_text="承办单位答复时上传的处置照片",
    )
    created_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["case", "created_at", "id"]

    def __str__(self) -> str:
        return self.file.name


class ReporterNotice(models.Model):
    """What the reporters of a case were told (不予受理, 合并, 结案 …), shown on the tracking page.

    Written in the transaction of the move; a message gateway marks `sent_at` once it delivers it.
    """

    case = models.ForeignKey(Case, verbose_name="事项", on_delete=models.PROTECT, related_name="notices")
    event = models.ForeignKey(CaseEvent, verbose_name="事项记录", on_delete=models.PROTECT, related_name="notices")
    message = models.TextField("内容")
    created_at = models.DateTimeField("时间", default=timezone.now)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "告知记录"
        verbose_name_plural = "告知记录"
        ordering = ["case", "created_at", "id"]

    def __str__(self) -> str:
        return self.message[:50]
