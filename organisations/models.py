"""Organisations, people and the ties between them (支部联建).

Positions carry dates, so who held what, where and when — and therefore 双向进入、交叉任职 — can be
queried for any day. Personal data of people is encrypted at rest (see core.pii).
"""

from __future__ import annotations

from django.db import models

from core.models import ArchivableModel
from core.pii import EncryptedTextField
from regions.models import Region


class Organisation(ArchivableModel):
    class Kind(models.TextChoices):
        STREET_JOINT_COUNCIL = "street_joint_council", "街道党建联席会"
        COMMUNITY_PARTY = "community_party", "社区党组织"
        CO_BUILDING_COUNCIL = "co_building_council", "社区共驻共建协商会"
        GRID_PARTY_GROUP = "grid_party_group", "网格（楼栋）党小组"
        AGENCY_PARTY = "agency_party", "机关党组织"
        NEW_ECONOMIC = "new_economic", "两新组织（新经济组织）"
        NEW_SOCIAL = "new_social", "两新组织（新社会组织）"
        DEPARTMENT = "department", "职能部门"
        DISPATCHED_AGENCY = "dispatched_agency", "派出机构"
        PROPERTY_COMPANY = "property_company", "物业企业"
        OWNERS_COMMITTEE = "owners_committee", "业主委员会"
        BUSINESS_DISTRICT_PARTY = "business_district_party", "商圈/商务楼宇党组织"
        INDUSTRIAL_PARK_PARTY = "industrial_park_party", "专业园区党组织"
        SOCIAL_ORGANISATION = "social_organisation", "社会组织"

    TWO_NEW_KINDS = (Kind.NEW_ECONOMIC, Kind.NEW_SOCIAL)

    name = models.CharField("名称", max_length=150)
    kind = models.CharField("类型", max_length=32, choices=Kind.choices)
    region = models.ForeignKey(Region, verbose_name="所在区域", on_delete=models.PROTECT, related_name="organisations")
    parent = models.ForeignKey(
        "self", verbose_name="上级组织", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    address = models.CharField("办公地址", max_length=200, blank=True)
    description = models.TextField("简介", blank=True)

    class Meta:
        verbose_name = "组织"
        verbose_name_plural = "组织"
        ordering = ["region__code", "kind", "name"]
        constraints = [
            # The natural key used by imports: one organisation of a name in one place.
            models.UniqueConstraint(fields=["region", "name"], name="organisation_unique_name_in_region"),
        ]
        indexes = [models.Index(fields=["kind", "region"])]

    def __str__(self) -> str:
        return self.name


class Person(ArchivableModel):
    class Gender(models.TextChoices):
        MALE = "male", "男"
        FEMALE = "female", "女"

    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=8, choices=Gender.choices, blank=True)
    # Set from the ID number by the person services when not given; decides who is under 14.
    birth_date = models.DateField("出生日期", null=True, blank=True)
    phone = EncryptedTextField("联系电话", blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number = EncryptedTextField("身份证号", blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    address = EncryptedTextField("家庭住址", blank=True)
    home_region = models.ForeignKey(
        Region, verbose_name="居住网格/楼栋", null=True, blank=True, on_delete=models.PROTECT, related_name="residents"
    )

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["name", "id"]
        permissions = [("reveal_minor_data", "可查看未满十四周岁人员的个人信息")]
        constraints = [
            # An ID number identifies one person; empty hashes (no ID number on file) are exempt.
            models.UniqueConstraint(
                fields=["id_number_hash"], condition=~models.Q(id_number_hash=""), name="person_unique_id_number"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Position(ArchivableModel):
    """A post held by a person in an organisation from `started_on` until `ended_on` (open if null)."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="positions")
    organisation = models.ForeignKey(
        Organisation, verbose_name="组织", on_delete=models.PROTECT, related_name="positions"
    )
    title = models.CharField("职务", max_length=50)
    is_leader = models.BooleanField("主要负责人", default=False)
    started_on = models.DateField("任职日期")
    ended_on = models.DateField("离任日期", null=True, blank=True)

    class Meta:
        verbose_name = "任职"
        verbose_name_plural = "任职"
        ordering = ["organisation__name", "-is_leader", "started_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="position_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.organisation} {self.title}"


class PartyMember(ArchivableModel):
    """A party member: their own branch, and the community they registered at under 双报到."""

    person = models.OneToOneField(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="party_member")
    branch = models.ForeignKey(
        Organisation, verbose_name="所在党组织", on_delete=models.PROTECT, related_name="party_members"
    )
    joined_on = models.DateField("入党日期", null=True, blank=True)
    registered_community = models.ForeignKey(
        Region, verbose_name="报到社区", null=True, blank=True, on_delete=models.PROTECT,
        related_name="registered_party_members",
    )
    registered_on = models.DateField("报到日期", null=True, blank=True)
    grid = models.ForeignKey(
        Region, verbose_name="所在网格", null=True, blank=True, on_delete=models.PROTECT,
        related_name="grid_party_members",
    )
    is_central_household = models.BooleanField("党员中心户", default=False)
    skills = models.CharField("特长", max_length=200, blank=True)

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["person__name", "id"]

    def __str__(self) -> str:
        return str(self.person)


class AgencyRegistration(ArchivableModel):
    """组织报到: an agency party branch registered at a community."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="报到党组织", on_delete=models.PROTECT, related_name="community_registrations"
    )
    community = models.ForeignKey(
        Region, verbose_name="报到社区", on_delete=models.PROTECT, related_name="agency_registrations"
    )
    registered_on = models.DateField("报到日期")

    class Meta:
        verbose_name = "组织报到"
        verbose_name_plural = "组织报到"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "community"], name="agency_registration_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.community}"


class Pact(ArchivableModel):
    """A joint-building pact (联建协议) between a community party organisation and a partner."""

    class Kind(models.TextChoices):
        BRANCH_JOINT_BUILDING = "branch", "支部联建"
        PROPERTY_JOINT_BUILDING = "property", "物业党建联建"
        CO_BUILDING = "co_building", "共驻共建"

    community_organisation = models.ForeignKey(
        Organisation, verbose_name="社区党组织", on_delete=models.PROTECT, related_name="community_pacts"
    )
    partner = models.ForeignKey(
        Organisation, verbose_name="联建单位", on_delete=models.PROTECT, related_name="partner_pacts"
    )
    kind = models.CharField("联建类型", max_length=20, choices=Kind.choices, default=Kind.BRANCH_JOINT_BUILDING)
    signed_on = models.DateField("签订日期")
    ends_on = models.DateField("到期日期", null=True, blank=True)

    class Meta:
        verbose_name = "联建协议"
        verbose_name_plural = "联建协议"
        ordering = ["-signed_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community_organisation", "partner", "kind"], name="pact_unique_pair_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community_organisation} ⇄ {self.partner}"


class PactCommitment(ArchivableModel):
    """One promise written into a pact (共建承诺), by the community side or the partner."""

    class Side(models.TextChoices):
        COMMUNITY = "community", "社区"
        PARTNER = "partner", "联建单位"

    pact = models.ForeignKey(Pact, verbose_name="联建协议", on_delete=models.PROTECT, related_name="commitments")
    side = models.CharField("承诺方", max_length=12, choices=Side.choices)
    content = models.CharField("承诺内容", max_length=300)
    fulfilled = models.BooleanField("已兑现", default=False)

    class Meta:
        verbose_name = "共建承诺"
        verbose_name_plural = "共建承诺"
        ordering = ["pact", "side", "id"]

    def __str__(self) -> str:
        return self.content


class JointActivity(ArchivableModel):
    """A joint activity held in a community with partner organisations (同上党课、同办活动 …)."""

    class Kind(models.TextChoices):
        PARTY_LESSON = "party_lesson", "同上党课"
        JOINT_EVENT = "joint_event", "同办活动"
        VOLUNTEER_SERVICE = "volunteer_service", "志愿服务"
        CULTURAL_EVENT = "cultural_event", "文化活动"
        THEMED_PARTY_DAY = "themed_party_day", "主题党日"

    title = models.CharField("活动名称", max_length=150)
    kind = models.CharField("活动类型", max_length=24, choices=Kind.choices)
    held_on = models.DateField("活动日期")
    community = models.ForeignKey(
        Region, verbose_name="举办社区", on_delete=models.PROTECT, related_name="joint_activities"
    )
    venue = models.ForeignKey(
        "regions.Facility", verbose_name="活动场地", null=True, blank=True, on_delete=models.PROTECT,
        related_name="joint_activities",
    )
    pact = models.ForeignKey(
        Pact, verbose_name="所属联建", null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    organisations = models.ManyToManyField(Organisation, verbose_name="参加组织", related_name="joint_activities")
    participants = models.ManyToManyField(Person, verbose_name="参加人员", blank=True, related_name="joint_activities")
    participant_count = models.PositiveIntegerField("参加人数", default=0)
    summary = models.TextField("活动内容", blank=True)

    class Meta:
        verbose_name = "联建活动"
        verbose_name_plural = "联建活动"
        ordering = ["-held_on", "id"]

    def __str__(self) -> str:
        return self.title
