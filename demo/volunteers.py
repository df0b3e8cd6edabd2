"""The demo county's year of 红领巾 volunteering, written through `volunteers.services` as it happened.

- Members of agency branches who had not registered at a community register at the desk over the year;
  a few never do, so their unit's list shows them.
- Each community has public-welfare posts in its grids, claimed by its volunteers, who log their shifts
  (post tasks).
- 18 红领巾 volunteer activities over the year, each with members signed up, checked in and out with the
  organiser's code, their hours confirmed; then finished.
- Micro-wishes posted for residents, checked, published, claimed and fulfilled with a photo, most confirmed.

The deeds (为民办实事) read 1,092 from records: fulfilled wishes, difficulty cases members helped (written by
the cases step) and post tasks, as many tasks as make up the rest. Idempotent: every record has a natural
key read up front (a member's registration, a post's title in its grid, an activity's title and start, a
wish's title in its community, a claim's tasks by date), and only missing ones are written.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role, User
from core import audit
from core.models import AuditEvent
from organisations.models import PartyMember
from regions.models import Level, Region
from volunteers import services
from volunteers.models import Activity, Post, PostClaim, PostTask, Registration, Wish
from volunteers.selectors import deeds_done

from .cases import DemoClock

DEEDS = 1092
RED_SCARF_SERVICES = 18
VOLUNTEERS_PER_COMMUNITY = 5
# Members of agency branches left unregistered: their units' lists show them.
NEVER_REPORTED = 6
POSTS = [("safety", "平安巡逻岗", "每日巡查楼院，发现隐患及时报告网格员", "每周六 8:00-10:00"),
         ("sanitation", "环境卫生岗", "清理楼道杂物，督导垃圾分类", "每周日 9:00-11:00"),
         ("civility", "文明劝导岗", "劝导乱停车、乱扔垃圾", "工作日 17:30-19:00"),
         ("care", "关爱老幼岗", "探访独居老人，陪伴留守儿童", "每周三 15:00-17:00")]
ACTIVITIES = ["红领巾助老送餐", "红领巾清洁家园", "红领巾文明交通劝导", "红领巾关爱留守儿童", "红领巾义务理发",
              "红领巾垃圾分类宣传"]
WISHES = [("一台收音机", "独居老人想听戏曲广播，家中收音机坏了。"), ("一套学习用品", "孩子上三年级，需要书包和文具。"),
          ("修理水龙头", "厨房水龙头漏水，老人行动不便，请帮忙修理。联系电话13991230001"),
          ("代购降压药", "每月需到医院取药，子女在外地。"), ("陪同就医", "下周复查，需要有人陪同去县医院。"),
          ("一副老花镜", "原来的眼镜摔坏了，看不清药品说明。"), ("打扫卫生", "行动不便，想请人帮忙打扫一次房间。"),
          ("辅导功课", "孩子数学跟不上，想请人周末辅导。"), ("更换灯泡", "楼道和卫生间灯泡坏了。")]
WISHES_FULFILLED_PER_COMMUNITY = 7
WISHES_CONFIRMED_PER_COMMUNITY = 6


def _photo() -> SimpleUploadedFile:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 40, 40)).save(buffer, "PNG")
    return SimpleUploadedFile("proof.png", buffer.getvalue(), content_type="image/png")


class Loader:
    def __init__(self) -> None:
        self.created: Counter = Counter()
        self.now = timezone.now()
        self.clock = DemoClock(self.now)
        self.admin = User.objects.get(username="admin")
        self.communities = list(Region.objects.filter(level=Level.COMMUNITY).order_by("code"))
        self.year_ago = self.now - dt.timedelta(days=365)
        self._password = None

    def at(self, days_ago: float, hour: int = 9) -> dt.datetime:
        moment = timezone.localtime(self.now - dt.timedelta(days=days_ago))
        return moment.replace(hour=hour, minute=0, second=0, microsecond=0)

    def account(self, member: PartyMember) -> User:
        """The member's sign-in (the demo's own `member` where it is that person)."""
        user = User.objects.filter(person_id=member.person_id, role=Role.PARTY_MEMBER).first()
        if user is not None:
            return user
        if self._password is None:
            self._password = make_password(None)  # the volunteers sign in only in the story, never on the site
        user = User(username=f"volunteer-{member.pk}", first_name=member.person.name, password=self._password,
                    role=Role.PARTY_MEMBER, person=member.person, region=member.registered_community,
                    must_change_password=False)
        user.full_clean(exclude=["password"])
        user.save()
        audit.record(actor=None, action=AuditEvent.Action.CREATE, target=user,
                     changes={"username": [None, user.username], "role": [None, user.role]})
        self.created["user"] += 1
        return user

    def registrations(self) -> None:
        """The agency members not yet registered register at the desk of the community they live in, spread
        over the year; the last NEVER_REPORTED never do."""
        waiting = list(PartyMember.objects.active().filter(registered_community__isnull=True,
                                                            person__home_region__isnull=False)
                       .select_related("person__home_region").order_by("pk"))
        done = set(Registration.objects.values_list("member_id", flat=True))
        for n, member in enumerate(waiting[:-NEVER_REPORTED]):
            if member.pk in done:
                continue
            community = next((c for c in self.communities if c.contains(member.person.home_region)), None)
            if community is None:
                continue
            self.clock.moment = self.at(360 - (n * 11) % 330)
            services.registration_submit(actor=self.admin, community=community, member=member)
            self.created["registration"] += 1

    def volunteers(self, community: Region) -> list[PartyMember]:
        return list(PartyMember.objects.active().filter(registered_community=community)
                    .select_related("person").order_by("pk")[:VOLUNTEERS_PER_COMMUNITY])

    def posts(self, community: Region, members: list[PartyMember]) -> list[PostClaim]:
        grids = list(Region.objects.filter(parent=community, level=Level.GRID).order_by("code")[:2])
        existing = {(p.region_id, p.title): p for p in Post.objects.filter(region__in=grids)}
        posts = []
        for g, grid in enumerate(grids):
            for category, title, duties, shift in (POSTS[g * 2: g * 2 + 2]):
                post = existing.get((grid.pk, title))
                if post is None:
                    self.clock.moment = self.at(365)
                    post = services.post_create(actor=self.admin, region=grid, category=category, title=title,
                                                duties=duties, shift=shift, head_count=3)
                    self.created["post"] += 1
                posts.append(post)
        claims = []
        for n, member in enumerate(members):
            claim = PostClaim.objects.filter(member=member, ended_at__isnull=True).first()
            if claim is None and posts:
                self.clock.moment = self.at(364)
                claim = services.post_claim(actor=self.account(member), post=posts[n % len(posts)])
                self.created["post_claim"] += 1
            if claim is not None:
                claims.append(claim)
        return claims

    def activities(self, members_of: dict[int, list[PartyMember]]) -> None:
        existing = {(a.community_id, a.title, a.starts_at) for a in Activity.objects.all()}
        for n in range(RED_SCARF_SERVICES):
            community = self.communities[n % len(self.communities)]
            title = ACTIVITIES[n % len(ACTIVITIES)]
            start = self.at(350 - n * 19, hour=9)
            if (community.pk, title, start) in existing:
                continue
            self.clock.moment = start - dt.timedelta(days=7)
            activity = services.activity_create(actor=self.admin, community=community, title=title,
                                                place=f"{community.name}党群服务中心", starts_at=start,
                                                ends_at=start + dt.timedelta(hours=2), capacity=10,
                                                needs="引导员 2 人、记录员 1 人")
            self.created["activity"] += 1
            members = members_of.get(community.pk, [])
            for m, member in enumerate(members[:4]):
                user = self.account(member)
                signup = services.signup_create(actor=user, activity=activity)
                if m == 3:
                    continue  # signed up, never came: a no-show when the activity finishes
                self.clock.moment = start + dt.timedelta(minutes=m * 3)
                services.signup_check(actor=user, activity=activity, code=activity.check_code, action="check_in")
                self.clock.moment = start + dt.timedelta(minutes=115 - m * 10)
                signup = services.signup_check(actor=user, activity=activity, code=activity.check_code,
                                               action="check_out")
                services.signup_transition(actor=self.admin, signup=signup, action="confirm",
                                           expected_version=signup.version, minutes=signup.completed_minutes)
                self.created["signup"] += 1
            activity.refresh_from_db()
            self.clock.moment = start + dt.timedelta(hours=3)
            services.activity_transition(actor=self.admin, activity=activity, action="finish",
                                         expected_version=activity.version)

    def wishes(self, community: Region, members: list[PartyMember]) -> None:
        existing = set(Wish.objects.filter(community=community).values_list("title", flat=True))
        for n, (title, text) in enumerate(WISHES):
            if title in existing:
                continue
            self.clock.moment = self.at(300 - n * 30)
            wish = services.wish_post(actor=self.admin, community=community, title=title, text=text,
                                      resident_name=f"{community.name}居民{n + 1}")
            self.created["wish"] += 1
            if n == len(WISHES) - 1 or not members:
                continue  # posted, waiting for the community's check
            wish = services.wish_transition(actor=self.admin, wish=wish, action="publish", expected_version=1)
            if n >= WISHES_FULFILLED_PER_COMMUNITY:
                continue  # published, waiting for a member
            user = self.account(members[n % len(members)])
            self.clock.moment += dt.timedelta(days=1)
            wish = services.wish_transition(actor=user, wish=wish, action="claim", expected_version=wish.version)
            self.clock.moment += dt.timedelta(days=2)
            wish = services.wish_transition(actor=user, wish=wish, action="fulfil", expected_version=wish.version,
                                            proof=_photo())
            if n < WISHES_CONFIRMED_PER_COMMUNITY:
                self.clock.moment += dt.timedelta(days=1)
                services.wish_transition(actor=self.admin, wish=wish, action="confirm", expected_version=wish.version)

    def post_tasks(self, claims: list[PostClaim]) -> None:
        """As many shifts logged as make the county's deeds 1,092 with the wishes and helped difficulties."""
        county = Region.objects.get(level=Level.COUNTY)
        missing = DEEDS - deeds_done(county)
        if missing <= 0 or not claims:
            return
        self.clock.moment = self.now
        per_claim, extra = divmod(missing, len(claims))
        for n, claim in enumerate(claims):
            count = per_claim + (n < extra)
            if not count:
                continue
            taken = set(PostTask.objects.filter(claim=claim).values_list("done_on", flat=True))
            start = timezone.localtime(claim.claimed_at).date() + dt.timedelta(days=1)
            days = [start + dt.timedelta(days=d) for d in range(360) if start + dt.timedelta(days=d) not in taken]
            step = max(1, len(days) // count)
            entries = [(day, "按时完成本班次岗位任务") for day in days[::step][:count]]
            services.post_tasks_record(actor=self.admin, claim=claim, entries=entries)
            self.created["post_task"] += len(entries)

    def run(self) -> Counter:
        with self.clock.installed():
            self.registrations()
            members_of = {c.pk: self.volunteers(c) for c in self.communities}
            claims = []
            for community in self.communities:
                claims += self.posts(community, members_of[community.pk])
            self.activities(members_of)
            for community in self.communities:
                self.wishes(community, members_of[community.pk])
            self.post_tasks(claims)
        return self.created


def load() -> Counter:
    """Write the demo's registrations, posts, activities, wishes and post tasks that are missing."""
    return Loader().run()
