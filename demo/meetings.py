"""The demo county's meetings and 四议两公开, written through `meetings.services` as they happened.

- Every street's 党建联席会议, its member organisations on the roll, sits once a quarter over the last
  year; 乾陵街道 missed the quarter before last, so a missing quarter shows.
- 东街社区 has its 两委会, 党员大会 and 居民代表会议 with their rolls, and major matters at every stage of
  四议两公开: one at each stage, one whose 党员大会 missed its quorum and was held again, and one whose
  proposal and consultation were taken together (书记、主任一肩挑).
- 问题联解: every community's 民情议事会 sits once a month over the last year, and each of the 283 problems
  taken in at the community's 民意征求窗口 is on the agenda of its first sitting a day or more after the
  intake, voted with its resolution; the latest wait on the agenda of the next sitting, on notice. They are
  put before the meeting to be heard (`case_to_agenda(escalate=False)`): a problem keeps the course the
  cases step wrote for it, so no case is reopened or escalated again and the cases' figures stay as they are.

Idempotent: bodies are found by name in their region, meetings and matters by a fixed idempotency key;
a second run writes nothing. The past is written with the cases' `DemoClock`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import User
from cases.models import Assignment, AssignmentRole, Case, Channel
from cases.workflow import Status
from meetings import services
from meetings.models import AgendaItem, Body, Matter, Meeting
from meetings.workflow import BodyKind, Stage
from organisations.models import Organisation, PartyMember, Person
from regions.models import Level, Region
from reports.selectors import last_quarters

from .cases import KEY_PREFIX as CASE_KEY_PREFIX
from .cases import DemoClock

KEY_PREFIX = "demo-2026"
JOINT_COUNCIL_KINDS = (
    Organisation.Kind.AGENCY_PARTY, Organisation.Kind.NEW_ECONOMIC, Organisation.Kind.NEW_SOCIAL,
    Organisation.Kind.BUSINESS_DISTRICT_PARTY, Organisation.Kind.COMMUNITY_PARTY, Organisation.Kind.PROPERTY_COMPANY,
    Organisation.Kind.INDUSTRIAL_PARK_PARTY,
)
MISSED_QUARTER = ("乾陵街道", 2)  # the street and how many quarters back it did not meet
COMMUNITY = "东街社区"
ROLL_SIZES = {BodyKind.TWO_COMMITTEES: 7, BodyKind.PARTY_MEMBERS: 24, BodyKind.RESIDENTS_REPRESENTATIVES: 21}
# title, description, the stage it reached; `quorum_missed` held its 党员大会 twice, `merged` was proposed
# and consulted in one step.
MATTERS = [
    ("老旧小区加装电梯", "东街3号院四栋楼加装电梯，费用由业主按楼层分摊，政府补贴每部20万元。",
     Stage.RESULT_DISCLOSED, ""),
    ("社区养老服务站改造", "利用社区闲置用房改造日间照料站，配备助餐、助浴设施。",
     Stage.RESOLUTION_DISCLOSED, "quorum_missed"),
    ("小区停车位划线与收费", "在东街2号院划设停车位86个，收费标准由居民代表会议决定。", Stage.RESOLVED, ""),
    ("背街小巷路灯增设", "在东街五条背街小巷增设太阳能路灯40盏。", Stage.REVIEWED, "merged"),
    ("社区公益基金使用方案", "2026年度社区公益基金12万元用于困难家庭帮扶和四点半学校。", Stage.CONSULTED, ""),
    ("垃圾分类亭选址", "在东街片区设置8处垃圾分类投放亭，位置征求居民意见后确定。", Stage.PROPOSED, ""),
    ("社区文化广场提升", "更新广场健身器材、增设休息座椅和遮阳棚。", Stage.REGISTERED, ""),
]
ORDER = ["propose", "consult", "review", "resolve", "disclose_resolution", "disclose_result"]
STAGES = [Stage.REGISTERED, Stage.PROPOSED, Stage.CONSULTED, Stage.REVIEWED, Stage.RESOLVED,
          Stage.RESOLUTION_DISCLOSED, Stage.RESULT_DISCLOSED]
DISCLOSURES = {
    "disclose_resolution": "决议公开：{title}经居民代表会议表决通过，现予公开。",
    "disclose_result": "实施结果公开：{title}已实施完毕，资金使用情况见附表。",
}
# 民情议事会: a sitting every AFFAIRS_EVERY over the last AFFAIRS_SITTINGS, and the next one on notice.
AFFAIRS_SITTINGS = 12
AFFAIRS_EVERY = dt.timedelta(days=30)
AFFAIRS_ROLL = 9
AFFAIRS_NEXT = dt.timedelta(days=7)
# A problem goes on the agenda of the first sitting at least this long after it was taken in.
AFFAIRS_LEAD_TIME = dt.timedelta(days=1)
MEETING_OF = {"consult": BodyKind.TWO_COMMITTEES, "review": BodyKind.PARTY_MEMBERS,
              "resolve": BodyKind.RESIDENTS_REPRESENTATIVES}


class Loader:
    def __init__(self) -> None:
        self.created: Counter = Counter()
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.now = timezone.now()
        self.clock = DemoClock(self.now)
        self.admin = User.objects.get(username="admin")

    def at(self, day: dt.date, hour: int = 9) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=self.zone)

    def body(self, kind: str, name: str, region: Region, organisation: Organisation | None = None) -> tuple[Body, bool]:
        body = Body.objects.filter(region=region, name=name).first()
        if body is not None:
            return body, False
        self.created["meeting_body"] += 1
        return services.body_create(actor=self.admin, kind=kind, name=name, region=region,
                                    organisation=organisation), True

    def seat(self, body: Body, *, person: Person | None = None, organisation: Organisation | None = None,
             account: User | None = None) -> None:
        services.roll_member_add(actor=self.admin, body=body, person=person, organisation=organisation,
                                 account=account, term="第十一届" if person else "")
        self.created["roll_member"] += 1

    def hold(self, body: Body, key: str, title: str, moment: dt.datetime, *, matter: Matter | None = None,
             present: int | None = None) -> Meeting:
        """A meeting of `body` held at `moment`: notice days before, roll frozen, signed in, voted, closed."""
        self.clock.moment = moment - dt.timedelta(days=max(services.notice_days(body.kind), 1) + 2)
        agenda = [services.AgendaSpec(title=matter.title if matter else "季度工作通报与问题协调", matter=matter)]
        meeting, created = services.meeting_schedule(
            actor=self.admin, body=body, title=title, scheduled_at=moment, place="社区党群服务中心会议室",
            agenda=agenda, idempotency_key=key,
        )
        if not created:
            return meeting
        self.created["meeting"] += 1
        self.clock.moment = moment
        meeting = services.meeting_transition(actor=self.admin, meeting=meeting, action="open",
                                              expected_version=meeting.version)
        seats = list(meeting.attendance.order_by("id"))
        present = len(seats) - len(seats) // 8 if present is None else present
        self.clock.moment = moment + dt.timedelta(minutes=5)
        for seat in seats[:present]:
            services.attendance_mark(actor=self.admin, meeting=meeting, member=seat.member, status="present")
        for seat in seats[present:present + 1]:
            services.attendance_mark(actor=self.admin, meeting=meeting, member=seat.member, status="excused")
        meeting.refresh_from_db()
        self.clock.moment = moment + dt.timedelta(minutes=50)
        if matter is not None:
            against = 1 if present > 4 else 0
            services.vote_record(actor=self.admin, meeting=meeting, item=meeting.agenda.get(),
                                 expected_version=meeting.version, in_favour=present - against, against=against,
                                 abstained=0, resolution=f"同意{matter.title}")
            meeting.refresh_from_db()
        self.clock.moment = moment + dt.timedelta(minutes=90)
        return services.meeting_transition(
            actor=self.admin, meeting=meeting, action="close", expected_version=meeting.version,
            minutes=f"{title}：到会人员听取情况通报，逐项讨论议题并形成决定。",
            public_summary=f"{title}已召开，议定事项按程序公开。",
        )

    def joint_councils(self) -> None:
        quarters = [first for first, _ in last_quarters(timezone.localtime(self.now).date())]
        for street in Region.objects.filter(level=Level.STREET).order_by("code"):
            body, fresh = self.body(BodyKind.STREET_JOINT_COUNCIL, f"{street.name}党建联席会议", street)
            if fresh:
                members = Organisation.objects.filter(
                    region__code__startswith=street.code, kind__in=JOINT_COUNCIL_KINDS, archived_at__isnull=True,
                ).order_by("kind", "id")[:15]
                for organisation in members:
                    self.seat(body, organisation=organisation)
            for back, start in enumerate(reversed(quarters), start=1):
                if (street.name, back) == MISSED_QUARTER:
                    continue
                moment = self.at(start + dt.timedelta(days=40), 15)
                label = f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
                self.hold(body, f"{KEY_PREFIX}-joint-{street.code}-{start.isoformat()}",
                          f"{street.name}{label}党建联席会议", moment)

    def community(self) -> None:
        community = Region.objects.get(level=Level.COMMUNITY, name=COMMUNITY)
        bodies: dict[str, Body] = {}
        members = list(PartyMember.objects.filter(registered_community=community).select_related("person")
                       .order_by("id")[:ROLL_SIZES[BodyKind.PARTY_MEMBERS]])
        # Representatives are residents of the community, party members among them.
        residents = list(Person.objects.filter(home_region__code__startswith=community.code).order_by("-id")
                         [:ROLL_SIZES[BodyKind.RESIDENTS_REPRESENTATIVES]])
        accounts = {user.person_id: user for user in User.objects.filter(person__in=[m.person for m in members])}
        party = Organisation.objects.filter(region=community, kind=Organisation.Kind.COMMUNITY_PARTY).first()
        committee = [m.person for m in members[:ROLL_SIZES[BodyKind.TWO_COMMITTEES]]]
        for kind, name, people in [
            (BodyKind.TWO_COMMITTEES, f"{COMMUNITY}两委会", committee),
            (BodyKind.PARTY_MEMBERS, f"{COMMUNITY}党员大会", [m.person for m in members]),
            (BodyKind.RESIDENTS_REPRESENTATIVES, f"{COMMUNITY}居民代表会议", residents),
        ]:
            body, fresh = self.body(kind, name, community, organisation=party)
            if fresh:
                for person in people:
                    self.seat(body, person=person, account=accounts.get(person.pk))
            bodies[kind] = body
        start = self.now - dt.timedelta(days=300)
        for n, (title, description, stage, story) in enumerate(MATTERS, start=1):
            key = f"{KEY_PREFIX}-matter-{n:02d}"
            if Matter.objects.filter(idempotency_key=key).exists():
                continue
            moment = self.at((start + dt.timedelta(days=9 * n)).date())
            self.clock.moment = moment
            matter, _ = services.matter_register(actor=self.admin, region=community, title=title,
                                                 description=description, idempotency_key=key)
            self.created["matter"] += 1
            actions = ORDER[:STAGES.index(stage)]
            if story == "merged":
                actions.remove("consult")  # taken with the proposal
            for action in actions:
                moment += dt.timedelta(days=12)
                meeting = None
                kind = MEETING_OF.get(action)
                if kind is not None:
                    if action == "review" and story == "quorum_missed":
                        # 9 of 24 came: not more than half. The step stays and is held again.
                        self.hold(bodies[kind], f"{key}-{action}-1", f"{COMMUNITY}党员大会（{title}）", moment,
                                  matter=matter, present=9)
                        moment += dt.timedelta(days=10)
                    meeting = self.hold(bodies[kind], f"{key}-{action}", f"{bodies[kind].name}（{title}）", moment,
                                        matter=matter)
                self.clock.moment = moment + dt.timedelta(hours=3)
                matter = services.matter_transition(
                    actor=self.admin, matter=matter, action=action, expected_version=matter.version,
                    meeting=meeting, note=DISCLOSURES.get(action, "").format(title=title),
                    merged=story == "merged" and action == "propose",
                )

    def affairs_councils(self) -> None:
        """Each community's 民情议事会 and its sittings, with the problems of its 民意征求窗口 on their agendas."""
        heard = set(AgendaItem.objects.filter(case__isnull=False).values_list("case_id", flat=True))
        window = [
            case for case in Case.objects.filter(channel=Channel.OPINION_WINDOW,
                                                 idempotency_key__startswith=f"{CASE_KEY_PREFIX}-P-")
            .select_related("region").prefetch_related(self._leads()).order_by("received_at", "id")
            if case.pk not in heard
        ]
        by_community: dict[str, list[Case]] = {}
        for case in window:
            by_community.setdefault(case.region.code[:12], []).append(case)
        for community in Region.objects.filter(level=Level.COMMUNITY).order_by("code"):
            party = Organisation.objects.filter(region=community, kind=Organisation.Kind.COMMUNITY_PARTY).first()
            body, fresh = self.body(BodyKind.AFFAIRS_COUNCIL, f"{community.name}民情议事会", community,
                                    organisation=party)
            if fresh:
                for person in Person.objects.filter(home_region__code__startswith=community.code).order_by("id")[
                        :AFFAIRS_ROLL]:
                    self.seat(body, person=person)
            today = timezone.localtime(self.now).date()
            sittings = [self.at(today - AFFAIRS_EVERY * back, 15) for back in range(AFFAIRS_SITTINGS, 0, -1)]
            pending = by_community.get(community.code, [])
            for n, moment in enumerate(sittings, start=1):
                due = [case for case in pending if case.received_at + AFFAIRS_LEAD_TIME <= moment]
                pending = [case for case in pending if case not in due]
                self.sit(body, f"{KEY_PREFIX}-affairs-{community.code}-{n:02d}", moment, due)
            self.sit(body, f"{KEY_PREFIX}-affairs-{community.code}-next", self.at(today + AFFAIRS_NEXT, 15), pending,
                     held=False)

    @staticmethod
    def _leads() -> Prefetch:
        return Prefetch("assignments", to_attr="leads", queryset=Assignment.objects.filter(
            role=AssignmentRole.LEAD).select_related("organisation").order_by("-id"))

    @staticmethod
    def resolution(case: Case) -> str:
        """What the 民情议事会 resolved on a problem, by how the problem went."""
        if case.status == Status.REJECTED:
            return "经议事，该问题不属于社区受理范围，由社区向反映人做好解释并引导通过其他渠道解决。"
        if case.status == Status.MERGED:
            return "与已收集的同一问题合并办理，办理结果一并向反映人反馈。"
        lead = next((a.organisation for a in case.leads if a.organisation_id), None)
        who = lead.name if lead is not None else "承办单位"
        return f"由{who}按期办结，社区跟踪督办并向居民反馈办理结果。"

    def sit(self, body: Body, key: str, moment: dt.datetime, cases: list[Case], *, held: bool = True) -> None:
        """A sitting of the 民情议事会 at `moment` with `cases` before it to be heard; when `held`, opened,
        signed in, each problem voted with its resolution, and closed; else on notice for later."""
        if not cases and not held:
            return
        noticed = min(moment - dt.timedelta(days=3), self.now - dt.timedelta(minutes=5))
        self.clock.moment = noticed
        local = timezone.localtime(moment)
        title = f"{body.name}（{local:%Y年%m月}）"
        meeting, created = services.meeting_schedule(
            actor=self.admin, body=body, title=title, scheduled_at=moment, place="社区党群服务中心议事厅",
            agenda=[services.AgendaSpec(title="民意征求窗口收集问题办理情况通报")], idempotency_key=key,
        )
        if not created:
            return
        self.created["meeting"] += 1
        for case in cases:
            self.clock.moment = min(max(noticed, case.received_at + dt.timedelta(minutes=30)),
                                    self.now - dt.timedelta(minutes=1))
            services.case_to_agenda(actor=self.admin, meeting=meeting, case=case, escalate=False,
                                    note="民意征求窗口收集的问题，第一时间提交议事")
            self.created["agenda_item"] += 1
        if not held:
            return
        self.clock.moment = moment
        meeting = services.meeting_transition(actor=self.admin, meeting=meeting, action="open",
                                              expected_version=meeting.version)
        seats = list(meeting.attendance.order_by("id"))
        self.clock.moment = moment + dt.timedelta(minutes=5)
        for seat in seats[:-1]:
            services.attendance_mark(actor=self.admin, meeting=meeting, member=seat.member, status="present")
        for seat in seats[-1:]:
            services.attendance_mark(actor=self.admin, meeting=meeting, member=seat.member, status="excused")
        present = max(len(seats) - 1, 0)
        items = {item.case_id: item for item in meeting.agenda.filter(case__isnull=False)}
        for minutes, case in enumerate(cases, start=10):
            self.clock.moment = moment + dt.timedelta(minutes=minutes)
            meeting.refresh_from_db()
            services.vote_record(actor=self.admin, meeting=meeting, item=items[case.pk],
                                 expected_version=meeting.version, in_favour=present, against=0, abstained=0,
                                 resolution=self.resolution(case))
        meeting.refresh_from_db()
        self.clock.moment = moment + dt.timedelta(minutes=15 + len(cases))
        services.meeting_transition(
            actor=self.admin, meeting=meeting, action="close", expected_version=meeting.version,
            minutes=f"{title}：通报民意征求窗口收集问题 {len(cases)} 件，逐件议定办理意见。",
            public_summary=f"{title}已召开，议定民意征求窗口收集问题 {len(cases)} 件。",
        )

    def run(self) -> Counter:
        with self.clock.installed():
            self.joint_councils()
            self.community()
            self.affairs_councils()
        return self.created


def load() -> Counter:
    """Write the demo's bodies, rolls, meetings and matters that are missing; counts what was written."""
    return Loader().run()
