"""The demo county's dispatched forces and their year of gradings, through `tasks.services` and `gradings.services`.

- In 东街社区 and 西街社区 the street's 派出所, 城管执法中队 and 市场监管所 each place a team, its head holding a seat
  (兼职委员) on the community's party organisation; each team has a member and two patrol assignments, one done,
  and the 城管 team one from a case of the community.
- This year each community proposed a grade for every head with its opinion; the county recorded the results, one
  of them differing from the proposal, with its reason.
- The communities' consents to the heads' appointments, recorded before each head was appointed; one more
  candidate refused, and not appointed.

Idempotent: teams are found by name, gradings by team and year, consents by team and candidate; a second run
writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from accounts.models import User
from cases.models import Case
from core.validators import id_number_check_char
from gradings import services as grading_services
from gradings.models import Grade, Grading
from organisations import services as org_services
from organisations.models import Organisation, Person
from regions.models import Level, Region
from regions.selectors import subtree_q
from tasks import services
from tasks.models import Consent, DispatchedTeam

COMMUNITIES = ("东街社区", "西街社区")
TEAMS = [("派出所", DispatchedTeam.Kind.POLICE, "警务工作站", "所长"),
         ("城管执法中队", DispatchedTeam.Kind.URBAN_MANAGEMENT, "城管工作站", "中队长"),
         ("市场监管所", DispatchedTeam.Kind.MARKET_REGULATION, "市场监管工作站", "所长")]
HEADS = {("东街社区", "派出所"): "高志强", ("东街社区", "城管执法中队"): "马建业", ("东街社区", "市场监管所"): "吴海燕",
         ("西街社区", "派出所"): "郑国栋", ("西街社区", "城管执法中队"): "冯立新", ("西街社区", "市场监管所"): "韩晓梅"}
PROPOSALS = {"派出所": (Grade.EXCELLENT, "按时报到，夜间巡逻从不缺勤，群众评价高"),
             "城管执法中队": (Grade.COMPETENT, "占道经营治理有成效，个别事项报到偏晚"),
             "市场监管所": (Grade.COMPETENT, "食品安全检查按计划完成")}
# The one result the county set apart from the community's proposal, and why.
DIFFERS = (("西街社区", "城管执法中队"), Grade.BASICALLY_COMPETENT,
           "全县占道经营专项整治中该中队两次未按时报到，综合县级督查结果评定为基本称职")


def _id_number(serial: int) -> str:
    """A valid ID number of the county for the demo's team heads and members (born 1980)."""
    body = f"610424198005{serial % 28 + 1:02d}{700 + serial:03d}"
    return body + id_number_check_char(body)


NAMES = [name for pair in sorted(HEADS.items()) for name in (pair[1], f"{pair[1][0]}队员")] + ["拟任人选乙"]


def _person(name: str, community: Region) -> Person:
    serial = NAMES.index(name)
    return org_services.person_create(actor=None, name=name, home_region=community, phone=f"1395550{serial:04d}",
                                      id_number=_id_number(serial))


class Loader:
    def __init__(self) -> None:
        self.created: Counter = Counter()
        self.admin = User.objects.get(username="admin")
        self.year = timezone.localdate().year

    def team(self, community: Region, suffix: str, kind: str, name: str, title: str) -> DispatchedTeam:
        team_name = f"{community.name}{name}"
        existing = DispatchedTeam.objects.filter(community=community, name=team_name).first()
        if existing is not None:
            return existing
        agency = Organisation.objects.get(region=community.parent, kind=Organisation.Kind.DISPATCHED_AGENCY,
                                          name__endswith=suffix)
        party = Organisation.objects.filter(region=community, kind=Organisation.Kind.COMMUNITY_PARTY).first()
        head = _person(HEADS[(community.name, suffix)], community)
        seat = org_services.position_assign(actor=self.admin, person=head, organisation=party,
                                            title=f"兼职委员（{agency.name}{title}）",
                                            started_on=dt.date(self.year, 1, 1))
        team, _ = services.team_place(actor=self.admin, community=community, name=team_name, kind=kind,
                                      home_unit=agency)
        self.created["dispatched_team"] += 1
        # The community consented before the head was appointed (征得同意权): the appointment needs it.
        self.granted(team, head, community.name)
        team = services.team_head_appoint(actor=self.admin, team=team, seat=seat)
        member = _person(f"{HEADS[(community.name, suffix)][0]}队员", community)
        services.team_member_add(actor=self.admin, team=team, person=member, role="队员")
        today = timezone.localdate()
        done = services.team_assign(actor=self.admin, team=team, title="周末夜间联合巡查", due_on=today)
        services.team_assignment_report(actor=self.admin, assignment=done,
                                        what_was_done="巡查 3 小时，劝离占道摊位 4 处")
        services.team_assign(actor=self.admin, team=team, title="节前安全巡查", due_on=today + dt.timedelta(days=7))
        if kind == DispatchedTeam.Kind.URBAN_MANAGEMENT:
            case = Case.objects.filter(subtree_q(community, "region__")).order_by("id").first()
            if case is not None:
                services.team_assign(actor=self.admin, team=team, title=f"现场处置：{case.title}"[:150],
                                     due_on=today + dt.timedelta(days=3), case=case)
        self.created["team_assignment"] += 2
        return team

    def run(self) -> Counter:
        for community_name in COMMUNITIES:
            community = Region.objects.get(level=Level.COMMUNITY, name=community_name)
            for suffix, kind, name, title in TEAMS:
                team = self.team(community, suffix, kind, name, title)
                self.grade(team, community_name, suffix)
                self.consent(team, community_name, suffix)
        return self.created

    def grade(self, team: DispatchedTeam, community_name: str, suffix: str) -> None:
        if Grading.objects.filter(team=team, year=self.year).exists():
            return
        proposal, opinion = PROPOSALS[suffix]
        grading = grading_services.grading_propose(actor=self.admin, team=team, year=self.year, proposal=proposal,
                                                   opinion=opinion)
        result, reason = proposal, ""
        if (community_name, suffix) == DIFFERS[0]:
            result, reason = DIFFERS[1], DIFFERS[2]
        grading_services.grading_decide(actor=self.admin, grading=grading, expected_version=grading.version,
                                        result=result, reason=reason)
        self.created["grading"] += 1

    def granted(self, team: DispatchedTeam, head: Person, community_name: str) -> None:
        if not Consent.objects.filter(team=team, candidate=head).exists():
            services.consent_record(actor=self.admin, team=team, candidate=head, consented=True,
                                    decided_on=dt.date(self.year, 1, 1) - dt.timedelta(days=10),
                                    signatories=f"{community_name}党组织书记、居委会主任",
                                    reasons="熟悉社区情况，群众认可")
            self.created["consent"] += 1

    def consent(self, team: DispatchedTeam, community_name: str, suffix: str) -> None:
        """Every head appointed has the community's consent; one candidate refused is not appointed."""
        self.granted(team, team.head_seat.person, community_name)
        if (community_name, suffix) == ("东街社区", "市场监管所"):
            name = "拟任人选乙"
            if not Consent.objects.filter(team=team, candidate__name=name).exists():
                candidate = Person.objects.filter(name=name).first() or _person(name, team.community)
                services.consent_record(
                    actor=self.admin, team=team, candidate=candidate, consented=False,
                    decided_on=timezone.localdate() - dt.timedelta(days=30),
                    signatories="东街社区党委书记、居委会主任、居民代表 3 人",
                    reasons="群众反映其在原岗位服务态度差，社区不同意该人选任负责人")
                self.created["consent"] += 1


def load() -> Counter:
    """Write the demo's dispatched teams, gradings and consents that are missing; counts what was written."""
    return Loader().run()
