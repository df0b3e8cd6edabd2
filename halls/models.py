"""Service halls and what happens in them: windows and the queue, bookable rooms, 人民调解.

A hall is a `regions.Facility` of kind 一站式便民服务大厅; a room is a facility too (接待室, 调解室, an
activity room) with its booking rules. No two holding bookings of a room overlap, buffer included: on
PostgreSQL an exclusion constraint says so (migration 0002), on every database the booking service
serialises the check on the room's row (`Room.lock_seq`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from core.models import ArchivableModel
from core.pii import EncryptedTextField
from regions.models import Facility

from .workflow import (
    MEDIATION_ACTIONS,
    AppointmentStatus,
    BookingStatus,
    MediationStatus,
    TicketStatus,
    WindowKind,
)


class ServiceWindow(ArchivableModel):
    """A window (窗口) of a hall, of one kind, open in its hours, with the staff on duty there."""

    hall = models.ForeignKey(Facility, verbose_name="服务大厅", on_delete=models.PROTECT, related_name="windows")
    name = models.CharField("窗口名称", max_length=30)
    kind = models.CharField("窗口类型", max_length=20, choices=WindowKind.choices)
    opens_at = models.TimeField("开始办公", default=dt.time(9, 0))
    closes_at = models.TimeField("结束办公", default=dt.time(17, 0))
    on_duty = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="值班人员", blank=True,
                                     related_name="duty_windows")

    class Meta:
        verbose_name = "服务窗口"
        verbose_name_plural = "服务窗口"
        ordering = ["hall_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "name"], name="window_unique_name_in_hall"),
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")),
                                   name="window_closes_after_opening"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class QueueCounter(models.Model):
    """The last number given out in a hall on a day for a kind: the row every 取号 updates first, so
    numbers are handed out one at a time on any database."""

    hall = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=20, choices=WindowKind.choices)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hall", "day", "kind"], name="queue_counter_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.last}"


class QueueTicket(models.Model):
    """One queue number (排队号) taken at the door (phone or kiosk), with its times."""

    class Channel(models.TextChoices):
        PHONE = "phone", "手机取号"
        KIOSK = "kiosk", "自助机取号"
        COUNTER = "counter", "窗口代取"

    hall = models.ForeignKey(Facility, verbose_name="服务大厅", on_delete=models.PROTECT, related_name="tickets")
    day = models.DateField("日期")
    kind = models.CharField("业务类型", max_length=20, choices=WindowKind.choices)
    number = models.PositiveIntegerField("序号")
    code = models.CharField("号码", max_length=8)
    channel = models.CharField("取号方式", max_length=10, choices=Channel.choices, default=Channel.PHONE)
    status = models.CharField("状态", max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING)
    taken_at = models.DateTimeField("取号时间")
    called_at = models.DateTimeField("叫号时间", null=True, blank=True)
    finished_at = models.DateTimeField("办结时间", null=True, blank=True)
    window = models.ForeignKey(ServiceWindow, verbose_name="窗口", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="tickets")
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="叫号人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    calls = models.PositiveSmallIntegerField("呼叫次数", default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "排队号"
        verbose_name_plural = "排队号"
        ordering = ["day", "taken_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "day", "kind", "number"], name="ticket_unique_number"),
        ]
        indexes = [models.Index(fields=["hall", "day", "status", "kind"])]

    def __str__(self) -> str:
        return self.code

    @property
    def waited(self) -> dt.timedelta | None:
        """From taking the number to being called."""
        return self.called_at - self.taken_at if self.called_at else None

    @property
    def served_for(self) -> dt.timedelta | None:
        """From being called to being served (or marked absent)."""
        return self.finished_at - self.called_at if self.finished_at and self.called_at else None


class Room(ArchivableModel):
    """A bookable room: a facility (接待室, 调解室, activity room) with its hours and booking rules."""

    class Kind(models.TextChoices):
        RECEPTION = "reception", "两代表一委员接待室"
        MEDIATION = "mediation", "调解室"
        ACTIVITY = "activity", "活动室"

    facility = models.OneToOneField(Facility, verbose_name="阵地", on_delete=models.PROTECT, related_name="room")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    opens_at = models.TimeField("开放开始", default=dt.time(9, 0))
    closes_at = models.TimeField("开放结束", default=dt.time(17, 0))
    # ISO weekdays the room is open on: "12345" is Monday to Friday.
    weekdays = models.CharField("开放日（1=周一）", max_length=7, default="12345")
    min_notice_hours = models.PositiveIntegerField("至少提前（小时）", default=2)
    buffer_minutes = models.PositiveIntegerField("每次使用后间隔（分钟）", default=0)
    needs_approval = models.BooleanField("需工作人员审核", default=False)
    reception_hours = models.CharField("代表委员接待时间", max_length=200, blank=True)
    # Bumped by every booking as its transaction's first write: bookings of one room queue up on it.
    lock_seq = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = "可预约场地"
        verbose_name_plural = "可预约场地"
        ordering = ["facility__region__code", "facility__name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")),
                                   name="room_closes_after_opening"),
        ]

    def __str__(self) -> str:
        return self.facility.name


class Blackout(models.Model):
    """A time the room cannot be booked (repairs, a meeting of its own)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="blackouts")
    starts_at = models.DateTimeField("开始")
    ends_at = models.DateTimeField("结束")
    reason = models.CharField("原因", max_length=100)

    class Meta:
        verbose_name = "不开放时段"
        verbose_name_plural = "不开放时段"
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="blackout_ends_after"),
        ]

    def __str__(self) -> str:
        return self.reason


class Booking(models.Model):
    """A booking of a room from `starts_at` to `ends_at`; it holds the room until `held_until` (the end
    plus the room's buffer), which is what may not overlap another holding booking."""

    room = models.ForeignKey(Room, verbose_name="场地", on_delete=models.PROTECT, related_name="bookings")
    starts_at = models.DateTimeField("开始")
    ends_at = models.DateTimeField("结束")
    held_until = models.DateTimeField("占用至")
    status = models.CharField("状态", max_length=10, choices=BookingStatus.choices, default=BookingStatus.PENDING)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="预约人", on_delete=models.PROTECT,
                                  related_name="bookings")
    contact_name = models.CharField("联系人", max_length=50)
    contact_phone = EncryptedTextField("联系电话", blank=True)
    purpose = models.CharField("用途", max_length=200)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    note = models.CharField("审核意见", max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "场地预约"
        verbose_name_plural = "场地预约"
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="booking_ends_after"),
            models.CheckConstraint(condition=models.Q(held_until__gte=models.F("ends_at")),
                                   name="booking_held_to_end"),
        ]
        indexes = [models.Index(fields=["room", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.room} {self.starts_at:%Y-%m-%d %H:%M}"


class AppointmentDay(models.Model):
    """A hall's day of appointments for one window kind: the row every appointment bumps first, so the
    appointments of one hall, day and kind are checked against the capacity one after the other."""

    hall = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=20, choices=WindowKind.choices)
    lock_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hall", "day", "kind"], name="appointment_day_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind}"


class Appointment(models.Model):
    """预约办事: a resident's slot at a hall's windows of one kind, for one service item, on a working day.

    The item is named by its code and name as the resident saw them (the catalogue lives above this app).
    At the counter the appointment becomes a queue ticket, so the resident is called like everyone else."""

    hall = models.ForeignKey(Facility, verbose_name="服务大厅", on_delete=models.PROTECT, related_name="appointments")
    kind = models.CharField("窗口类型", max_length=20, choices=WindowKind.choices)
    item_code = models.CharField("事项编码", max_length=32, blank=True)
    item_name = models.CharField("办理事项", max_length=100)
    day = models.DateField("日期")
    starts_at = models.TimeField("开始时间")
    ends_at = models.TimeField("结束时间")
    code = models.CharField("预约码", max_length=12, unique=True)
    contact_name = models.CharField("联系人", max_length=50)
    contact_phone = EncryptedTextField("联系电话")
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="预约人账号", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="appointments")
    status = models.CharField("状态", max_length=10, choices=AppointmentStatus.choices,
                              default=AppointmentStatus.BOOKED)
    ticket = models.OneToOneField(QueueTicket, verbose_name="排队号", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="appointment")
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField("预约时间", auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "预约办事"
        verbose_name_plural = "预约办事"
        ordering = ["day", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="appointment_ends_after"),
        ]
        indexes = [models.Index(fields=["hall", "day", "kind", "status"])]

    def __str__(self) -> str:
        return f"{self.item_name} {self.day:%Y-%m-%d} {self.starts_at:%H:%M}"


class Mediation(ArchivableModel):
    """A 人民调解 case: the dispute, the mediator, the one-month clock, the agreement and its follow-up."""

    class AgreementForm(models.TextChoices):
        WRITTEN = "written", "书面协议"
        ORAL = "oral", "口头协议（调解员记录）"

    region = models.ForeignKey("regions.Region", verbose_name="社区", on_delete=models.PROTECT,
                               related_name="mediations")
    room = models.ForeignKey(Room, verbose_name="调解室", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="mediations")
    title = models.CharField("纠纷名称", max_length=100)
    facts = models.TextField("纠纷事实")
    disputed_points = models.TextField("争议焦点")
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="调解员", on_delete=models.PROTECT,
                                 related_name="mediations")
    status = models.CharField("状态", max_length=12, choices=MediationStatus.choices,
                              default=MediationStatus.ACCEPTED)
    accepted_on = models.DateField("受理日期")
    due_on = models.DateField("调解期限")
    agreement_form = models.CharField("协议形式", max_length=10, choices=AgreementForm.choices, blank=True)
    agreement_terms = models.TextField("协议内容", blank=True)
    perform_by = models.DateField("履行期限", null=True, blank=True)
    agreed_on = models.DateField("达成协议日期", null=True, blank=True)
    closed_on = models.DateField("结案日期", null=True, blank=True)
    outcome = models.TextField("结案或转交说明", blank=True)
    referred_to = models.CharField("转交单位", max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "人民调解"
        verbose_name_plural = "人民调解"
        ordering = ["-accepted_on", "-id"]

    def __str__(self) -> str:
        return self.title


class MediationParty(models.Model):
    """A party to the dispute (当事人); the phone is encrypted and shown masked."""

    class Side(models.TextChoices):
        APPLICANT = "applicant", "申请人"
        RESPONDENT = "respondent", "被申请人"

    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="parties")
    side = models.CharField("身份", max_length=12, choices=Side.choices)
    name = models.CharField("姓名", max_length=50)
    phone = EncryptedTextField("联系电话", blank=True)

    class Meta:
        ordering = ["side", "id"]

    def __str__(self) -> str:
        return self.get_side_display()


class MediationStep(models.Model):
    """One move of the mediation table: a session with its minutes (signed by the parties), the
    agreement, a follow-up visit, the closing or the referral."""

    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    held_on = models.DateField("日期")
    note = models.TextField("记录")
    signed = models.BooleanField("当事人已签字", default=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return self.action

    @property
    def label(self) -> str:
        return MEDIATION_ACTIONS.get(self.action, self.action)
