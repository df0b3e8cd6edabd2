"""The demo county's 便民服务: the catalogue of 6 categories and 32 items of 小微权力 moved down to the
communities (工商登记、证照办理、税务交纳、证明开具 …), and a year of requests taken at the halls of 东街社区
and 西街社区, written through `govservices.services` as they happened: most finished on time, some
forwarded to a department (转办), some sent back for 补正, a few still open past their limit, and a few
rated 不满意 whose follow-up was answered. The county's five social service organisations (社会服务组织,
`county.SOCIAL_ORGANISATIONS`) are registered as providers for the communities they serve, and the demo
resident has rated three of them.

Idempotent: items are found by code (publishing the same guide writes nothing), requests by a fixed
idempotency key, providers by name and the resident's ratings by provider; a second run writes nothing.
The past is written with the cases' `DemoClock`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.utils import timezone

from accounts.models import User
from govservices import services
from govservices.models import Item, Provider, ProviderRating, ServiceRequest
from govservices.workflow import Status
from organisations.models import Organisation
from regions.models import Facility, Level, Region

from .cases import DemoClock
from .county import AFTER_SCHOOL_CENTERS, DAY_CARE_CENTERS, SOCIAL_ORGANISATIONS, STREETS

KEY_PREFIX = "demo-2026-service"
ID_CARD = ("居民身份证", "本人有效居民身份证", True)
HOUSEHOLD = ("户口簿", "户主页和本人页", True)
PHOTO = ("近期一寸免冠彩色照片", "白底，2 张", True)
FORM = ("申请表", "社区提供，可现场填写", True)
COMMUNITY_OFFICE = "社区居民委员会"
# category → [(code, name, kind, promised days, legal days, forwarded to, extra materials)]
CATALOGUE: dict[str, list[tuple[str, str, str, int, int, str, list[tuple[str, str, bool]]]]] = {
    "工商登记": [
        ("GS01", "个体工商户设立登记", "promised", 3, 15, "乾县市场监督管理局",
         [("经营场所使用证明", "房产证或租赁合同复印件", False)]),
        ("GS02", "个体工商户变更登记", "promised", 3, 15, "乾县市场监督管理局", [("营业执照正副本", "", True)]),
        ("GS03", "个体工商户注销登记", "promised", 3, 15, "乾县市场监督管理局", [("营业执照正副本", "", True)]),
        ("GS04", "营业执照遗失补领", "promised", 3, 10, "乾县市场监督管理局", [("遗失声明", "报纸或网站刊登", False)]),
        ("GS05", "食品小作坊登记", "promised", 5, 20, "乾县市场监督管理局", [("从业人员健康证明", "", False)]),
        ("GS06", "农民专业合作社设立登记指导", "immediate", 0, 1, "", [("成员名册", "", False)]),
    ],
    "证照办理": [
        ("ZZ01", "居民身份证申领受理", "promised", 5, 60, "乾县公安局", [PHOTO]),
        ("ZZ02", "居住证办理", "promised", 5, 15, "乾县公安局", [("居住证明", "租赁合同或单位证明", False)]),
        ("ZZ03", "残疾人证申领", "promised", 5, 20, "乾县残疾人联合会", [PHOTO, ("残疾评定表", "", True)]),
        ("ZZ04", "老年人优待证办理", "promised", 3, 10, "乾县民政局", [PHOTO]),
        ("ZZ05", "社会保障卡申领", "promised", 5, 20, "乾县人力资源和社会保障局", [PHOTO]),
        ("ZZ06", "流动人口婚育证明", "immediate", 0, 5, "", [("婚姻状况证明", "结婚证或离婚证", True)]),
    ],
    "税务交纳": [
        ("SW01", "城乡居民基本医疗保险缴费", "immediate", 0, 1, "", []),
        ("SW02", "城乡居民基本养老保险缴费", "immediate", 0, 1, "", []),
        ("SW03", "个体工商户定期定额申报", "promised", 3, 15, "国家税务总局乾县税务局", [("营业执照副本", "", False)]),
        ("SW04", "车船税代缴", "immediate", 0, 1, "", [("机动车行驶证", "", True)]),
    ],
    "证明开具": [
        ("ZM01", "居住证明开具", "immediate", 0, 3, "", []),
        ("ZM02", "亲属关系证明开具", "promised", 2, 5, "", [("亲属双方身份证明", "", False)]),
        ("ZM03", "家庭经济困难证明开具", "promised", 3, 5, "", [("家庭收入说明", "", True)]),
        ("ZM04", "生存（健在）证明开具", "immediate", 0, 3, "", []),
        ("ZM05", "无固定收入证明开具", "promised", 2, 5, "", [("个人承诺书", "", True)]),
        ("ZM06", "计划生育情况证明开具", "promised", 2, 5, "", [("结婚证", "", True)]),
    ],
    "社保医保": [
        ("SB01", "养老保险待遇资格认证", "immediate", 0, 1, "", []),
        ("SB02", "医保异地就医备案", "promised", 2, 5, "乾县医疗保障局", [("异地居住证明", "", False)]),
        ("SB03", "失业登记", "immediate", 0, 1, "", [("解除劳动合同证明", "", True)]),
        ("SB04", "就业登记", "immediate", 0, 1, "", [("劳动合同", "", False)]),
        ("SB05", "高龄津贴申领", "promised", 5, 20, "乾县民政局", [("银行卡", "本人名下", False)]),
    ],
    "民政救助": [
        ("MZ01", "最低生活保障申请", "promised", 10, 30, "乾县民政局", [("家庭收入说明", "", True)]),
        ("MZ02", "临时救助申请", "promised", 5, 15, "乾县民政局", [("困难情况说明", "", True)]),
        ("MZ03", "特困人员救助供养申请", "promised", 10, 30, "乾县民政局", [("困难情况说明", "", True)]),
        ("MZ04", "困难残疾人生活补贴和重度残疾人护理补贴申请", "promised", 10, 20, "乾县民政局",
         [("残疾人证", "", True)]),
        ("MZ05", "老年人助餐服务申请", "promised", 3, 10, "", []),
    ],
}
# The communities whose halls take the demo's requests, with the clerk who takes them (their 首问).
COMMUNITIES = [("东街社区", "community"), ("西街社区", "community2")]
APPLICANTS = ["王秀英", "李建国", "张桂兰", "刘志强", "陈玉梅", "杨德胜", "赵淑珍", "黄明亮", "周凤英", "吴长海"]
REQUESTS = 96
CHENGGUAN = [name for _, name, _ in STREETS[0][2]]
ALL_COMMUNITIES = [name for _, _, communities in STREETS for _, name, _ in communities]
# By the order of `county.SOCIAL_ORGANISATIONS`: kind, hours, phone, address, the communities served, and the
# demo resident's rating (None: not rated).
PROVIDERS: list[tuple[str, str, str, str, list[str], int | None]] = [
    ("education", "周一至周五 16:00-19:00，周六 9:00-17:00", "029-35512601", "乾县城关街道东街 18 号",
     AFTER_SCHOOL_CENTERS, 5),
    ("housekeeping", "每日 8:00-20:00", "029-35512602", "乾县城关街道西街 6 号", CHENGGUAN, 4),
    ("legal", "周一至周五 9:00-17:00", "029-35512603", "乾县城关街道南街 21 号", ALL_COMMUNITIES, None),
    ("repair", "每日 8:30-19:30（节假日不休）", "029-35512604", "乾县城关街道北街 3 号",
     CHENGGUAN + [name for _, name, _ in STREETS[1][2]], 2),
    ("elderly", "每日 7:30-18:30", "029-35512605", "乾县漠西街道北关新村 2 号", DAY_CARE_CENTERS, None),
]


def _guide(name: str, kind: str, promised: int, legal: int, forwarded: str, extra) -> dict:
    materials = [{"name": n, "sample": s, "original": o, "copies": 1} for n, s, o in [ID_CARD, HOUSEHOLD, *extra, FORM]]
    return {
        "authority": forwarded or COMMUNITY_OFFICE,
        "legal_basis": "《中华人民共和国城市居民委员会组织法》；乾县“小微权力”下沉社区事项清单",
        "conditions": "本社区常住居民（含持居住证的流动人口）", "materials": materials, "fee": "不收费",
        "fee_basis": "", "legal_days": legal, "promised_days": promised, "kind": kind, "visits": 1,
        "handled_locally": not forwarded, "forwarded_to": forwarded, "forms": [],
        "questions": [
            {"q": "可以请人代办吗？", "a": "可以，代办人须携带委托书和双方身份证；老年人、残疾人可申请帮办代办。"},
            {"q": f"{name}要跑几次？", "a": "材料齐全的，只跑一次。"},
        ],
    }


class Loader:
    def __init__(self) -> None:
        self.created: Counter = Counter()
        self.now = timezone.now()
        self.clock = DemoClock(self.now)
        self.admin = User.objects.get(username="admin")
        self.rng = random.Random(14)

    def at(self, days_ago: float, hour: int = 9) -> dt.datetime:
        moment = timezone.localtime(self.now - dt.timedelta(days=days_ago))
        moment = moment.replace(hour=hour, minute=self.rng.randrange(60), second=0, microsecond=0)
        while moment.weekday() >= 5:
            moment -= dt.timedelta(days=1)
        return moment

    def catalogue(self) -> list[Item]:
        for order, (category_name, items) in enumerate(CATALOGUE.items(), start=1):
            category, created = services.category_ensure(actor=self.admin, name=category_name, order=order)
            self.created["service_category"] += created
            for code, name, kind, promised, legal, forwarded, extra in items:
                _, created = services.item_publish(actor=self.admin, category=category, code=code, name=name,
                                                   guide=_guide(name, kind, promised, legal, forwarded, extra))
                self.created["service_item"] += created
        return list(Item.objects.filter(code__in=[row[0] for rows in CATALOGUE.values() for row in rows])
                    .select_related("current").order_by("code"))

    def move(self, user, request: ServiceRequest, action: str, moment: dt.datetime, **kwargs) -> ServiceRequest:
        self.clock.moment = moment
        request.refresh_from_db()
        return services.request_transition(actor=user, request=request, action=action,
                                           expected_version=request.version, **kwargs)

    def requests(self, items: list[Item]) -> None:
        users = {user.username: user for user in User.objects.filter(username__in=["community", "community2",
                                                                                    "street", "dept"])}
        departments = {o.name: o for o in Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT)}
        places = []
        for name, clerk in COMMUNITIES:
            region = Region.objects.get(level=Level.COMMUNITY, name=name)
            hall = Facility.objects.filter(region=region, kind=Facility.Kind.SERVICE_HALL).first()
            places.append((region, hall, users[clerk]))
        done = set(ServiceRequest.objects.filter(idempotency_key__startswith=KEY_PREFIX)
                   .values_list("idempotency_key", flat=True))
        for n in range(REQUESTS):
            # Drawn before the skip, so a second run draws the same story for every request.
            item = items[self.rng.randrange(len(items))]
            region, hall, clerk = places[n % len(places)]
            days_ago = 360 - n * 3.7
            story = self.rng.random()
            applicant = APPLICANTS[self.rng.randrange(len(APPLICANTS))]
            key = f"{KEY_PREFIX}-{n:03d}"
            if key in done:
                continue
            self.story(n, key, item, region, hall, clerk, users, departments, days_ago, story, applicant)

    def story(self, n, key, item, region, hall, clerk, users, departments, days_ago, story, applicant) -> None:
        start = self.at(days_ago)
        self.clock.moment = start
        assisted = n % 9 == 4
        request, _ = services.request_create(
            actor=clerk, item=item, region=region, channel="window", applicant_name=applicant, hall=hall,
            assisted=assisted, consent="本人口头同意，由社区工作人员帮办代办" if assisted else "", idempotency_key=key)
        self.created["service_request"] += 1
        guide = item.current
        step = start
        if n % 7 == 3:  # materials missing: one list of all of them, brought back three days later
            step += dt.timedelta(hours=1)
            request = self.move(clerk, request, "correct", step, missing=["户口簿", "申请表"])
            step += dt.timedelta(days=3)
            request = self.move(clerk, request, "supplement", step)
            self.created["service_correction"] += 1
        handler = clerk
        if guide.forwarded_to and n % 3 != 1:
            step += dt.timedelta(hours=2)
            handler = users["dept"] if n % 2 else users["street"]
            department = departments.get(guide.forwarded_to)
            request = self.move(clerk, request, "transfer", step, handler=handler, department=department)
            self.created["service_transfer"] += 1
        elif request.status == Status.ACCEPTED:
            request = self.move(clerk, request, "handle", step + dt.timedelta(minutes=10))
        overdue = days_ago < 40 and n % 5 == 0
        if overdue or days_ago < 2:
            return  # still open: past its limit for some
        late = story < 0.08
        days = max(guide.promised_days, 0) * 1.2 + (guide.promised_days + 3 if late else 0)
        finish = step + dt.timedelta(days=days, minutes=30)
        request = self.move(handler, request, "complete", finish, result=f"{item.name}已办结，材料已归档。")
        request = self.move(clerk, request, "deliver", finish + dt.timedelta(hours=1))
        if n % 4 == 0 or late:
            level = 2 if late or n % 16 == 8 else (5 if story > 0.5 else 4)
            self.clock.moment = finish + dt.timedelta(days=1)
            rating = services.rating_add(request=request, level=level,
                                         comment="办理超时，跑了两趟" if level <= 2 else "")
            self.created["service_rating"] += 1
            if rating.is_bad and days_ago > 10:
                self.clock.moment = finish + dt.timedelta(days=3)
                follow_up = rating.follow_up
                services.follow_up_reply(actor=clerk, follow_up=follow_up, expected_version=follow_up.version,
                                         reply="已约谈经办人，承诺件实行到期提醒，超时的向您当面说明并致歉。")
                self.created["service_follow_up_reply"] += 1

    def providers(self) -> None:
        """The five social organisations as providers registered at the county, and the resident's ratings."""
        county_staff = User.objects.get(username="county")
        resident = User.objects.get(username="resident")
        county = Region.objects.get(level=Level.COUNTY)
        communities = {r.name: r for r in Region.objects.filter(level=Level.COMMUNITY)}
        organisations = {o.name: o for o in Organisation.objects.filter(kind=Organisation.Kind.SOCIAL_ORGANISATION)}
        existing = {p.name: p for p in Provider.objects.filter(name__in=[n for n, _ in SOCIAL_ORGANISATIONS])}
        rated = set(ProviderRating.objects.filter(rater=resident).values_list("provider__name", flat=True))
        for (name, description), (kind, hours, phone, address, served, level) in zip(
                SOCIAL_ORGANISATIONS, PROVIDERS, strict=True):
            provider = existing.get(name)
            if provider is None:
                self.clock.moment = self.at(300)
                provider = services.provider_register(
                    actor=county_staff, name=name, kind=kind, services=description, hours=hours, phone=phone,
                    address=address, region=county, communities=[communities[c] for c in served],
                    organisation=organisations.get(name))
                self.created["service_provider"] += 1
            if level is not None and name not in rated:
                self.clock.moment = self.at(20, hour=19)
                services.provider_rate(actor=resident, provider=provider, level=level,
                                       comment="上门修了两次才修好" if level <= 2 else "")
                self.created["service_provider_rating"] += 1

    def run(self) -> Counter:
        with self.clock.installed():
            items = self.catalogue()
            self.requests(items)
            self.providers()
        return self.created


def load() -> Counter:
    """Write the demo's catalogue and requests that are missing; counts what was written."""
    return Loader().run()
