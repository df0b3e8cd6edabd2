"""Task requests (社区工作事项准入申请), the tasks pushed down to communities, and the ledger of the money that
goes with each admitted task (承诺、拨付、支出), per community, in exact decimal money."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import ArchivableModel
from organisations.models import Organisation
from regions.models import Region

from .workflow import Status

MONEY = dict(max_digits=14, decimal_places=2)


class TaskCategory(ArchivableModel):
    """One of the categories of work a community may be asked to take on (基层党建、文明创建 …), configured by
    the county; the nine of the county's list are written by this app's first migration."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40, unique=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "事项类别"
        verbose_name_plural = "事项类别"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class TaskRequest(ArchivableModel):
    """A department's request that the communities of `region` take on a task, with what goes with it: the
    legal basis, the authority (权随责走), the funds per year (费随事转) and the people."""

    region = models.ForeignKey(Region, verbose_name="适用区域", on_delete=models.PROTECT, related_name="task_requests")
    department = models.ForeignKey(Organisation, verbose_name="申请部门", on_delete=models.PROTECT,
                                   related_name="task_requests")
    category = models.ForeignKey(TaskCategory, verbose_name="事项类别", on_delete=models.PROTECT,
                                 related_name="requests")
    title = models.CharField("事项名称", max_length=150)
    description = models.TextField("工作内容", blank=True)
    legal_basis = models.TextField("法律政策依据")
    authority = models.TextField("随事项下放的权限", blank=True)
    funds = models.DecimalField("随事项拨付的经费（元/年）", null=True, blank=True, **MONEY)
    people = models.PositiveIntegerField("配备人员（人）", default=0)
    training = models.CharField("培训安排", max_length=300, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.FILED)
    version = models.PositiveIntegerField("版本", default=1)
    review_reason = models.TextField("审核意见", blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField("提交时间", default=timezone.now)
    # A retry of the same request (the same key) gives back this request instead of a second one.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = "事项准入申请"
        verbose_name_plural = "事项准入申请"
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(funds__isnull=True) | models.Q(funds__gte=0),
                                   name="task_request_funds_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def admitted(self) -> bool:
        return self.status == Status.ADMITTED


class CommunityTask(models.Model):
    """A task pushed down to one community: admitted, or not (listed as such, and the community may refuse it)."""

    class State(models.TextChoices):
        ASSIGNED = "assigned", "已下派"
        REFUSED = "refused", "社区拒绝承接"

    request = models.ForeignKey(TaskRequest, verbose_name="事项", on_delete=models.PROTECT,
                                related_name="community_tasks")
    community = models.ForeignKey(Region, verbose_name="社区", on_delete=models.PROTECT, related_name="tasks")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.ASSIGNED)
    pushed_at = models.DateTimeField("下派时间", default=timezone.now)
    pushed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="下派人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    refused_reason = models.TextField("拒绝理由", blank=True)
    refused_at = models.DateTimeField("拒绝时间", null=True, blank=True)

    class Meta:
        verbose_name = "社区承接事项"
        verbose_name_plural = "社区承接事项"
        ordering = ["community__code", "-pushed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "community"], name="task_pushed_once_per_community")]

    def __str__(self) -> str:
        return f"{self.community} · {self.request}"


class LedgerEntry(models.Model):
    """One line of an admitted task's ledger for one community: money committed, transferred (拨付) or spent."""

    class Kind(models.TextChoices):
        COMMITMENT = "commitment", "承诺经费"
        TRANSFER = "transfer", "拨付"
        SPENDING = "spending", "支出"

    request = models.ForeignKey(TaskRequest, verbose_name="事项", on_delete=models.PROTECT,
                                related_name="ledger_entries")
    community = models.ForeignKey(Region, verbose_name="社区", on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    amount = models.DecimalField("金额（元）", **MONEY)
    on = models.DateField("日期")
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = "经费台账"
        verbose_name_plural = "经费台账"
        ordering = ["request_id", "community__code", "on", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="ledger_amount_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class ListKind(models.TextChoices):
    """The community's power list and its three task lists."""

    POWERS = "powers", "社区权力清单"
    DUTIES = "duties", "依法履职事项清单"
    ASSISTING = "assisting", "协助办理事项清单"
    NEGATIVE = "negative", "负面事项清单"


class ListItem(models.Model):
    """One version of one item of a community's list (or of a county's or street's list, which reaches each of its
    communities). A change is a new version with its date and reason; the earlier one is kept, superseded."""

    region = models.ForeignKey(Region, verbose_name="区域", on_delete=models.PROTECT, related_name="list_items")
    kind = models.CharField("清单", max_length=12, choices=ListKind.choices)
    # The item across its versions: the id of its first version.
    key = models.PositiveBigIntegerField("事项编号", null=True, blank=True, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    title = models.CharField("事项名称", max_length=150)
    item_type = models.CharField("事项类型", max_length=40)
    legal_basis = models.TextField("法律政策依据")
    responsible_unit = models.CharField("责任单位", max_length=150)
    supporting_units = models.CharField("配合单位", max_length=300, blank=True)
    retired = models.BooleanField("已取消", default=False)
    effective_on = models.DateField("生效日期")
    reason = models.TextField("制定或调整理由")
    superseded_at = models.DateTimeField("被新版本替代时间", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "清单事项"
        verbose_name_plural = "清单事项"
        ordering = ["kind", "key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="list_item_version_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.title}（第 {self.version} 版）"


class DispatchedTeam(ArchivableModel):
    """A team a county body places under the community (县派驻、单位管、社区用): 城管执法, 公安, 市场监管 …, with its
    home unit, and the head's seat in the organisation network (a position on the community committee)."""

    class Kind(models.TextChoices):
        URBAN_MANAGEMENT = "urban_management", "城管执法"
        POLICE = "police", "公安"
        MARKET_REGULATION = "market_regulation", "市场监管"
        JUSTICE = "justice", "司法"
        OTHER = "other", "其他"

    community = models.ForeignKey(Region, verbose_name="社区", on_delete=models.PROTECT, related_name="teams")
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    home_unit = models.ForeignKey(Organisation, verbose_name="派出单位", on_delete=models.PROTECT,
                                  related_name="dispatched_teams")
    head_seat = models.ForeignKey("organisations.Position", verbose_name="负责人在社区的席位", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="dispatched_teams")

    class Meta:
        verbose_name = "下沉力量"
        verbose_name_plural = "下沉力量"
        ordering = ["community__code", "kind", "id"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="team_name_once_per_community")]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    """A member of a dispatched team, with the unit they belong to."""

    team = models.ForeignKey(DispatchedTeam, verbose_name="下沉力量", on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey("organisations.Person", verbose_name="人员", on_delete=models.PROTECT,
                               related_name="team_memberships")
    role = models.CharField("岗位", max_length=40, blank=True)
    joined_on = models.DateField("下沉日期")
    left_on = models.DateField("撤回日期", null=True, blank=True)

    class Meta:
        verbose_name = "下沉人员"
        verbose_name_plural = "下沉人员"
        ordering = ["team_id", "joined_on", "id"]
        constraints = [models.UniqueConstraint(fields=["team", "person"], name="team_member_once")]

    def __str__(self) -> str:
        return f"{self.team} · {self.person}"


class TeamAssignment(models.Model):
    """Work the community gives a dispatched team — from a case or from a patrol plan — and what they did."""

    class Source(models.TextChoices):
        CASE = "case", "事项"
        PATROL = "patrol", "巡查计划"

    team = models.ForeignKey(DispatchedTeam, verbose_name="下沉力量", on_delete=models.PROTECT,
                             related_name="assignments")
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    case = models.ForeignKey("cases.Case", verbose_name="事项", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="team_assignments")
    title = models.CharField("工作内容", max_length=150)
    due_on = models.DateField("完成期限")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="派单人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField("派单时间", default=timezone.now)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    what_was_done = models.TextField("工作情况", blank=True)

    class Meta:
        verbose_name = "下沉力量派单"
        verbose_name_plural = "下沉力量派单"
        ordering = ["-assigned_at", "-id"]
        constraints = [models.CheckConstraint(
            condition=models.Q(source="patrol", case__isnull=True) | models.Q(source="case", case__isnull=False),
            name="team_assignment_case_when_from_a_case")]

    def __str__(self) -> str:
        return self.title


class Consent(models.Model):
    """The community's decision on appointing a person to head a team placed in it (征得同意权): given or refused,
    with its date, signatories and reasons. A head is appointed only when the latest decision on that person for
    that team is a consent (`tasks.services.team_head_appoint`)."""

    team = models.ForeignKey(DispatchedTeam, verbose_name="下沉力量", on_delete=models.PROTECT,
                             related_name="consents")
    candidate = models.ForeignKey("organisations.Person", verbose_name="拟任人选", on_delete=models.PROTECT,
                                  related_name="consents")
    consented = models.BooleanField("同意")
    decided_on = models.DateField("决定日期")
    signatories = models.CharField("签字人", max_length=300)
    reasons = models.TextField("理由")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "征得同意"
        verbose_name_plural = "征得同意"
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.team} · {self.candidate} · {'同意' if self.consented else '不同意'}"
