"""The community's yearly grading of a dispatched team's head, the county's result, and the departments'
yearly evaluation weights. Consent to a head's appointment lives with the team, in `tasks.models.Consent`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from organisations.models import Person
from tasks.models import DispatchedTeam


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    COMPETENT = "competent", "称职"
    BASICALLY_COMPETENT = "basically_competent", "基本称职"
    INCOMPETENT = "incompetent", "不称职"


class Grading(models.Model):
    """One year's grading of one team's head: the community's proposal and opinion, then the county's result (the
    proposal is an important basis; a result that differs from it carries its reason)."""

    team = models.ForeignKey(DispatchedTeam, verbose_name="下沉力量", on_delete=models.PROTECT,
                             related_name="gradings")
    year = models.PositiveSmallIntegerField("年度")
    head = models.ForeignKey(Person, verbose_name="负责人", on_delete=models.PROTECT, related_name="gradings")
    proposal = models.CharField("社区评定建议", max_length=20, choices=Grade.choices)
    opinion = models.TextField("社区评价意见")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="评定人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField("评定时间", default=timezone.now)
    result = models.CharField("县级评定结果", max_length=20, choices=Grade.choices, blank=True)
    result_reason = models.TextField("与社区建议不一致的理由", blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审定人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("审定时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "年度考核评价"
        verbose_name_plural = "年度考核评价"
        ordering = ["-year", "team__community__code", "team_id"]
        constraints = [models.UniqueConstraint(fields=["team", "year"], name="one_grading_per_team_and_year")]

    def __str__(self) -> str:
        return f"{self.year} · {self.team} · {self.get_proposal_display()}"

    @property
    def differs(self) -> bool:
        return bool(self.result) and self.result != self.proposal


class EvaluationWeights(models.Model):
    """The weights a county sets for a year's evaluation of departments by each community (考评权): response,
    resolution and satisfaction, in points adding up to 100."""

    county = models.ForeignKey("regions.Region", verbose_name="县（区）", on_delete=models.PROTECT,
                               related_name="evaluation_weights")
    year = models.PositiveSmallIntegerField("年度")
    response = models.PositiveSmallIntegerField("响应权重", default=30)
    resolution = models.PositiveSmallIntegerField("解决权重", default=35)
    satisfaction = models.PositiveSmallIntegerField("满意权重", default=35)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="设置人", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField("设置时间", default=timezone.now)

    class Meta:
        verbose_name = "部门考评权重"
        verbose_name_plural = "部门考评权重"
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="one_weighting_per_county_and_year"),
            models.CheckConstraint(condition=models.Q(response__lte=100, resolution__lte=100, satisfaction__lte=100),
                                   name="weights_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.year} 响应 {self.response} / 解决 {self.resolution} / 满意 {self.satisfaction}"
