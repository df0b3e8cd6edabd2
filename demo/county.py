"""The demo county: a county modelled on 乾县 whose records produce the figures of its 三联三沉 account.

Everything is written through the apps' services, so the demo has the same audit trail as data
entered by hand. Loading is idempotent: every record has a natural key (region code, organisation
name in its region, a person's ID number, …), existing rows are read up front in a few queries, and
only missing rows are written. Generated values come from a random generator seeded per person,
so a second run computes the same keys and writes nothing, and editing one part of the demo does not
shift the values of another.

Names of places, organisations and people are invented; phone and ID numbers are made up but well
formed (ID numbers carry a valid GB 11643 check digit).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from accounts.checks import DEMO_PASSWORD
from accounts.models import User
from core import audit, pii
from core.models import AuditEvent
from core.roles import Role
from core.validators import id_number_check_char
from organisations import services as org_services
from organisations.models import (
    AgencyRegistration,
    JointActivity,
    Organisation,
    Pact,
    PartyMember,
    Person,
    Position,
)
from regions import services as region_services
from regions.models import Facility, Region

SEED = 610424

K = Organisation.Kind
F = Facility.Kind

COUNTY_CODE, COUNTY_NAME = "610424", "乾县"

# Streets → communities → (grid compound names). Each grid is one residential compound.
STREETS: list[tuple[str, str, list[tuple[str, str, list[str]]]]] = [
    ("001", "城关街道", [
        ("001", "东街社区", ["乾州花园", "东街家属院", "金色家园"]),
        ("002", "西街社区", ["锦绣华府", "西街小区", "县医院家属院"]),
        ("003", "南街社区", ["南街新村", "恒泰名苑", "教育小区"]),
        ("004", "北街社区", ["阳光城", "北街商住楼", "和美家园"]),
    ]),
    ("002", "漠西街道", [
        ("001", "漠西社区", ["漠西新城", "润泽苑", "粮站家属院"]),
        ("002", "北关社区", ["北关新村", "鑫城花园", "康居小区"]),
    ]),
    ("003", "乾陵街道", [
        ("001", "乾陵社区", ["乾陵嘉苑", "御园小区", "唐韵小区"]),
        ("002", "永泰社区", ["永泰花园", "永泰新村", "公园壹号"]),
    ]),
]
GRID_ORDINALS = ["第一", "第二", "第三", "第四"]
BUILDINGS_PER_GRID = 3

# County departments (职能部门) and the agency party organisation under each (机关党组织).
DEPARTMENTS: list[tuple[str, str]] = [
    ("中共乾县县委组织部", "县委组织部机关党支部"),
    ("中共乾县县委宣传部", "县委宣传部机关党支部"),
    ("中共乾县县委统战部", "县委统战部机关党支部"),
    ("中共乾县县委政法委员会", "县委政法委机关党支部"),
    ("乾县纪委监委", "县纪委监委机关党支部"),
    ("乾县发展和改革局", "县发改局机关党支部"),
    ("乾县教育局", "县教育局机关党委"),
    ("乾县工业和信息化局", "县工信局机关党支部"),
    ("乾县公安局", "县公安局机关党委"),
    ("乾县民政局", "县民政局机关党支部"),
    ("乾县司法局", "县司法局机关党支部"),
    ("乾县财政局", "县财政局机关党支部"),
    ("乾县人力资源和社会保障局", "县人社局机关党支部"),
    ("乾县自然资源局", "县自然资源局机关党支部"),
    ("乾县住房和城乡建设局", "县住建局机关党支部"),
    ("乾县城市管理执法局", "县城管执法局机关党支部"),
    ("乾县交通运输局", "县交通运输局机关党支部"),
    ("乾县水利局", "县水利局机关党支部"),
    ("乾县农业农村局", "县农业农村局机关党委"),
    ("乾县商务局", "县商务局机关党支部"),
    ("乾县文化和旅游局", "县文旅局机关党支部"),
    ("乾县卫生健康局", "县卫健局机关党委"),
    ("乾县退役军人事务局", "县退役军人事务局机关党支部"),
    ("乾县应急管理局", "县应急管理局机关党支部"),
    ("乾县审计局", "县审计局机关党支部"),
    ("乾县市场监督管理局", "县市场监管局机关党委"),
    ("乾县统计局", "县统计局机关党支部"),
    ("乾县医疗保障局", "县医保局机关党支部"),
    ("乾县行政审批服务局", "县行政审批服务局机关党支部"),
    ("乾县林业局", "县林业局机关党支部"),
    ("乾县信访局", "县信访局机关党支部"),
    ("乾县乡村振兴局", "县乡村振兴局机关党支部"),
    ("乾县机关事务服务中心", "县机关事务服务中心党支部"),
    ("国家税务总局乾县税务局", "县税务局机关党委"),
    ("咸阳市生态环境局乾县分局", "县生态环境分局党支部"),
    ("乾县总工会", "县总工会机关党支部"),
    ("共青团乾县委员会", "团县委机关党支部"),
    ("乾县妇女联合会", "县妇联机关党支部"),
    ("乾县残疾人联合会", "县残联机关党支部"),
    ("乾县科学技术协会", "县科协机关党支部"),
    ("乾县融媒体中心", "县融媒体中心党支部"),
    ("乾县供销合作社联合社", "县供销社机关党支部"),
    ("乾县人民法院", "县法院机关党委"),
    ("乾县人民检察院", "县检察院机关党支部"),
    ("乾县气象局", "县气象局党支部"),
    ("乾县消防救援大队", "县消防救援大队党支部"),
    ("乾县档案馆", "县档案馆党支部"),
    ("乾县自然资源执法大队", "县自然资源执法大队党支部"),
    ("乾县住房保障中心", "县住房保障中心党支部"),
    ("乾县城乡规划服务中心", "县城乡规划服务中心党支部"),
]
# Public institutions' party organisations, under their supervising department where there is one.
INSTITUTIONS: list[tuple[str, str | None]] = [
    ("乾县人民医院党委", "乾县卫生健康局"),
    ("乾县中医医院党总支", "乾县卫生健康局"),
    ("乾县妇幼保健院党支部", "乾县卫生健康局"),
    ("乾县疾病预防控制中心党支部", "乾县卫生健康局"),
    ("乾县第一中学党委", "乾县教育局"),
    ("乾县第二中学党支部", "乾县教育局"),
    ("乾县城关中学党支部", "乾县教育局"),
    ("乾县城关第一小学党支部", "乾县教育局"),
    ("乾县职业教育中心党委", "乾县教育局"),
    ("乾县图书馆党支部", "乾县文化和旅游局"),
    ("乾县文化馆党支部", "乾县文化和旅游局"),
    ("中共乾县县委党校党支部", None),
]
# Dispatched agencies (派出机构) in every street: (name suffix, parent department, head's title).
DISPATCHED: list[tuple[str, str, str]] = [
    ("派出所", "乾县公安局", "所长"),
    ("城管执法中队", "乾县城市管理执法局", "中队长"),
    ("市场监管所", "乾县市场监督管理局", "所长"),
    ("司法所", "乾县司法局", "所长"),
]
NEW_ECONOMIC = [
    "乾县乾陵酥饼食品有限公司党支部", "陕西乾州建筑工程有限公司党支部", "乾县永泰商贸有限责任公司党支部",
    "乾县华联超市有限公司党支部", "乾县新源物流有限公司党支部", "乾县鑫达汽车销售服务有限公司党支部",
    "乾县宏福餐饮管理有限公司党支部", "乾县锅盔文化发展有限公司党支部", "乾县康泰医药连锁有限公司党支部",
    "乾县天成房地产开发有限公司党支部", "乾县瑞丰农业科技有限公司党支部", "乾县恒信会计师事务所党支部",
    "乾县乾州电子商务有限公司党支部",
]
NEW_SOCIAL = [
    "乾县个体劳动者协会党支部", "乾县餐饮行业协会党支部", "乾县律师行业党支部", "乾县社会工作者协会党支部",
    "乾县义工联合会党支部", "乾县老年人体育协会党支部", "乾县书法家协会党支部", "乾县慈善协会党支部",
]
SOCIAL_ORGANISATIONS = [
    ("乾县启航青少年教育服务中心", "课后托管、青少年教育"),
    ("乾县阳光家政服务中心", "家政服务、养老护理"),
    ("乾县明理法律咨询服务中心", "法律咨询、人民调解"),
    ("乾县安心家电维修服务社", "家电维修、便民维修"),
    ("乾县乐龄居家养老服务中心", "居家养老、助餐助浴"),
]
# Property companies and the compound each manages (the compound fixes its community).
PROPERTY_COMPANIES: list[tuple[str, str]] = [
    ("乾县安居物业服务有限公司", "乾州花园"),
    ("乾县金色家园物业管理有限公司", "金色家园"),
    ("乾县华府物业管理有限公司", "锦绣华府"),
    ("陕西乾州物业服务有限公司", "西街小区"),
    ("乾县恒泰物业服务有限公司", "恒泰名苑"),
    ("乾县南苑物业管理有限公司", "南街新村"),
    ("乾县阳光物业管理有限公司", "阳光城"),
    ("乾县润泽物业管理有限公司", "润泽苑"),
    ("乾县漠西新城物业服务有限公司", "漠西新城"),
    ("乾县鑫城物业服务有限公司", "鑫城花园"),
    ("乾县御园物业管理有限公司", "御园小区"),
    ("乾县永泰物业服务有限公司", "永泰花园"),
]
OWNERS_COMMITTEES = ["乾州花园", "金色家园", "锦绣华府", "恒泰名苑", "阳光城", "润泽苑", "鑫城花园", "御园小区",
                     "永泰花园", "和美家园"]
BUSINESS_DISTRICTS: list[tuple[str, str, str]] = [
    # (name, kind, community)
    ("乾州商贸城商圈党委", K.BUSINESS_DISTRICT_PARTY, "北街社区"),
    ("乾县金融大厦商务楼宇党支部", K.BUSINESS_DISTRICT_PARTY, "东街社区"),
    ("乾县食品工业园区党委", K.INDUSTRIAL_PARK_PARTY, "漠西社区"),
]

# Facilities counted by the article's figures, by community (the totals are the article's numbers).
CULTURAL_CENTERS = ["东街社区", "西街社区", "北街社区", "漠西社区", "乾陵社区"]                   # 5
DAY_CARE_CENTERS = ["西街社区", "北关社区"]                                                    # 2
AFTER_SCHOOL_CENTERS = ["东街社区", "南街社区", "永泰社区"]                                      # 3
OPINION_WINDOW_COMMUNITIES = ["东街社区", "西街社区", "南街社区", "北街社区", "漠西社区", "乾陵社区"]  # 6 + 2 below
RECEPTION_ROOM_COMMUNITIES = ["东街社区", "西街社区", "南街社区", "北街社区", "漠西社区", "北关社区",
                              "乾陵社区"]                                                    # 7 + 8 调解室
LEGAL_STATIONS = ["东街社区", "南街社区", "漠西社区", "乾陵社区"]
LABOUR_STATIONS = ["西街社区", "北街社区", "北关社区", "永泰社区"]
ELDERLY_UNIVERSITIES = ["东街社区", "漠西社区", "永泰社区"]

ACTIVITY_TEMPLATES: list[tuple[str, str]] = [
    ("同上一堂党课：学习贯彻党的二十大精神", JointActivity.Kind.PARTY_LESSON),
    ("“双报到为民行”小区环境卫生整治", JointActivity.Kind.VOLUNTEER_SERVICE),
    ("重阳节敬老文艺汇演", JointActivity.Kind.CULTURAL_EVENT),
    ("主题党日：重温入党誓词", JointActivity.Kind.THEMED_PARTY_DAY),
    ("“红领巾”志愿服务进小区", JointActivity.Kind.VOLUNTEER_SERVICE),
    ("邻里文化节", JointActivity.Kind.CULTURAL_EVENT),
    ("法律知识进社区宣讲", JointActivity.Kind.JOINT_EVENT),
    ("消防安全应急演练", JointActivity.Kind.JOINT_EVENT),
]
ACTIVITIES_PER_COMMUNITY = 4  # 8 communities × 4 = the article's 32

COMMITMENTS = {
    "community": ["提供党员活动阵地，共享党群服务中心场地", "定期通报社区民情，邀请参加共驻共建协商会"],
    "partner": ["每季度到社区开展一次联建活动", "发动在职党员到社区报到，认领公益岗位"],
    "property": ["配合社区开展小区环境整治和安全隐患排查", "物业服务中心设立党员先锋岗，公开服务标准"],
}

SURNAMES = "王李张刘杨赵陈高郭马孙田宋冯董薛韩何段姚雷任贺吕周吴徐朱胡郑罗梁程侯史党"
MALE_CHARS = "建国军伟强明华平勇涛斌辉鹏刚峰磊杰宏志文海林鑫浩博宇晨龙亮波超健"
FEMALE_CHARS = "秀兰芳娟丽敏静霞红梅燕婷玲萍雪琳丹莉慧娜艳倩颖洁蓉娅"
PHONE_PREFIXES = ["139", "138", "137", "136", "135", "150", "151", "152", "158", "159", "182", "183", "187", "188",
                  "133", "153", "180", "189", "177", "199"]

@dataclass
class PersonSpec:
    name: str
    gender: str
    birth_date: dt.date
    id_number: str
    phone: str
    address: str = ""
    home_region: Region | None = None


@dataclass
class Loader:
    """Builds the demo county, writing only what is missing."""

    created: Counter = field(default_factory=Counter)

    # ---- existing rows, read once -------------------------------------------------------------
    def load_existing(self) -> None:
        self.regions = {r.code: r for r in Region.objects.all()}
        self.orgs = {(o.region_id, o.name): o for o in Organisation.objects.all()}
        self.facilities = {(f.region_id, f.name): f for f in Facility.objects.all()}
        # Only the keys: loading the encrypted columns would decrypt every row for nothing.
        people = Person.objects.exclude(id_number_hash="").only("id", "id_number_hash", "name")
        self.people = {p.id_number_hash: p for p in people}
        self.positions = {(p.person_id, p.organisation_id, p.title) for p in Position.objects.all()}
        self.members = {m.person_id: m for m in PartyMember.objects.all()}
        self.registrations = set(AgencyRegistration.objects.values_list("organisation_id", "community_id"))
        self.pacts = {(p.community_organisation_id, p.partner_id, p.kind): p for p in Pact.objects.all()}
        self.activities = {(a.community_id, a.title, a.held_on) for a in JointActivity.objects.all()}
        self.usernames = set(User.objects.values_list("username", flat=True))
        self.used_names: set[str] = set()
        self.used_ids: set[str] = set()
        self.password_hash: str | None = None

    # ---- generated values (always drawn, so a second run draws the same) ----------------------
    @staticmethod
    def rng_for(key: str) -> random.Random:
        """A generator of its own for each person, so adding or removing one never changes another."""
        return random.Random(f"{SEED}:{key}")

    def person_spec(self, key: str, *, gender: str | None = None, born: tuple[int, int] = (1955, 2000),
                    address: str = "", home_region: Region | None = None) -> PersonSpec:
        rng = self.rng_for(key)
        gender = gender or rng.choice([Person.Gender.MALE, Person.Gender.FEMALE])
        chars = MALE_CHARS if gender == Person.Gender.MALE else FEMALE_CHARS
        while True:
            given = "".join(rng.choice(chars) for _ in range(rng.choice([1, 2, 2])))
            name = rng.choice(SURNAMES) + given
            if name not in self.used_names:
                break
        self.used_names.add(name)
        birth = dt.date(rng.randint(*born), rng.randint(1, 12), rng.randint(1, 28))
        while True:
            seq = rng.randint(0, 499) * 2 + (1 if gender == Person.Gender.MALE else 0)
            first17 = f"{COUNTY_CODE}{birth:%Y%m%d}{seq:03d}"
            if first17 not in self.used_ids:
                break
        self.used_ids.add(first17)
        phone = rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
        return PersonSpec(name=name, gender=gender, birth_date=birth, id_number=first17 + id_number_check_char(first17),
                          phone=phone, address=address, home_region=home_region)

    # ---- ensure helpers: return the existing row or create it through the services ------------
    def region(self, code: str, name: str, parent: Region | None) -> Region:
        if code not in self.regions:
            self.regions[code] = region_services.region_create(actor=None, code=code, name=name, parent=parent)
            self.created["region"] += 1
        return self.regions[code]

    def org(self, name: str, kind: str, region: Region, parent: Organisation | None = None, **extra) -> Organisation:
        key = (region.pk, name)
        if key not in self.orgs:
            self.orgs[key] = org_services.organisation_create(
                actor=None, name=name, kind=kind, region=region, parent=parent, **extra
            )
            self.created["organisation"] += 1
        return self.orgs[key]

    def facility(self, name: str, kind: str, region: Region, *, capacity: int, hours: str = "周一至周日 8:30-18:00",
                 host: Organisation | None = None) -> Facility:
        key = (region.pk, name)
        if key not in self.facilities:
            self.facilities[key] = region_services.facility_create(
                actor=None, name=name, kind=kind, region=region, capacity=capacity, opening_hours=hours,
                address=f"{COUNTY_NAME}{self.street_of(region).name}{region.name}", host_organisation=host,
            )
            self.created["facility"] += 1
        return self.facilities[key]

    def person(self, spec: PersonSpec) -> Person:
        digest = pii.lookup_hash(spec.id_number)
        if digest not in self.people:
            self.people[digest] = org_services.person_create(
                actor=None, name=spec.name, gender=spec.gender, birth_date=spec.birth_date, id_number=spec.id_number,
                phone=spec.phone, address=spec.address, home_region=spec.home_region,
            )
            self.created["person"] += 1
        return self.people[digest]

    def position(self, person: Person, org: Organisation, title: str, *, started_on: dt.date,
                 ended_on: dt.date | None = None, is_leader: bool = False) -> None:
        key = (person.pk, org.pk, title)
        if key not in self.positions:
            org_services.position_assign(actor=None, person=person, organisation=org, title=title,
                                         started_on=started_on, ended_on=ended_on, is_leader=is_leader)
            self.positions.add(key)
            self.created["position"] += 1

    def member(self, person: Person, branch: Organisation, *, joined_on: dt.date, community: Region | None = None,
               grid: Region | None = None, central: bool = False, skills: str = "") -> PartyMember:
        if person.pk not in self.members:
            offset = person.pk * 37 % 600
            self.members[person.pk] = org_services.party_member_register(
                actor=None, person=person, branch=branch, joined_on=joined_on, registered_community=community,
                registered_on=dt.date(2023, 3, 1) + dt.timedelta(days=offset) if community else None,
                grid=grid, is_central_household=central, skills=skills,
            )
            self.created["party_member"] += 1
        return self.members[person.pk]

    def registration(self, org: Organisation, community: Region, registered_on: dt.date) -> None:
        if (org.pk, community.pk) not in self.registrations:
            org_services.agency_registration_create(actor=None, organisation=org, community=community,
                                                    registered_on=registered_on)
            self.registrations.add((org.pk, community.pk))
            self.created["agency_registration"] += 1

    def pact(self, community_org: Organisation, partner: Organisation, kind: str, *, signed_on: dt.date,
             ends_on: dt.date | None = None) -> Pact:
        key = (community_org.pk, partner.pk, kind)
        partner_side = "property" if kind == Pact.Kind.PROPERTY_JOINT_BUILDING else "partner"
        side_texts = [("community", text) for text in COMMITMENTS["community"]]
        side_texts += [("partner", text) for text in COMMITMENTS[partner_side]]
        if key not in self.pacts:
            self.pacts[key] = org_services.pact_create(
                actor=None, community_organisation=community_org, partner=partner, kind=kind, signed_on=signed_on,
                ends_on=ends_on, commitments=side_texts,
            )
            self.created["pact"] += 1
        return self.pacts[key]

    def activity(self, *, title: str, kind: str, held_on: dt.date, community: Region, venue: Facility,
                 organisations: list[Organisation], pact: Pact, participant_ids: list[int], count: int) -> None:
        if (community.pk, title, held_on) not in self.activities:
            org_services.joint_activity_create(
                actor=None, title=title, kind=kind, held_on=held_on, community=community, venue=venue, pact=pact,
                organisations=organisations, participants=list(Person.objects.filter(pk__in=participant_ids)),
                participant_count=count,
                summary=f"{community.name}党组织与{'、'.join(o.name for o in organisations[1:])}联合开展。",
            )
            self.activities.add((community.pk, title, held_on))
            self.created["joint_activity"] += 1

    def user(self, username: str, *, full_name: str, **values) -> None:
        if username not in self.usernames:
            if self.password_hash is None:
                # Hashed once: the demo accounts share one password, and hashing is deliberately slow.
                self.password_hash = make_password(DEMO_PASSWORD)
            user = User(username=username, first_name=full_name, password=self.password_hash,
                        must_change_password=False, **values)
            user.full_clean(exclude=["password"])
            user.save()
            audit.record(actor=None, action=AuditEvent.Action.CREATE, target=user,
                         changes={"username": [None, username], "role": [None, user.role]})
            self.usernames.add(username)
            self.created["user"] += 1

    def street_of(self, region: Region) -> Region:
        return self.regions[region.code[:9]] if len(region.code) >= 9 else region

    # ---- the county ----------------------------------------------------------------------------
    def build(self) -> None:
        self.load_existing()
        county = self.region(COUNTY_CODE, COUNTY_NAME, None)
        streets: list[Region] = []
        communities: dict[str, Region] = {}
        grids: dict[str, list[Region]] = {}
        compound_grid: dict[str, Region] = {}
        for s_seq, s_name, community_specs in STREETS:
            street = self.region(COUNTY_CODE + s_seq, s_name, county)
            streets.append(street)
            for c_seq, c_name, compounds in community_specs:
                community = self.region(street.code + c_seq, c_name, street)
                communities[c_name] = community
                grids[c_name] = []
                for g_index, compound in enumerate(compounds):
                    grid = self.region(f"{community.code}{g_index + 1:03d}",
                                       f"{c_name}{GRID_ORDINALS[g_index]}网格", community)
                    grids[c_name].append(grid)
                    compound_grid[compound] = grid
                    for b in range(1, BUILDINGS_PER_GRID + 1):
                        self.region(f"{grid.code}{b:03d}", f"{compound}{b}号楼", grid)

        # Departments, their agency party organisations, and public institutions.
        departments: dict[str, Organisation] = {}
        agency_orgs: list[Organisation] = []
        for dept_name, branch_name in DEPARTMENTS:
            dept = self.org(dept_name, K.DEPARTMENT, county, address=f"{COUNTY_NAME}城关街道")
            departments[dept_name] = dept
            agency_orgs.append(self.org(branch_name, K.AGENCY_PARTY, county, parent=dept))
        for name, parent_name in INSTITUTIONS:
            agency_orgs.append(self.org(name, K.AGENCY_PARTY, county,
                                        parent=departments[parent_name] if parent_name else None))
        branch_of_dept = {dept_name: agency_orgs[i] for i, (dept_name, _) in enumerate(DEPARTMENTS)}

        # Street bodies: the joint council and the dispatched agencies.
        councils: dict[str, Organisation] = {}
        dispatched: dict[tuple[str, str], Organisation] = {}
        for street in streets:
            councils[street.code] = self.org(f"{street.name}党建联席会", K.STREET_JOINT_COUNCIL, street,
                                             description="每季度召开一次，街道、社区、商圈、企业和行业协会负责人参加。")
            prefix = street.name.removesuffix("街道")
            for suffix, parent_name, _title in DISPATCHED:
                dispatched[(street.code, suffix)] = self.org(f"{COUNTY_NAME}{parent_name.removeprefix('乾县')}{prefix}"
                                                             f"{suffix}", K.DISPATCHED_AGENCY, street,
                                                             parent=departments[parent_name])

        # Community bodies.
        party: dict[str, Organisation] = {}
        co_building: dict[str, Organisation] = {}
        grid_groups: dict[str, list[Organisation]] = {}
        for c_name, community in communities.items():
            kind_word = "党委" if c_name in {"东街社区", "西街社区", "漠西社区"} else "党支部"
            party[c_name] = self.org(f"{c_name}{kind_word}", K.COMMUNITY_PARTY, community)
            co_building[c_name] = self.org(f"{c_name}共驻共建协商会", K.CO_BUILDING_COUNCIL, community,
                                           parent=party[c_name])
            grid_groups[c_name] = [
                self.org(f"{grid.name}党小组", K.GRID_PARTY_GROUP, grid, parent=party[c_name]) for grid in grids[c_name]
            ]
        community_names = list(communities)

        property_companies: list[tuple[Organisation, str]] = []
        for name, compound in PROPERTY_COMPANIES:
            grid = compound_grid[compound]
            property_companies.append((self.org(name, K.PROPERTY_COMPANY, grid.parent,
                                                address=f"{grid.parent.name}{compound}物业服务中心"), compound))
        owners: dict[str, Organisation] = {
            compound: self.org(f"{compound}业主委员会", K.OWNERS_COMMITTEE, compound_grid[compound])
            for compound in OWNERS_COMMITTEES
        }
        districts = [self.org(name, kind, communities[c_name]) for name, kind, c_name in BUSINESS_DISTRICTS]
        two_new: list[Organisation] = []
        for i, name in enumerate(NEW_ECONOMIC + NEW_SOCIAL):
            kind = K.NEW_ECONOMIC if i < len(NEW_ECONOMIC) else K.NEW_SOCIAL
            two_new.append(self.org(name, kind, communities[community_names[i % len(community_names)]]))
        for name, description in SOCIAL_ORGANISATIONS:
            self.org(name, K.SOCIAL_ORGANISATION, county, description=description)

        # Facilities (阵地).
        venues: dict[str, Facility] = {}
        culture_host = branch_of_dept["乾县文化和旅游局"].parent
        for c_name, community in communities.items():
            street_name = community.parent.name
            venues[c_name] = self.facility(f"{c_name}党群服务中心", F.PARTY_SERVICE_CENTER, community, capacity=120)
            self.facility(f"{c_name}一站式便民服务大厅", F.SERVICE_HALL, community, capacity=60,
                          hours="周一至周五 8:30-12:00 14:30-18:00")
            self.facility(f"{c_name}人民调解室", F.MEDIATION_ROOM, community, capacity=12)
            self.facility(f"{c_name}志愿服务工作站", F.VOLUNTEER_STATION, community, capacity=30)
            self.facility(f"{c_name}妇女儿童之家", F.WOMEN_CHILDREN_HOME, community, capacity=40)
            if c_name in CULTURAL_CENTERS:
                venues[c_name] = self.facility(f"{street_name}{c_name}群众文化活动中心", F.CULTURAL_CENTER, community,
                                               capacity=200, hours="每日 8:00-21:00", host=culture_host)
            if c_name in OPINION_WINDOW_COMMUNITIES:
                self.facility(f"{c_name}民意征求窗口", F.OPINION_WINDOW, community, capacity=10)
            if c_name in RECEPTION_ROOM_COMMUNITIES:
                self.facility(f"{c_name}“两代表一委员”接待室", F.RECEPTION_ROOM, community, capacity=15,
                              hours="每月 5 日、20 日 9:00-12:00")
            if c_name in DAY_CARE_CENTERS:
                self.facility(f"{c_name}日间照料中心", F.DAY_CARE_CENTER, community, capacity=50,
                              hours="每日 7:30-18:30")
            if c_name in AFTER_SCHOOL_CENTERS:
                self.facility(f"{c_name}“四点半学校”", F.AFTER_SCHOOL_CENTER, community, capacity=60,
                              hours="周一至周五 16:30-19:00")
            if c_name in LEGAL_STATIONS:
                self.facility(f"{c_name}法律服务站", F.LEGAL_STATION, community, capacity=10)
            if c_name in LABOUR_STATIONS:
                self.facility(f"{c_name}劳动保障工作站", F.LABOUR_STATION, community, capacity=10)
            if c_name in ELDERLY_UNIVERSITIES:
                self.facility(f"{c_name}老年大学", F.ELDERLY_UNIVERSITY, community, capacity=80)
        for district in districts[:2]:
            self.facility(f"{district.name.removesuffix('党委').removesuffix('党支部')}民意征求窗口", F.OPINION_WINDOW,
                          district.region, capacity=10, host=district)

        # Pacts (联建): every agency and 两新 organisation with at least one community; some with two.
        for i, agency in enumerate(agency_orgs):
            first = community_names[i % len(community_names)]
            self.pact(party[first], agency, Pact.Kind.BRANCH_JOINT_BUILDING,
                      signed_on=dt.date(2023, 1 + i % 12, 1 + i % 27))
            self.registration(agency, communities[first], dt.date(2023, 1 + i % 12, 1 + i % 27))
            if i % 5 == 0:
                second = community_names[(i + 3) % len(community_names)]
                self.pact(party[second], agency, Pact.Kind.CO_BUILDING, signed_on=dt.date(2024, 1 + i % 12, 10))
                self.registration(agency, communities[second], dt.date(2024, 1 + i % 12, 10))
            if i % 9 == 4:
                # An earlier pact that has run out: it stays in history but no longer counts.
                third = community_names[(i + 5) % len(community_names)]
                self.pact(party[third], agency, Pact.Kind.CO_BUILDING, signed_on=dt.date(2021, 3, 1),
                          ends_on=dt.date(2022, 12, 31))
        for i, org in enumerate(two_new):
            home = community_names[i % len(community_names)]
            self.pact(party[home], org, Pact.Kind.BRANCH_JOINT_BUILDING, signed_on=dt.date(2023, 6, 1 + i))
            if i % 4 == 1:
                neighbour = community_names[(i + 1) % len(community_names)]
                self.pact(party[neighbour], org, Pact.Kind.CO_BUILDING, signed_on=dt.date(2024, 5, 1 + i))
        for company, _compound in property_companies:
            self.pact(party[company.region.name], company, Pact.Kind.PROPERTY_JOINT_BUILDING,
                      signed_on=dt.date(2023, 4, 15))
        for district in districts:
            self.pact(party[district.region.name], district, Pact.Kind.CO_BUILDING, signed_on=dt.date(2023, 7, 1))

        # People and their positions.
        cadre_start = dt.date(2021, 1, 1)

        def resident_spec(key: str, c_name: str, *, born=(1955, 2000), grid: Region | None = None,
                          building_no: int | None = None) -> PersonSpec:
            rng = self.rng_for(f"home:{key}")
            grid = grid or rng.choice(grids[c_name])
            building = self.regions[f"{grid.code}{building_no or rng.randint(1, BUILDINGS_PER_GRID):03d}"]
            address = (f"{COUNTY_NAME}{communities[c_name].parent.name}{c_name}{building.name}"
                       f"{rng.randint(1, 3)}单元{rng.randint(1, 6)}0{rng.randint(1, 4)}室")
            return self.person_spec(key, born=born, address=address, home_region=building)

        def grid_of(person_spec: PersonSpec) -> Region:
            return person_spec.home_region.parent

        for street in streets:
            chair_spec = self.person_spec(f"council-chair:{street.code}", born=(1970, 1982))
            chair = self.person(chair_spec)
            self.position(chair, councils[street.code], "召集人（街道党工委书记）", started_on=cadre_start,
                          is_leader=True)
            self.member(chair, branch_of_dept["中共乾县县委组织部"], joined_on=dt.date(1998, 7, 1))

        heads: dict[str, Person] = {}
        for (street_code, suffix), agency in dispatched.items():
            title = next(t for s, _, t in DISPATCHED if s == suffix)
            head = self.person(self.person_spec(f"agency-head:{agency.name}", gender=Person.Gender.MALE,
                                                born=(1972, 1988)))
            self.position(head, agency, title, started_on=dt.date(2022, 3, 1), is_leader=True)
            parent_name = next(p for s, p, _ in DISPATCHED if s == suffix)
            self.member(head, branch_of_dept[parent_name], joined_on=dt.date(2005, 7, 1))
            heads[f"{street_code}{suffix}"] = head

        for c_name, community in communities.items():
            org = party[c_name]
            secretary_title = "党委书记" if org.name.endswith("党委") else "党支部书记"
            # The previous secretary: the position is closed, the person stays on the roster.
            spec = resident_spec(f"former-secretary:{c_name}", c_name, born=(1952, 1962))
            predecessor = self.person(spec)
            self.position(predecessor, org, secretary_title, started_on=dt.date(2015, 1, 1),
                          ended_on=dt.date(2020, 12, 31), is_leader=True)
            self.member(predecessor, org, joined_on=dt.date(1985, 7, 1), community=community, grid=grid_of(spec))
            cadres = [(secretary_title, True), ("副书记", False), ("组织委员", False), ("宣传委员", False),
                      ("纪检委员", False)]
            for n, (title, leader) in enumerate(cadres):
                spec = resident_spec(f"cadre:{c_name}:{title}", c_name, born=(1970, 1992))
                cadre = self.person(spec)
                self.position(cadre, org, title, started_on=cadre_start, is_leader=leader)
                self.member(cadre, org, joined_on=dt.date(2000 + n * 3, 7, 1), community=community,
                            grid=grid_of(spec))
                if leader:
                    self.position(cadre, co_building[c_name], "会长", started_on=cadre_start, is_leader=True)
                    self.position(cadre, councils[community.code[:9]], "成员", started_on=cadre_start)
            for g, group in enumerate(grid_groups[c_name]):
                grid = group.region
                leader = self.person(resident_spec(f"grid-leader:{grid.code}", c_name, grid=grid, building_no=1))
                self.position(leader, group, "党小组组长", started_on=dt.date(2022, 1, 1), is_leader=True)
                self.member(leader, org, joined_on=dt.date(1990 + g * 7, 7, 1), community=community,
                            grid=grid, central=True, skills="网格巡查、矛盾调解")

        # 双向进入、交叉任职: property managers and owners' committee directors on the community committee,
        # and each street's police station head as a part-time member of one community committee.
        for company, compound in property_companies:
            c_name = company.region.name
            manager = self.person(resident_spec(f"property-manager:{company.name}", c_name, born=(1972, 1990)))
            self.position(manager, company, "项目经理", started_on=dt.date(2022, 5, 1), is_leader=True)
            self.member(manager, party[c_name], joined_on=dt.date(2010, 7, 1), community=communities[c_name],
                        grid=compound_grid[compound])
            if compound in ("乾州花园", "锦绣华府", "恒泰名苑", "阳光城", "润泽苑"):
                self.position(manager, party[c_name], "兼职委员", started_on=dt.date(2024, 3, 1))
        for compound, committee in owners.items():
            c_name = compound_grid[compound].parent.name
            director = self.person(
                resident_spec(f"owners-director:{compound}", c_name, born=(1955, 1975), grid=compound_grid[compound],
                              building_no=2)
            )
            self.position(director, committee, "业委会主任", started_on=dt.date(2023, 1, 1), is_leader=True)
            if compound in ("乾州花园", "锦绣华府", "御园小区"):
                self.position(director, party[c_name], "委员（业委会主任）", started_on=dt.date(2024, 3, 1))
        for street_code, c_name in (("610424001", "东街社区"), ("610424002", "漠西社区"), ("610424003", "乾陵社区")):
            self.position(heads[f"{street_code}派出所"], party[c_name], "兼职支委", started_on=dt.date(2024, 1, 1))
        self.position(heads["610424001城管执法中队"], party["西街社区"], "兼职支委", started_on=dt.date(2024, 1, 1))
        self.position(heads["610424001市场监管所"], party["南街社区"], "兼职支委", started_on=dt.date(2024, 1, 1))

        # Agency and 两新 branch secretaries; agency secretaries register at their pact community (双报到).
        for i, agency in enumerate(agency_orgs):
            c_name = community_names[i % len(community_names)]
            spec = self.person_spec(f"agency-secretary:{agency.name}", born=(1968, 1990))
            secretary = self.person(spec)
            self.position(secretary, agency, "书记" if "党委" in agency.name else "支部书记",
                          started_on=dt.date(2021, 6, 1), is_leader=True)
            grid = grids[c_name][i % len(grids[c_name])]
            self.member(secretary, agency, joined_on=dt.date(1995 + i % 20, 7, 1), community=communities[c_name],
                        grid=grid)
        for org in two_new:
            secretary = self.person(self.person_spec(f"two-new-secretary:{org.name}", born=(1975, 1993)))
            self.position(secretary, org, "支部书记", started_on=dt.date(2022, 1, 1), is_leader=True)
            self.member(secretary, org, joined_on=dt.date(2012, 7, 1))

        # Ordinary members: community members and in-service members registered under 双报到.
        skills = ["文艺演出", "法律咨询", "医疗保健", "家电维修", "书法绘画", "心理疏导", "课业辅导", ""]
        for i in range(40):
            c_name = community_names[i % len(community_names)]
            spec = resident_spec(f"member:{i}", c_name)
            person = self.person(spec)
            if i % 2 == 0:
                self.member(person, party[c_name], joined_on=dt.date(1980 + i % 40, 7, 1),
                            community=communities[c_name], grid=grid_of(spec), central=i % 8 == 0,
                            skills=skills[i % len(skills)])
            else:
                branch = agency_orgs[(i * 7) % len(agency_orgs)]
                registered = i % 3 != 0
                self.member(person, branch, joined_on=dt.date(1990 + i % 30, 7, 1),
                            community=communities[c_name] if registered else None,
                            grid=grid_of(spec) if registered else None, skills=skills[i % len(skills)])

        # Joint activities (联建活动), at each community's venue with its partners.
        for c_index, c_name in enumerate(community_names):
            community = communities[c_name]
            partners = sorted((p for key, p in self.pacts.items() if key[0] == party[c_name].pk
                               and (p.ends_on is None)), key=lambda p: p.pk)
            members = sorted(m.person_id for m in self.members.values() if m.registered_community_id == community.pk)
            for a in range(ACTIVITIES_PER_COMMUNITY):
                title, kind = ACTIVITY_TEMPLATES[(c_index + a * 3) % len(ACTIVITY_TEMPLATES)]
                pact = partners[(a * 3) % len(partners)]
                extra = partners[(a * 3 + 1) % len(partners)]
                held_on = dt.date(2025, 3, 1) + dt.timedelta(days=c_index * 11 + a * 83)
                self.activity(
                    title=title, kind=kind, held_on=held_on, community=community, venue=venues[c_name], pact=pact,
                    organisations=list(dict.fromkeys([party[c_name], pact.partner, extra.partner])),
                    participant_ids=members[a * 2: a * 2 + 4], count=30 + (c_index * 7 + a * 13) % 60,
                )

        self.build_users(county, streets[0], communities, grids)

    def build_users(self, county: Region, street: Region, communities: dict[str, Region],
                    grids: dict[str, list[Region]]) -> None:
        east = communities["东街社区"]
        member_person = self.person(self.person_spec("demo-member", gender=Person.Gender.FEMALE, born=(1985, 1990),
                                                     address=f"{COUNTY_NAME}城关街道东街社区乾州花园2号楼1单元302室",
                                                     home_region=self.regions[f"{grids['东街社区'][0].code}002"]))
        housing_branch = self.orgs[(county.pk, "县住建局机关党支部")]
        self.member(member_person, housing_branch, joined_on=dt.date(2012, 7, 1), community=east,
                    grid=grids["东街社区"][0], skills="课业辅导")
        resident_person = self.person(self.person_spec("demo-resident", gender=Person.Gender.FEMALE,
                                                       born=(1948, 1952),
                                                       address=f"{COUNTY_NAME}城关街道东街社区东街家属院1号楼2单元101室",
                                                       home_region=self.regions[f"{grids['东街社区'][1].code}001"]))
        accounts = [
            ("county", "县委组织部 工作人员", dict(role=Role.COUNTY_STAFF, region=county)),
            ("street", "城关街道 工作人员", dict(role=Role.STREET_STAFF, region=street)),
            ("community", "东街社区 社工", dict(role=Role.COMMUNITY_STAFF, region=east)),
            ("community2", "西街社区 社工", dict(role=Role.COMMUNITY_STAFF, region=communities["西街社区"])),
            ("grid", "东街社区第一网格 网格员", dict(role=Role.GRID_WORKER, region=grids["东街社区"][0])),
            ("dept", "县住建局 经办人", dict(role=Role.DEPARTMENT_HANDLER,
                                          organisation=self.orgs[(county.pk, "乾县住房和城乡建设局")])),
            ("member", member_person.name, dict(role=Role.PARTY_MEMBER, person=member_person, region=east)),
            ("resident", resident_person.name, dict(role=Role.RESIDENT, person=resident_person)),
            ("admin", "系统管理员", dict(role=Role.COUNTY_STAFF, is_staff=True, is_superuser=True)),
        ]
        for username, full_name, values in accounts:
            self.user(username, full_name=full_name, **values)


def load() -> Counter:
    """Create whatever part of the demo county (regions, organisations, people, accounts) is missing;
    returns how many rows of each kind were written."""
    loader = Loader()
    loader.build()
    return loader.created
