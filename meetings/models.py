"""Bodies that meet, their rolls, meetings with their attendance and agendas, and matters decided by
四议两公开 step by step."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import ArchivableModel
from organisations.models import Organisation, Person
from regions.models import Region

from .workflow import BodyKind, MeetingStatus, Stage


class Body(ArchivableModel):
    """A body that meets: a street's 党建联席会议, a community's 两委会, 党员大会, 居民代表会议 …"""

    kind = models.CharField("类型", max_length=32, choices=BodyKind.choices)
    name = models.CharField("名称", max_length=100)
    region = models.ForeignKey(Region, verbose_name="所属区域", on_delete=models.PROTECT, related_name="bodies")
    organisation = models.ForeignKey(
        Organisation, verbose_name="对应组织", null=True, blank=True, on_delete=models.PROTECT, related_name="bodies",
    )
    minutes_public = models.BooleanField("会议纪要公开", default=False, help_text="公开时，居民端可查看会议摘要")

    class Meta:
        verbose_name = "议事机构"
        verbose_name_plural = "议事机构"
        ordering = ["region__code", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="body_unique_name_in_region"),
        ]

    def __str__(self) -> str:
        return self.name


class RollMember(ArchivableModel):
    """One seat on a body's roll: a person (a party member, an elected representative) or a member
    organisation (of a 联席会议). A member who leaves keeps the row, with the date they left."""

    body = models.ForeignKey(Body, verbose_name="议事机构", on_delete=models.PROTECT, related_name="roll")
    person = models.ForeignKey(
        Person, verbose_name="人员", null=True, blank=True, on_delete=models.PROTECT, related_name="roll_seats",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name="成员单位", null=True, blank=True, on_delete=models.PROTECT,
        related_name="roll_seats",
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="签到账号", null=True, blank=True, on_delete=models.PROTECT,
        related_name="roll_seats", help_text="本人用手机扫码签到时使用的账号",
    )
    term = models.CharField("届次", max_length=30, blank=True)
    joined_on = models.DateField("加入日期", default=timezone.localdate)
    left_on = models.DateField("退出日期", null=True, blank=True)

    class Meta:
        verbose_name = "成员"
        verbose_name_plural = "成员"
        ordering = ["body_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | models.Q(organisation__isnull=False),
                name="roll_member_is_someone",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.person.name if self.person_id else self.organisation.name


class Meeting(models.Model):
    """One sitting of a body: its notice, its frozen roll once opened, agenda, minutes and recorder."""

    body = models.ForeignKey(Body, verbose_name="议事机构", on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField("会议名称", max_length=150)
    scheduled_at = models.DateTimeField("会议时间")
    place = models.CharField("地点", max_length=150, blank=True)
    noticed_at = models.DateTimeField("通知时间", default=timezone.now)
    status = models.CharField("状态", max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    version = models.PositiveIntegerField("版本", default=1)
    recorder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    minutes = models.TextField("会议记录", blank=True)
    public_summary = models.TextField("公开摘要", blank=True)
    opened_at = models.DateTimeField("开会时间", null=True, blank=True)
    closed_at = models.DateTimeField("散会时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    # A retry of the same request (the same key) gives back this meeting instead of a second one.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-scheduled_at", "-id"]
        indexes = [models.Index(fields=["body", "scheduled_at"], name="meeting_body_time")]

    def __str__(self) -> str:
        return self.title


def photo_path(instance, filename: str) -> str:
    # The stored name never comes from the uploader: a random name with the extension of the real type.
    return f"meetings/{timezone.now():%Y/%m}/{filename}"


class MeetingAttachment(models.Model):
    """A photo the recorder attaches to a meeting (the paper sign-in sheet, the meeting in session),
    re-encoded at upload like a case photo and served only to staff who may open the meeting."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField("照片", upload_to=photo_path)
    content_type = models.CharField("类型", max_length=32)
    caption = models.CharField("说明", max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "会议照片"
        verbose_name_plural = "会议照片"
        ordering = ["meeting_id", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.caption or f"{self.meeting} 照片"


class Attendance(models.Model):
    """One seat of a meeting's roll, frozen when the meeting opens: the name as it stood, and whether
    the member came (实到), was excused (请假), voted by proxy (委托) or stayed away."""

    class Status(models.TextChoices):
        ABSENT = "absent", "未到"
        PRESENT = "present", "实到"
        EXCUSED = "excused", "请假"
        PROXY = "proxy", "委托"

    class Method(models.TextChoices):
        SCAN = "scan", "扫码签到"
        RECORDER = "recorder", "记录人登记"

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.PROTECT, related_name="attendance")
    member = models.ForeignKey(RollMember, verbose_name="成员", on_delete=models.PROTECT, related_name="attendance")
    name = models.CharField("姓名/单位", max_length=150)
    status = models.CharField("出席", max_length=10, choices=Status.choices, default=Status.ABSENT)
    method = models.CharField("登记方式", max_length=10, choices=Method.choices, blank=True)
    marked_at = models.DateTimeField("登记时间", null=True, blank=True)

    class Meta:
        verbose_name = "出席"
        verbose_name_plural = "出席"
        ordering = ["meeting_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.get_status_display()}"


class Matter(ArchivableModel):
    """A major community matter (重大事项) decided by 四议两公开."""

    region = models.ForeignKey(Region, verbose_name="社区", on_delete=models.PROTECT, related_name="matters")
    title = models.CharField("事项名称", max_length=150)
    description = models.TextField("事项内容")
    stage = models.CharField("阶段", max_length=24, choices=Stage.choices, default=Stage.REGISTERED)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = "重大事项"
        verbose_name_plural = "重大事项"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    """One item on a meeting's agenda: a matter to deliberate, or a topic; with its vote when taken."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.PROTECT, related_name="agenda")
    order = models.PositiveSmallIntegerField("序号")
    title = models.CharField("议题", max_length=150)
    matter = models.ForeignKey(
        Matter, verbose_name="重大事项", null=True, blank=True, on_delete=models.PROTECT, related_name="agenda_items",
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name="提交会议的事项", null=True, blank=True, on_delete=models.PROTECT,
        related_name="agenda_items",
    )
    # A case put before the meeting to be heard (民意), not taken up by it: the case keeps its course.
    heard = models.BooleanField("听取民意（未上会）", default=False)
    # A task of an earlier resolution, not yet done, back on the body's agenda by itself.
    follows_task = models.ForeignKey(
        "ResolutionTask", verbose_name="督办任务", null=True, blank=True, on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    in_favour = models.PositiveIntegerField("赞成", null=True, blank=True)
    against = models.PositiveIntegerField("反对", null=True, blank=True)
    abstained = models.PositiveIntegerField("弃权", null=True, blank=True)
    voted_at = models.DateTimeField("表决时间", null=True, blank=True)
    resolution = models.TextField("决议", blank=True)

    class Meta:
        verbose_name = "议题"
        verbose_name_plural = "议题"
        ordering = ["meeting_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "order"], name="agenda_item_order_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def voted(self) -> bool:
        return self.voted_at is not None


class MatterStep(models.Model):
    """One step a matter took along the table: at which meeting, with the counts that carried it, or,
    for the two 公开, what was published and for how long."""

    matter = models.ForeignKey(Matter, verbose_name="重大事项", on_delete=models.PROTECT, related_name="steps")
    seq = models.PositiveSmallIntegerField("序号")
    action = models.CharField("步骤", max_length=24)
    label = models.CharField("名称", max_length=60)
    from_stage = models.CharField("原阶段", max_length=24, choices=Stage.choices)
    to_stage = models.CharField("新阶段", max_length=24, choices=Stage.choices)
    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", null=True, blank=True, on_delete=models.PROTECT, related_name="matter_steps",
    )
    expected = models.PositiveIntegerField("应到", null=True, blank=True)
    present = models.PositiveIntegerField("实到", null=True, blank=True)
    in_favour = models.PositiveIntegerField("赞成", null=True, blank=True)
    against = models.PositiveIntegerField("反对", null=True, blank=True)
    abstained = models.PositiveIntegerField("弃权", null=True, blank=True)
    note = models.TextField("说明", blank=True)
    public_from = models.DateField("公开日期", null=True, blank=True)
    public_until = models.DateField("公开截止", null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "四议两公开步骤"
        verbose_name_plural = "四议两公开步骤"
        ordering = ["matter_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "seq"], name="matter_step_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.matter} · {self.label}"


def disclosure_photo_path(instance, filename: str) -> str:
    # A random name with the extension of the real type, as for meeting photos.
    return f"disclosures/{timezone.now():%Y/%m}/{filename}"


class DisclosurePhoto(models.Model):
    """A photo published with one of the two 公开 (决议公开, 实施结果公开): re-encoded at upload (no EXIF,
    no GPS position) and public exactly while its 公开 is on show."""

    step = models.ForeignKey(MatterStep, verbose_name="公开", on_delete=models.PROTECT, related_name="photos")
    file = models.FileField("照片", upload_to=disclosure_photo_path)
    content_type = models.CharField("类型", max_length=32)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "公开照片"
        verbose_name_plural = "公开照片"
        ordering = ["step_id", "id"]

    def __str__(self) -> str:
        return f"{self.step} 照片"


class ResolutionTask(models.Model):
    """A task a resolution gives to one organisation, with a deadline on the working-day calendar and its
    progress; a case on the agenda closes only when the tasks of its resolution are done."""

    item = models.ForeignKey(AgendaItem, verbose_name="议题", on_delete=models.PROTECT, related_name="tasks")
    case = models.ForeignKey(
        "cases.Case", verbose_name="事项", null=True, blank=True, on_delete=models.PROTECT,
        related_name="resolution_tasks",
    )
    title = models.CharField("任务", max_length=150)
    organisation = models.ForeignKey(
        Organisation, verbose_name="责任单位", on_delete=models.PROTECT, related_name="resolution_tasks",
    )
    due = models.DateTimeField("完成期限")
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    version = models.PositiveIntegerField("版本", default=1)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="交办人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("交办时间", default=timezone.now)

    class Meta:
        verbose_name = "决议任务"
        verbose_name_plural = "决议任务"
        ordering = ["due", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="task_progress_at_most_100"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def done(self) -> bool:
        return self.done_at is not None


class TaskMilestone(models.Model):
    """One dated report of a task's progress."""

    task = models.ForeignKey(ResolutionTask, verbose_name="任务", on_delete=models.PROTECT, related_name="milestones")
    reported_at = models.DateTimeField("时间", default=timezone.now)
    progress = models.PositiveSmallIntegerField("进度（%）")
    note = models.TextField("进展情况")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报告人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "任务进展"
        verbose_name_plural = "任务进展"
        ordering = ["task_id", "reported_at", "id"]

    def __str__(self) -> str:
        return f"{self.task} {self.progress}%"
