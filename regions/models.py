"""The region tree (county → street → community → grid → building) and the facilities placed in it.

A region's code is hierarchical: every code starts with its parent's code and its length fixes its
level (6 county, 9 street, 12 community, 15 grid, 18 building; 2 and 4 for province and city). A
subtree is therefore one range scan on the unique index of `code`: `code >= C and code < C + ':'`
(':' sorts right after '9'), with no recursion.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

from core.models import ArchivableModel


class Level(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县（区）"
    STREET = "street", "街道（镇）"
    COMMUNITY = "community", "社区"
    GRID = "grid", "网格"
    BUILDING = "building", "楼栋"


CODE_LENGTHS: dict[str, int] = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.STREET: 9,
    Level.COMMUNITY: 12,
    Level.GRID: 15,
    Level.BUILDING: 18,
}
LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTHS.items()}
LEVEL_ORDER = list(CODE_LENGTHS)

code_validator = RegexValidator(r"^[0-9]{2,18}$", "区域编码只能由 2 到 18 位数字组成")


class Region(ArchivableModel):
    code = models.CharField("区域编码", max_length=18, unique=True, validators=[code_validator])
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级区域", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = "区域"
        verbose_name_plural = "区域"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=[choice for choice, _ in Level.choices]), name="region_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def subtree_upper_bound(self) -> str:
        return self.code + ":"

    def contains(self, other: Region) -> bool:
        return other.code.startswith(self.code)


class Facility(ArchivableModel):
    """A 阵地: a hall, room, centre or station that serves residents, placed in the region tree."""

    class Kind(models.TextChoices):
        CULTURAL_CENTER = "cultural_center", "群众文化活动中心"
        DAY_CARE_CENTER = "day_care_center", "日间照料中心"
        AFTER_SCHOOL_CENTER = "after_school_center", "四点半学校"
        SERVICE_HALL = "service_hall", "一站式便民服务大厅"
        OPINION_WINDOW = "opinion_window", "民意征求窗口"
        RECEPTION_ROOM = "reception_room", "两代表一委员接待室"
        MEDIATION_ROOM = "mediation_room", "调解室"
        VOLUNTEER_STATION = "volunteer_station", "社区志愿服务工作站"
        LEGAL_STATION = "legal_station", "社区法律服务站"
        LABOUR_STATION = "labour_station", "劳动保障工作站"
        WOMEN_CHILDREN_HOME = "women_children_home", "妇女儿童之家"
        ELDERLY_UNIVERSITY = "elderly_university", "社区老年大学"
        PARTY_SERVICE_CENTER = "party_service_center", "党群服务中心"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=32, choices=Kind.choices)
    region = models.ForeignKey(Region, verbose_name="所在区域", on_delete=models.PROTECT, related_name="facilities")
    address = models.CharField("地址", max_length=200, blank=True)
    capacity = models.PositiveIntegerField("容纳人数", null=True, blank=True)
    opening_hours = models.CharField("开放时间", max_length=100, blank=True)
    host_organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name="提供单位", null=True, blank=True, on_delete=models.PROTECT,
        related_name="hosted_facilities",
    )

    class Meta:
        verbose_name = "阵地"
        verbose_name_plural = "阵地"
        ordering = ["region__code", "kind", "name"]
        indexes = [models.Index(fields=["kind", "region"])]

    def __str__(self) -> str:
        return self.name
