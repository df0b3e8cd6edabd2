"""Problem categories by function (按职能分类), their urgency levels and responsible bodies.

A category names the bodies that handle it (one lead 主办, any number assisting 协办); a category
that names none inherits them from its nearest ancestor that does, so a county can map first-level
functions to departments and refine only where a sub-category is handled by someone else.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.models import ArchivableModel
from organisations.models import Organisation
from workcalendar.limits import TimeLimit

MAX_LEVEL = 3

# Bodies a case can be dispatched to; party organisations and councils are not handlers.
HANDLER_KINDS = (
    Organisation.Kind.DEPARTMENT,
    Organisation.Kind.DISPATCHED_AGENCY,
    Organisation.Kind.PROPERTY_COMPANY,
    Organisation.Kind.SOCIAL_ORGANISATION,
    Organisation.Kind.OWNERS_COMMITTEE,
)


class LimitUnit(models.TextChoices):
    MINUTES = "minutes", "分钟"
    HOURS = "hours", "小时"
    WORKING_DAYS = "working_days", "工作日"


class UrgencyLevel(models.Model):
    """How fast a case must be answered (响应) and finished (办结)."""

    class Code(models.TextChoices):
        EMERGENCY = "emergency", "紧急"
        UTILITY = "utility", "水电气暖"
        GENERAL = "general", "一般"
        COMPLEX = "complex", "复杂"

    code = models.SlugField("代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=20, unique=True)
    response_amount = models.PositiveIntegerField("响应时限")
    response_unit = models.CharField("响应时限单位", max_length=16, choices=LimitUnit.choices)
    finish_amount = models.PositiveIntegerField("办结时限")
    finish_unit = models.CharField("办结时限单位", max_length=16, choices=LimitUnit.choices)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "紧急程度"
        verbose_name_plural = "紧急程度"
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(response_unit__in=LimitUnit.values) & models.Q(finish_unit__in=LimitUnit.values),
                name="urgencylevel_units_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def with_limits(self) -> str:
        """The name and both time limits, as a handler choosing a level needs to see them."""
        return f"{self.name}（{self.response_limit}内响应，{self.finish_limit}内办结）"

    @property
    def response_limit(self) -> TimeLimit:
        """Time to accept or report in (响应)."""
        return TimeLimit(self.response_amount, self.response_unit)

    @property
    def finish_limit(self) -> TimeLimit:
        """Time to finish (办结)."""
        return TimeLimit(self.finish_amount, self.finish_unit)


class Category(ArchivableModel):
    code = models.CharField("分类编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name="上级分类", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField(
        "层级", default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_LEVEL)]
    )
    order = models.PositiveIntegerField("排序", default=0)
    keywords = models.TextField("关键词", blank=True, help_text="以逗号、顿号或空格分隔，用于自动分类")
    description = models.TextField("说明", blank=True)
    accepts_public = models.BooleanField("向居民公开", default=True, help_text="居民上报页面和 Open311 中可选")
    default_urgency = models.ForeignKey(
        UrgencyLevel, verbose_name="默认紧急程度", null=True, blank=True, on_delete=models.PROTECT,
        related_name="categories", help_text="留空时沿用上级分类的设置",
    )
    departments = models.ManyToManyField(
        Organisation, verbose_name="责任单位", through="CategoryDepartment", related_name="categories", blank=True
    )

    class Meta:
        verbose_name = "问题分类"
        verbose_name_plural = "问题分类"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_under_parent"),
            # NULL parents never collide in SQL, so first-level names need their own constraint.
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(parent__isnull=True), name="category_unique_root_name"
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=1) & models.Q(level__lte=MAX_LEVEL), name="category_level_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id is None:
            expected = 1
        else:
            if self.pk is not None and self.parent_id == self.pk:
                raise ValidationError({"parent": "上级分类不能是自己"})
            expected = self.parent.level + 1
        if expected > MAX_LEVEL:
            raise ValidationError({"parent": f"分类最多 {MAX_LEVEL} 级"})
        self.level = expected

    def ancestors(self) -> list[Category]:
        """Parents from the nearest up to the root (one query per level, at most two)."""
        chain: list[Category] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(reversed([self.name, *(a.name for a in self.ancestors())]))

    @property
    def full_name(self) -> str:
        return " / ".join(self.path)

    @property
    def lead_department(self) -> Organisation | None:
        """The lead body, inherited from the nearest ancestor that names one (see selectors)."""
        from .selectors import lead_department_for

        return lead_department_for(self)

    def keyword_list(self) -> list[str]:
        """The keywords as a list, for the classifier."""
        from .selectors import split_keywords

        return split_keywords(self.keywords)


class CategoryDepartment(models.Model):
    category = models.ForeignKey(
        Category, verbose_name="分类", on_delete=models.CASCADE, related_name="department_links"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name="责任单位", on_delete=models.PROTECT, related_name="category_links",
        limit_choices_to={"kind__in": HANDLER_KINDS},
    )
    is_lead = models.BooleanField("主办单位", default=False, help_text="不勾选为协办单位")

    class Meta:
        verbose_name = "分类责任单位"
        verbose_name_plural = "分类责任单位"
        ordering = ["-is_lead", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["category", "organisation"], name="categorydepartment_unique"),
            models.UniqueConstraint(
                fields=["category"], condition=models.Q(is_lead=True), name="categorydepartment_one_lead"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.organisation}（{'主办' if self.is_lead else '协办'}）"

    def clean(self) -> None:
        if self.organisation_id and self.organisation.kind not in HANDLER_KINDS:
            raise ValidationError({"organisation": "只能指定职能部门、派出机构、物业企业、业主委员会或社会组织"})
