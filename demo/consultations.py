"""The demo county's consultations (征求意见), written through `consultations.services` as they happened.

- 东街社区 put the new layout of its 党群服务中心 to residents for 30 days; residents commented on the
  portal, one comment (an advertisement) was hidden, the 居民代表会议 reviewed the comments, and the outcome
  was published: some opinions adopted (two comments saying the same thing decided together), some
  rejected, each with its reason.
- Its 小区广场 plan is open for comments now.

Idempotent: each consultation is found by a fixed idempotency key, and one already there is left as it is;
a second run writes nothing. The past is written with the cases' `DemoClock`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from accounts.models import User
from consultations import services
from consultations.models import Consultation
from meetings import services as meeting_services
from meetings.models import Body, Meeting
from meetings.workflow import BodyKind
from regions.models import Facility, Level, Region

from .cases import DemoClock

KEY_PREFIX = "demo-2026-consultation"
COMMUNITY = "东街社区"
LAYOUT_PLAN = (
    "党群服务中心一楼重新布局：东侧为便民服务台和“民意征求窗口”，西侧为老年活动室，中间大厅设阅览区；"
    "二楼为党员活动室和议事协商室，会议室对辖区单位开放预约。改造期间服务台临时移至社区居委会。"
)
# (display name, text, outcome group): comments of one group are decided together; "hidden" is moderated.
LAYOUT_COMMENTS = [
    ("张建华", "老年活动室放在一楼很好，建议增加几张棋牌桌。", "tables"),
    ("李秀英", "希望老年活动室多放棋牌桌，下午人多坐不下。", "tables"),
    ("王志强", "阅览区靠窗，建议加装遮光窗帘，夏天西晒。", "curtains"),
    ("赵桂兰", "希望把老年活动室搬到二楼，一楼留给孩子们。", "upstairs"),
    ("刘洋", "会议室开放预约是好事，建议周末也能预约。", "weekends"),
    ("孙某", "专业代办各类证件，价格优惠，加微信详谈。", "hidden"),
]
OUTCOMES = {
    "tables": ("adopted", "老年活动室增加棋牌桌", "增设棋牌桌 4 张，座位由 16 个增至 32 个。"),
    "curtains": ("adopted", "阅览区加装遮光窗帘", "阅览区西侧窗户加装遮光窗帘。"),
    "upstairs": ("rejected", "老年活动室移至二楼", "中心没有电梯，老年人上下楼不便，老年活动室仍放在一楼；"
                                                  "二楼议事协商室在周末开放给青少年活动。"),
    "weekends": ("rejected", "会议室周末开放预约", "周末无工作人员值守，暂不开放预约；工作日延长至晚 8 点。"),
}
SQUARE_PLAN = "东街2号院小区广场改造：东侧增设健身器材，西侧铺设透水砖并保留空地，增设休息座椅 12 组。"
SQUARE_COMMENTS = [("陈红", "建议座椅旁边种几棵树，夏天可以遮阴。"), ("周明", "健身器材请选适合老年人的。")]


class Loader:
    def __init__(self) -> None:
        self.created: Counter = Counter()
        self.now = timezone.now()
        self.clock = DemoClock(self.now)
        self.admin = User.objects.get(username="admin")
        self.community = Region.objects.get(level=Level.COMMUNITY, name=COMMUNITY)
        self.body = Body.objects.get(region=self.community, kind=BodyKind.RESIDENTS_REPRESENTATIVES)

    def at(self, days_ago: float, hour: int = 10) -> dt.datetime:
        moment = timezone.localtime(self.now - dt.timedelta(days=days_ago))
        return moment.replace(hour=hour, minute=0, second=0, microsecond=0)

    def draft(self, key: str, title: str, plan: str, facility: Facility | None) -> Consultation:
        consultation, _ = services.consultation_create(actor=self.admin, region=self.community, title=title, plan=plan,
                                                       facility=facility, idempotency_key=key)
        self.created["consultation"] += 1
        return services.consultation_open(actor=self.admin, consultation=consultation,
                                          expected_version=consultation.version)

    def comment(self, consultation: Consultation, key: str, name: str, text: str):
        comment, created = services.comment_add(consultation=consultation, text=text, display_name=name,
                                                idempotency_key=key)
        self.created["consultation_comment"] += created
        return comment

    def hold(self, meeting: Meeting, moment: dt.datetime) -> None:
        """The review meeting sits: most representatives sign in, the comments are reviewed, it closes."""
        self.clock.moment = moment
        meeting = meeting_services.meeting_transition(actor=self.admin, meeting=meeting, action="open",
                                                      expected_version=meeting.version)
        seats = list(meeting.attendance.order_by("id"))
        self.clock.moment = moment + dt.timedelta(minutes=5)
        for seat in seats[: len(seats) - len(seats) // 6]:
            meeting_services.attendance_mark(actor=self.admin, meeting=meeting, member=seat.member, status="present")
        meeting.refresh_from_db()
        self.clock.moment = moment + dt.timedelta(minutes=80)
        meeting_services.meeting_transition(
            actor=self.admin, meeting=meeting, action="close", expected_version=meeting.version,
            minutes="居民代表逐条评审党群服务中心布局调整方案收到的居民意见，形成采纳与不予采纳的意见及理由。",
            public_summary="居民代表会议评审党群服务中心布局调整方案的居民意见。",
        )
        self.created["meeting"] += 1

    def layout(self) -> None:
        key = f"{KEY_PREFIX}-01"
        if Consultation.objects.filter(idempotency_key=key).exists():
            return
        facility = Facility.objects.filter(region=self.community, kind=Facility.Kind.PARTY_SERVICE_CENTER).first()
        self.clock.moment = self.at(75)
        consultation = self.draft(key, f"{COMMUNITY}党群服务中心布局调整方案", LAYOUT_PLAN, facility)
        groups: dict[str, list] = {}
        for n, (name, text, group) in enumerate(LAYOUT_COMMENTS, start=1):
            self.clock.moment = self.at(74 - 4 * n, 9 + n)
            groups.setdefault(group, []).append(self.comment(consultation, f"{key}-comment-{n}", name, text))
        self.clock.moment = self.at(49)
        services.comment_hide(actor=self.admin, comment=groups["hidden"][0], reason="广告内容，与方案无关")
        # The period ran its 30 days: it closes the day after, without a reason.
        self.clock.moment = self.at(44, 9)
        consultation = services.consultation_close(actor=self.admin, consultation=consultation,
                                                   expected_version=consultation.version)
        self.clock.moment = self.at(42)
        consultation = services.consultation_review(
            actor=self.admin, consultation=consultation, expected_version=consultation.version, body=self.body,
            scheduled_at=self.at(38, 15), place="东街社区党群服务中心会议室", idempotency_key=f"{key}-review",
        )
        self.hold(consultation.review_meeting, self.at(38, 15))
        self.clock.moment = self.at(37)
        for group, (outcome, summary, reason) in OUTCOMES.items():
            services.opinion_decide(actor=self.admin, consultation=consultation, comments=groups[group],
                                    outcome=outcome, reason=reason, summary=summary)
            self.created["consultation_opinion"] += 1
        self.clock.moment = self.at(35)
        services.consultation_publish(
            actor=self.admin, consultation=consultation, expected_version=consultation.version,
            outcome="经居民代表会议评审，采纳 2 条意见，不予采纳 2 条意见；改造按修改后的方案实施。",
        )

    def square(self) -> None:
        key = f"{KEY_PREFIX}-02"
        if Consultation.objects.filter(idempotency_key=key).exists():
            return
        self.clock.moment = self.at(6)
        consultation = self.draft(key, "东街2号院小区广场改造方案", SQUARE_PLAN, None)
        for n, (name, text) in enumerate(SQUARE_COMMENTS, start=1):
            self.clock.moment = self.at(5 - 2 * n, 19)
            self.comment(consultation, f"{key}-comment-{n}", name, text)

    def run(self) -> Counter:
        with self.clock.installed():
            self.layout()
            self.square()
        return self.created


def load() -> Counter:
    """Write the demo's consultations that are missing; counts what was written."""
    return Loader().run()
