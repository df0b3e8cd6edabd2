"""The demo county's service halls, written through `halls.services`.

- Each of the 8 communities' 一站式便民服务大厅 gets the article's windows: 信息咨询, 业务直办 (水电暖、通讯费
  缴纳), 帮办代办 (for the elderly and disabled), 综合受理 (社保、医保), 出件; 东街社区's and 西街社区's
  social workers are on duty at their halls.
- Every community's 人民调解室 and 群众文化活动中心, and the 两代表一委员接待室 where there is one, are bookable
  rooms (the reception rooms with the deputies' hours, needing approval; a buffer after each booking); each
  was booked about twice a month over the last year by the demo resident and party member, and has two
  bookings ahead, the reception rooms' one still waiting for approval.
- At 东街社区's and 西街社区's halls residents booked window slots (预约办事) for items of the catalogue: some
  ahead on the coming working days, one last week who did not come (未到场) and one cancelled.
- Each community recorded 人民调解 cases over the year: agreed in writing and visited, agreed orally,
  referred to the court, closed unagreed, and one still being mediated.

Idempotent: windows by name in their hall, rooms by facility, bookings and appointments by a fixed
idempotency key, blackouts by room and reason, mediations by title in their community; a second run writes
nothing. Bookings and appointments are written as if asked before they start (`now=…`), so the rules hold.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.utils import timezone

from accounts.models import User
from halls import services
from halls.models import Appointment, Blackout, Booking, Mediation, Room, ServiceWindow
from halls.workflow import WindowKind
from regions.models import Facility, Level, Region
from workcalendar.selectors import is_working_day

SEED = "demo-halls-2026"
KEY_PREFIX = "demo-booking"
WINDOWS = [
    ("1号窗口", WindowKind.INFORMATION), ("2号窗口", WindowKind.DIRECT), ("3号窗口", WindowKind.ASSISTED),
    ("4号窗口", WindowKind.GENERAL), ("5号窗口", WindowKind.DELIVERY),
]
ON_DUTY = {"东街社区": "community", "西街社区": "community2"}
ROOM_KINDS = {
    Facility.Kind.MEDIATION_ROOM: dict(kind=Room.Kind.MEDIATION, opens_at=dt.time(8, 30), closes_at=dt.time(18, 0),
                                       weekdays="12345", min_notice_hours=2, buffer_minutes=15),
    Facility.Kind.RECEPTION_ROOM: dict(kind=Room.Kind.RECEPTION, opens_at=dt.time(9, 0), closes_at=dt.time(12, 0),
                                       weekdays="12345", min_notice_hours=24, buffer_minutes=30,
                                       needs_approval=True, reception_hours="每月 5 日、20 日 9:00-12:00"),
    Facility.Kind.CULTURAL_CENTER: dict(kind=Room.Kind.ACTIVITY, opens_at=dt.time(8, 0), closes_at=dt.time(21, 0),
                                        weekdays="1234567", min_notice_hours=4, buffer_minutes=30),
}
PURPOSES = {
    Room.Kind.MEDIATION: ["邻里漏水纠纷调解", "物业费争议调解", "家庭赡养纠纷调解"],
    Room.Kind.RECEPTION: ["约见县人大代表反映停车难", "约见政协委员反映背街小巷路灯", "约见党代表反映老旧小区改造"],
    Room.Kind.ACTIVITY: ["老年合唱团排练", "四点半学校书法课", "社区志愿者培训", "广场舞队排练"],
}
APPOINTMENT_PREFIX = "demo-appointment"
# item code and name (of the demo catalogue), window kind, slot, contact, how it ends: booked ahead on the
# n-th coming working day, or on the working day a week ago and then a no-show or cancelled.
APPOINTMENTS = [
    ("ZM01", "居住证明开具", WindowKind.DIRECT, dt.time(9, 0), "王秀英", 0, ""),
    ("ZZ02", "居住证办理", WindowKind.GENERAL, dt.time(10, 30), "李建国", 1, ""),
    ("ZM04", "生存（健在）证明开具", WindowKind.ASSISTED, dt.time(14, 0), "赵桂兰", 2, ""),
    ("GS04", "营业执照遗失补领", WindowKind.GENERAL, dt.time(15, 30), "陈志强", -1, "no_show"),
    ("ZM02", "亲属关系证明开具", WindowKind.DIRECT, dt.time(11, 0), "刘玉珍", -1, "cancel"),
]
# title, facts, disputed points, how it ended
MEDIATIONS = [
    ("楼上卫生间漏水纠纷", "楼上住户卫生间防水层老化，漏水至楼下住户顶棚，墙面发霉。",
     "维修费用和楼下装修损失由谁承担", "written"),
    ("邻里噪音纠纷", "楼上住户夜间装修、活动噪音影响楼下老人休息。", "夜间噪音的时间约定和已造成的影响", "oral"),
    ("宅基地界址纠纷", "两户相邻院墙重建时对界址线有争议。", "界址线位置和院墙重建费用", "refer"),
    ("物业服务费拖欠纠纷", "业主以电梯长期故障为由拒交物业费两年。", "物业服务质量和欠费数额", "unagreed"),
    ("赡养费纠纷", "老人三个子女对每月赡养费分担意见不一。", "每人每月分担的数额和照料安排", "open"),
]


def _day_at(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def _open_day(room: Room, day: dt.date) -> dt.date:
    while str(day.isoweekday()) not in room.weekdays:
        day += dt.timedelta(days=1)
    return day


class Loader:
    def __init__(self, *, today: dt.date) -> None:
        self.today = today
        self.created: Counter = Counter()
        self.users = {user.username: user for user in User.objects.filter(
            username__in=["county", "community", "community2", "resident", "member"])}
        self.county = self.users["county"]

    def build(self) -> None:
        communities = list(Region.objects.filter(level=Level.COMMUNITY, code__startswith="610424").order_by("code"))
        facilities = list(Facility.objects.active().filter(region__in=communities).select_related("region"))
        for community in communities:
            here = [f for f in facilities if f.region_id == community.pk]
            for hall in (f for f in here if f.kind == Facility.Kind.SERVICE_HALL):
                self.windows(hall, community)
                if community.name in ON_DUTY:
                    self.appointments(hall)
            for facility in here:
                if facility.kind in ROOM_KINDS:
                    self.bookings(self.room(facility))
            self.mediations(community, [f for f in here if f.kind == Facility.Kind.MEDIATION_ROOM])

    def windows(self, hall: Facility, community: Region) -> None:
        existing = set(ServiceWindow.objects.filter(hall=hall).values_list("name", flat=True))
        duty = [self.users[ON_DUTY[community.name]]] if community.name in ON_DUTY else []
        for name, kind in WINDOWS:
            if name not in existing:
                services.window_create(actor=self.county, hall=hall, name=name, kind=kind, opens_at=dt.time(8, 30),
                                       closes_at=dt.time(18, 0), on_duty=duty)
                self.created["service window"] += 1

    def appointments(self, hall: Facility) -> None:
        keys = set(Appointment.objects.filter(hall=hall, idempotency_key__startswith=APPOINTMENT_PREFIX)
                   .values_list("idempotency_key", flat=True))
        rng = random.Random(f"{SEED}:appointments:{hall.name}")
        ahead = services.appointment_days(today=self.today)
        past = self.today - dt.timedelta(days=7)
        while not is_working_day(past):
            past -= dt.timedelta(days=1)
        for n, (code, name, kind, start, contact, when, ending) in enumerate(APPOINTMENTS):
            key = f"{APPOINTMENT_PREFIX}-{hall.pk}-{n}"
            if key in keys or kind not in services.appointment_kinds(hall):
                continue
            day = past if when < 0 else ahead[when]
            asked = _day_at(day - dt.timedelta(days=2), dt.time(20, 0))
            appointment, created = services.appointment_book(
                hall=hall, kind=kind, day=day, starts_at=start, item_code=code, item_name=name,
                contact_name=contact, contact_phone=f"139{rng.randrange(10**8):08d}",
                actor=self.users["resident"] if n == 0 else None, idempotency_key=key, now=asked)
            self.created["appointment"] += int(created)
            if created and ending:
                services.appointment_transition(actor=self.county, appointment=appointment, action=ending,
                                                expected_version=appointment.version,
                                                now=_day_at(day, dt.time(17, 0)))

    def room(self, facility: Facility) -> Room:
        room = Room.objects.filter(facility=facility).first()
        if room is None:
            room = services.room_create(actor=self.county, facility=facility, **ROOM_KINDS[facility.kind])
            self.created["room"] += 1
        reason = "春节闭馆"
        if not Blackout.objects.filter(room=room, reason=reason).exists():
            start = _day_at(dt.date(self.today.year + 1, 2, 16), dt.time(0, 0))
            services.blackout_add(actor=self.county, room=room, starts_at=start, ends_at=start + dt.timedelta(days=7),
                                  reason=reason)
            self.created["blackout"] += 1
        return room

    def bookings(self, room: Room) -> None:
        keys = set(Booking.objects.filter(room=room, idempotency_key__startswith=KEY_PREFIX)
                   .values_list("idempotency_key", flat=True))
        rng = random.Random(f"{SEED}:room:{room.facility.name}")
        # About twice a month over the last year, then two ahead.
        days = [self.today - dt.timedelta(days=365 - 15 * n) for n in range(24)]
        days += [self.today + dt.timedelta(days=3), self.today + dt.timedelta(days=10)]
        for n, day in enumerate(days):
            key = f"{KEY_PREFIX}-{room.facility_id}-{n}"
            if key in keys:
                continue
            day = _open_day(room, day)
            hours = (dt.datetime.combine(day, room.closes_at) - dt.datetime.combine(day, room.opens_at)).seconds // 3600
            start = _day_at(day, room.opens_at) + dt.timedelta(hours=rng.randrange(max(1, hours - 1)))
            end = min(start + dt.timedelta(hours=1), _day_at(day, room.closes_at))
            booker = self.users["resident" if n % 3 else "member"]
            asked = start - dt.timedelta(days=2)
            booking, created = services.booking_request(
                actor=booker, room=room, starts_at=start, ends_at=end, contact_name=booker.display_name,
                contact_phone=f"139{rng.randrange(10**8):08d}", purpose=rng.choice(PURPOSES[room.kind]),
                idempotency_key=key, now=asked,
            )
            self.created["booking"] += int(created)
            past = day < self.today
            if created and booking.status == "pending" and (past or n == len(days) - 2):
                action = "reject" if past and n % 7 == 3 else "approve"
                services.booking_transition(actor=self.county, booking=booking, action=action,
                                            expected_version=booking.version, now=asked + dt.timedelta(hours=3),
                                            note="代表当日另有公务，请改约" if action == "reject" else "")

    def mediations(self, community: Region, rooms: list[Facility]) -> None:
        existing = set(Mediation.objects.filter(region=community).values_list("title", flat=True))
        actor = self.users.get(ON_DUTY.get(community.name, ""), self.county)
        room = Room.objects.filter(facility__in=rooms).first()
        rng = random.Random(f"{SEED}:mediation:{community.code}")
        for index, (title, facts, points, ending) in enumerate(MEDIATIONS):
            if title in existing:
                continue
            accepted = self.today - dt.timedelta(days=20 if ending == "open" else 330 - 60 * index - rng.randrange(20))
            surname = "张王李赵刘陈杨黄"[(index + len(community.name)) % 8]
            mediation = services.mediation_open(
                actor=actor, region=community, room=room, title=title, facts=facts, disputed_points=points,
                parties=[services.PartySpec("applicant", f"{surname}建华", f"138{rng.randrange(10**8):08d}"),
                         services.PartySpec("respondent", f"周秀{'英兰芳'[index % 3]}",
                                            f"137{rng.randrange(10**8):08d}")],
                accepted_on=accepted,
            )
            self.created["mediation"] += 1
            self.story(actor, mediation, ending, accepted)

    @staticmethod
    def story(actor, mediation: Mediation, ending: str, accepted: dt.date) -> None:
        def step(action: str, days: int, note: str, **kw) -> None:
            nonlocal mediation
            mediation = services.mediation_transition(actor=actor, mediation=mediation, action=action,
                                                      expected_version=mediation.version, note=note,
                                                      held_on=accepted + dt.timedelta(days=days), **kw)

        if ending == "refer":
            step("refer", 5, "双方对界址线的证据分歧大，建议通过诉讼解决。", referred_to="乾县人民法院")
            return
        step("session", 3, "双方陈述事实和诉求，调解员释明相关法律规定。", signed=True)
        if ending == "open":
            return
        step("session", 10, "调解员实地查看，提出初步调解方案。", signed=True)
        if ending == "unagreed":
            step("close", 25, "双方未能达成一致，已告知可通过诉讼途径解决。")
            return
        form = "written" if ending == "written" else "oral"
        step("agree", 14, "双方同意调解方案。", agreement_form=form,
             agreement_terms="责任方承担维修费用 1200 元，于履行期限内付清；双方今后互相体谅。",
             perform_by=accepted + dt.timedelta(days=30))
        step("follow_up", 35, "回访：已按协议履行，双方无异议。")
        step("close", 36, "协议已履行，结案。")


def load(*, today: dt.date | None = None) -> Counter:
    """Create whatever part of the halls' demo records is missing; returns how many rows of each kind were
    written."""
    loader = Loader(today=today or timezone.localdate())
    loader.build()
    return loader.created
