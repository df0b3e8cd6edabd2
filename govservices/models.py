"""The catalogue of service items (办事指南) in categories, each item's versions, the requests taken
under a version (办件) with their steps, and the residents' ratings (好差评) with their follow-ups (整改)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import ArchivableModel
from core.pii import EncryptedTextField
from halls.models import ServiceWindow
from organisations.models import Organisation
from regions.models import Facility, Region

from .workflow import Status


class Category(ArchivableModel):
    """A category of items (工商登记、证明开具 …)."""

    name = models.CharField("类别名称", max_length=50, unique=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "事项类别"
        verbose_name_plural = "事项类别"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Item(ArchivableModel):
    """A service item by its code; what it says lives in its versions, the newest of which is current."""

    category = models.ForeignKey(Category, verbose_name="类别", on_delete=models.PROTECT, related_name="items")
    code = models.CharField("事项编码", max_length=32, unique=True)
    name = models.CharField("事项名称", max_length=100)
    # The first letter of each character's pinyin (证明开具 → zmkj), so residents find it by initials.
    initials = models.CharField("拼音首字母", max_length=100, editable=False, db_index=True)
    current = models.ForeignKey("ItemVersion", verbose_name="现行版本", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "服务事项"
        verbose_name_plural = "服务事项"
        ordering = ["category__order", "code"]

    def __str__(self) -> str:
        return self.name


class ItemVersion(models.Model):
    """One version of an item's guide (办事指南). Never changed once written: a request keeps its version."""

    class Kind(models.TextChoices):
        IMMEDIATE = "immediate", "即办件"
        PROMISED = "promised", "承诺件"

    item = models.ForeignKey(Item, verbose_name="事项", on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    authority = models.CharField("实施机关", max_length=100)
    legal_basis = models.TextField("设定和实施依据")
    conditions = models.TextField("申请条件")
    # [{"name": …, "sample": …, "original": bool, "copies": int}]
    materials = models.JSONField("申请材料", default=list, blank=True)
    fee = models.CharField("收费标准", max_length=200, default="不收费")
    fee_basis = models.CharField("收费依据", max_length=200, blank=True)
    legal_days = models.PositiveSmallIntegerField("法定时限（工作日）")
    promised_days = models.PositiveSmallIntegerField("承诺时限（工作日）")
    kind = models.CharField("办件类型", max_length=10, choices=Kind.choices)
    visits = models.PositiveSmallIntegerField("到现场次数", default=1)
    handled_locally = models.BooleanField("社区直接办理", default=True)
    forwarded_to = models.CharField("转报单位", max_length=100, blank=True)
    # [{"name": …, "url": …}]
    forms = models.JSONField("表格下载", default=list, blank=True)
    # [{"q": …, "a": …}]
    questions = models.JSONField("常见问题", default=list, blank=True)
    created_at = models.DateTimeField("发布时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "办事指南版本"
        verbose_name_plural = "办事指南版本"
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="item_version_unique")]
        ordering = ["item", "-number"]

    def __str__(self) -> str:
        return f"{self.item.name}（第{self.number}版）"


class ServiceRequest(models.Model):
    """A request (办件): taken at a window or applied for online, under one version of an item."""

    class Channel(models.TextChoices):
        WINDOW = "window", "窗口受理"
        ONLINE = "online", "网上申请"

    item_version = models.ForeignKey(ItemVersion, verbose_name="办事指南版本", on_delete=models.PROTECT,
                                     related_name="requests")
    region = models.ForeignKey(Region, verbose_name="社区", on_delete=models.PROTECT, related_name="service_requests")
    hall = models.ForeignKey(Facility, verbose_name="受理大厅", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="service_requests")
    # The window it was taken at, so 好差评 are counted per window too.
    window = models.ForeignKey(ServiceWindow, verbose_name="受理窗口", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="service_requests")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    tracking_code = models.CharField("查询码", max_length=12, unique=True)
    applicant_name = models.CharField("申请人", max_length=50)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人账号", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="service_requests")
    # 帮办代办: staff act for an elderly or disabled resident, who consented.
    assisted = models.BooleanField("帮办代办", default=False)
    consent = models.CharField("本人同意记录", max_length=200, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    version = models.PositiveIntegerField("版本", default=1)
    first_receiver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="首问责任人", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="service_requests_received")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="首办责任人", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="service_requests_handled")
    department = models.ForeignKey(Organisation, verbose_name="转办部门", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="service_requests")
    missing = models.JSONField("补正材料", default=list, blank=True)
    reason = models.TextField("不予受理理由", blank=True)
    result = models.TextField("办理结果", blank=True)
    submitted_at = models.DateTimeField("申请时间")
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    due_at = models.DateTimeField("承诺办结时限", null=True, blank=True)
    # While 补正 runs the clock stands: the working days left are kept and counted again on `supplement`.
    paused_days_left = models.PositiveSmallIntegerField("补正时剩余工作日", null=True, blank=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    delivered_at = models.DateTimeField("出件时间", null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.item_version.item.name}（{self.tracking_code}）"

    @property
    def on_time(self) -> bool | None:
        """Finished within the promised limit; None while not finished or without a limit."""
        if self.completed_at is None or self.due_at is None:
            return None
        return self.completed_at <= self.due_at


class RequestStep(models.Model):
    """One move of a request: who made it, from which status to which, with what note."""

    request = models.ForeignKey(ServiceRequest, verbose_name="办件", on_delete=models.PROTECT, related_name="steps")
    action = models.CharField("动作", max_length=16)
    from_status = models.CharField("原状态", max_length=12, blank=True)
    to_status = models.CharField("新状态", max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "办件环节"
        verbose_name_plural = "办件环节"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.action


class Rating(models.Model):
    """好差评: the resident's rating of a finished request on the national five levels."""

    class Level(models.IntegerChoices):
        VERY_SATISFIED = 5, "非常满意"
        SATISFIED = 4, "满意"
        FAIR = 3, "基本满意"
        DISSATISFIED = 2, "不满意"
        VERY_DISSATISFIED = 1, "非常不满意"

    request = models.OneToOneField(ServiceRequest, verbose_name="办件", on_delete=models.PROTECT,
                                   related_name="rating")
    level = models.PositiveSmallIntegerField("评价", choices=Level.choices)
    comment = models.TextField("评价内容", blank=True)
    created_at = models.DateTimeField("评价时间", auto_now_add=True)

    class Meta:
        verbose_name = "好差评"
        verbose_name_plural = "好差评"
        constraints = [models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5),
                                              name="rating_level_in_range")]

    def __str__(self) -> str:
        return self.get_level_display()

    @property
    def is_bad(self) -> bool:
        return self.level <= self.Level.DISSATISFIED


class FollowUp(models.Model):
    """整改: every 差评 is followed up by its deadline, and the reply goes back to the resident."""

    rating = models.OneToOneField(Rating, verbose_name="差评", on_delete=models.PROTECT, related_name="follow_up")
    due_at = models.DateTimeField("整改期限")
    reply = models.TextField("整改答复", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="答复人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "差评整改"
        verbose_name_plural = "差评整改"
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"整改（{self.rating.request.tracking_code}）"


class Provider(ArchivableModel):
    """A registered social service organisation (社会服务组织) and the communities it serves.

    `region` is where it was registered (county, street or community): staff who manage that place edit
    it; staff of a community it serves see it. The phone may be someone's own mobile: stored encrypted,
    shown masked."""

    class Kind(models.TextChoices):
        EDUCATION = "education", "教育托管"
        HOUSEKEEPING = "housekeeping", "家政服务"
        LEGAL = "legal", "法律咨询"
        REPAIR = "repair", "家电维修"
        ELDERLY = "elderly", "养老服务"
        OTHER = "other", "其他服务"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("服务类别", max_length=16, choices=Kind.choices)
    services = models.TextField("服务内容")
    hours = models.CharField("服务时间", max_length=100)
    phone = EncryptedTextField("联系电话")
    address = models.CharField("服务地址", max_length=200, blank=True)
    region = models.ForeignKey(Region, verbose_name="登记地", on_delete=models.PROTECT, related_name="+")
    communities = models.ManyToManyField(Region, verbose_name="服务社区", related_name="service_providers")
    organisation = models.ForeignKey(Organisation, verbose_name="对应组织", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="service_providers")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "社会服务组织"
        verbose_name_plural = "社会服务组织"
        ordering = ["kind", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["name"], condition=models.Q(archived_at__isnull=True),
                                               name="provider_active_name_unique")]

    def __str__(self) -> str:
        return self.name


class ProviderRating(models.Model):
    """A resident's rating of a provider on the national five levels: one per account, provider and month,
    so a rating counts once however often it is sent."""

    provider = models.ForeignKey(Provider, verbose_name="服务组织", on_delete=models.PROTECT, related_name="ratings")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="评价人", on_delete=models.PROTECT,
                              related_name="+")
    month = models.DateField("评价月份")  # the first day of the month the rating was given in
    level = models.PositiveSmallIntegerField("评价", choices=Rating.Level.choices)
    comment = models.TextField("评价内容", blank=True)
    created_at = models.DateTimeField("评价时间", auto_now_add=True)

    class Meta:
        verbose_name = "服务组织评价"
        verbose_name_plural = "服务组织评价"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "rater", "month"], name="provider_rating_once_a_month"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5),
                                   name="provider_rating_level_in_range"),
        ]

    def __str__(self) -> str:
        return self.get_level_display()
