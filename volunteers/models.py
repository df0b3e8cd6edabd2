"""红领巾 volunteering: 双报到 registrations, public-welfare posts, activities and their hours, micro-wishes.

One record serves two owners: the community where the member serves keeps it, and the party unit where
the member works reads it every quarter (`selectors.unit_quarter`). Deeds (为民办实事) are never typed in:
they are counted from fulfilled wishes, helped difficulty cases and completed post tasks.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import ArchivableModel
from core.pii import mask_text
from organisations.models import PartyMember
from regions.models import Region

from .workflow import ActivityStatus, RegistrationStatus, SignUpStatus, WishStatus


def _code() -> str:
    return secrets.token_urlsafe(16)


def proof_path(instance: Wish, filename: str) -> str:
    # The stored name never comes from the uploader (see services.wish_fulfil).
    return f"volunteers/{timezone.now():%Y/%m}/{filename}"


class Registration(ArchivableModel):
    """A member's 双报到 at a community: made online (pending) or at the desk (confirmed at once)."""

    class Channel(models.TextChoices):
        ONLINE = "online", "网上报到"
        DESK = "desk", "现场报到"

    Status = RegistrationStatus

    member = models.ForeignKey(PartyMember, verbose_name="党员", on_delete=models.PROTECT,
                               related_name="registrations")
    community = models.ForeignKey(Region, verbose_name="报到社区", on_delete=models.PROTECT,
                                  related_name="member_registrations")
    channel = models.CharField("报到方式", max_length=8, choices=Channel.choices)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    registered_at = models.DateTimeField("报到时间", default=timezone.now)
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "双报到登记"
        verbose_name_plural = "双报到登记"
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=models.Q(status="pending"),
                                    name="registration_one_pending_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.community}"


class Post(ArchivableModel):
    """A public-welfare post (公益岗位) of a grid or building: duties, shift and how many members it takes."""

    class Category(models.TextChoices):
        SAFETY = "safety", "平安建设"
        SANITATION = "sanitation", "环境卫生"
        CIVILITY = "civility", "文明劝导"
        CARE = "care", "关爱老幼"
        OTHER = "other", "其他"

    region = models.ForeignKey(Region, verbose_name="网格/楼栋", on_delete=models.PROTECT, related_name="posts")
    category = models.CharField("类别", max_length=12, choices=Category.choices)
    title = models.CharField("岗位名称", max_length=100)
    duties = models.TextField("岗位职责")
    shift = models.CharField("服务时段", max_length=100)
    head_count = models.PositiveSmallIntegerField("需要人数")
    # Places taken: moved only by a conditional UPDATE, so two claims of the last place cannot both win.
    filled = models.PositiveSmallIntegerField("已认领人数", default=0)

    class Meta:
        verbose_name = "公益岗位"
        verbose_name_plural = "公益岗位"
        ordering = ["region__code", "category", "title", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(filled__lte=models.F("head_count")),
                                   name="post_not_overfilled"),
            models.CheckConstraint(condition=models.Q(head_count__gte=1), name="post_head_count_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def open_places(self) -> int:
        return self.head_count - self.filled


class PostClaim(models.Model):
    """A member holding a post (认领) from `claimed_at` until they give it up or swap it."""

    post = models.ForeignKey(Post, verbose_name="岗位", on_delete=models.PROTECT, related_name="claims")
    member = models.ForeignKey(PartyMember, verbose_name="党员", on_delete=models.PROTECT, related_name="post_claims")
    claimed_at = models.DateTimeField("认领时间", default=timezone.now)
    ended_at = models.DateTimeField("退出时间", null=True, blank=True)

    class Meta:
        verbose_name = "岗位认领"
        verbose_name_plural = "岗位认领"
        ordering = ["-claimed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "member"], condition=models.Q(ended_at__isnull=True),
                                    name="post_claim_one_open_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.post}"


class PostTask(models.Model):
    """One shift of a post done by its member (a completed post task: one deed)."""

    claim = models.ForeignKey(PostClaim, verbose_name="岗位认领", on_delete=models.PROTECT, related_name="tasks")
    done_on = models.DateField("完成日期")
    note = models.CharField("完成情况", max_length=300)
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "岗位任务"
        verbose_name_plural = "岗位任务"
        ordering = ["-done_on", "-id"]

    def __str__(self) -> str:
        return f"{self.claim} {self.done_on}"


class Activity(ArchivableModel):
    """A 红领巾 volunteer activity: kind, place, time, capacity and needs by role."""

    class Kind(models.TextChoices):
        RED_SCARF = "red_scarf", "红领巾志愿服务"
        ELDERLY = "elderly", "助老服务"
        CHILDREN = "children", "关爱儿童"
        ENVIRONMENT = "environment", "环境整治"
        CIVILITY = "civility", "文明实践"

    Status = ActivityStatus

    community = models.ForeignKey(Region, verbose_name="社区", on_delete=models.PROTECT,
                                  related_name="volunteer_activities")
    kind = models.CharField("活动类型", max_length=12, choices=Kind.choices, default=Kind.RED_SCARF)
    title = models.CharField("活动名称", max_length=150)
    place = models.CharField("活动地点", max_length=150)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    capacity = models.PositiveSmallIntegerField("招募人数")
    taken = models.PositiveSmallIntegerField("已报名人数", default=0)
    needs = models.CharField("岗位需求", max_length=300, blank=True)
    needs_approval = models.BooleanField("报名须审核", default=False)
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="组织者", on_delete=models.PROTECT,
                                  related_name="organised_volunteer_activities")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.OPEN)
    # Printed in the QR code: whoever scans it is at the activity; it is not the activity's id.
    check_code = models.CharField("签到码", max_length=32, default=_code, unique=True, editable=False)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "志愿服务活动"
        verbose_name_plural = "志愿服务活动"
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="activity_ends_after_start"),
            models.CheckConstraint(condition=models.Q(taken__lte=models.F("capacity")),
                                   name="activity_not_overbooked"),
        ]
        indexes = [models.Index(fields=["community", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def scheduled_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class SignUp(models.Model):
    """A member's sign-up: scheduled minutes (the activity's length), completed (check-in to check-out),
    and credited minutes, set only when the organiser confirms."""

    Status = SignUpStatus

    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.PROTECT, related_name="signups")
    member = models.ForeignKey(PartyMember, verbose_name="党员", on_delete=models.PROTECT, related_name="signups")
    status = models.CharField("状态", max_length=12, choices=Status.choices)
    signed_up_at = models.DateTimeField("报名时间", default=timezone.now)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_out_at = models.DateTimeField("签退时间", null=True, blank=True)
    scheduled_minutes = models.PositiveIntegerField("计划时长（分钟）")
    completed_minutes = models.PositiveIntegerField("实际时长（分钟）", null=True, blank=True)
    credited_minutes = models.PositiveIntegerField("确认时长（分钟）", null=True, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "活动报名"
        verbose_name_plural = "活动报名"
        ordering = ["activity", "signed_up_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="signup_one_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.activity}"


class Wish(ArchivableModel):
    """A micro-wish (微心愿): posted by a resident or by staff for them, published masked, fulfilled by a member."""

    Status = WishStatus

    community = models.ForeignKey(Region, verbose_name="社区", on_delete=models.PROTECT, related_name="wishes")
    title = models.CharField("心愿", max_length=100)
    text = models.TextField("心愿内容")
    # What members read: the title and text with phone and ID numbers masked, made when staff publish it.
    published_title = models.CharField("公开心愿", max_length=100, blank=True)
    published_text = models.TextField("公开内容", blank=True)
    resident_name = models.CharField("许愿居民", max_length=50)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                  related_name="posted_wishes")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.POSTED)
    claimed_by = models.ForeignKey(PartyMember, verbose_name="认领党员", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="claimed_wishes")
    claimed_at = models.DateTimeField("认领时间", null=True, blank=True)
    fulfilled_at = models.DateTimeField("完成时间", null=True, blank=True)
    proof = models.FileField("完成照片", upload_to=proof_path, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "微心愿"
        verbose_name_plural = "微心愿"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return self.shown_title

    @property
    def shown_title(self) -> str:
        """The title as every page and the API show it: people write phone numbers into it too."""
        return self.published_title or mask_text(self.title)
