"""Cases at fixed times, driven through the real case services, for notification and KPI tests.

The case services read the clock through `django.utils.timezone.now`; `frozen(when)` pins it while
one service runs, so every event, assignment and rating gets the time the test names. The test
urgency runs on the wall clock (report in within 4 hours, finish within 48), so deadlines are easy
to compute by hand: a case registered at T must be reported in by T + 4 h and finished by T + 48 h.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from unittest import mock
from zoneinfo import ZoneInfo

from accounts.models import Role, User
from cases import services
from cases.models import Assignment, AssignmentRole, Case, Channel, Extension, Kind, WhistleSummons
from cases.services import AssigneeSpec
from categories.models import Category, UrgencyLevel
from conftest import PASSWORD
from organisations import services as org_services
from organisations.models import Organisation

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORT_IN_HOURS = 4
FINISH_HOURS = 48


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """An aware time in Beijing time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@contextlib.contextmanager
def frozen(when: dt.datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


class CaseWorld:
    """Two departments with a handler each, a category with the test urgency, and one step per service."""

    def __init__(self, tree, users: dict[str, User]):
        self.tree, self.users = tree, users
        self.urgency = UrgencyLevel.objects.create(
            code="wall-clock-test", name="测试时限", response_amount=REPORT_IN_HOURS, response_unit="hours",
            finish_amount=FINISH_HOURS, finish_unit="hours", order=90,
        )
        self.category = Category.objects.create(code="T1", name="测试分类", default_urgency=self.urgency)
        self.dept = tree.department
        self.dept2 = org_services.organisation_create(
            actor=None, name="县城市管理局", kind=Organisation.Kind.DEPARTMENT, region=tree.county
        )
        self.dept3 = org_services.organisation_create(
            actor=None, name="县市场监督管理局", kind=Organisation.Kind.DEPARTMENT, region=tree.county
        )
        for name, org in (("dept2", self.dept2), ("dept3", self.dept3)):
            users[name] = User.objects.create_user(
                username=name, password=PASSWORD, role=Role.DEPARTMENT_HANDLER, organisation=org
            )
        users["community3"] = User.objects.create_user(
            username="community3", password=PASSWORD, role=Role.COMMUNITY_STAFF, region=tree.north
        )
        self.clerk = users["community"]
        self._staff = {
            tree.east.code: users["community"],
            tree.west.code: users["community2"],
            tree.north.code: users["community3"],
        }

    # -- who acts -----------------------------------------------------------------------------------

    def staff(self, case_or_region) -> User:
        """The community staff member of the community a case (or a region) lies in."""
        region = getattr(case_or_region, "region", case_or_region)
        return self._staff[region.code[:12]]

    def handler(self, org: Organisation) -> User:
        return User.objects.filter(role=Role.DEPARTMENT_HANDLER, organisation=org).order_by("pk").first()

    def assignment(self, case: Case, org: Organisation | None = None) -> Assignment:
        """The newest assignment of `case` to `org` (the lead's by default)."""
        qs = case.assignments.all()
        qs = qs.filter(organisation=org) if org is not None else qs.filter(role=AssignmentRole.LEAD)
        return qs.order_by("-pk").first()

    # -- steps --------------------------------------------------------------------------------------

    def submit(self, when: dt.datetime, *, region=None, title: str = "路灯不亮", phone: str = "13900002222",
               actor: User | None = None) -> Case:
        region = region or self.tree.east_grid1
        with frozen(when):
            case, _ = services.case_submit(
                actor=actor if actor is not None else self.staff(region), channel=Channel.OPINION_WINDOW,
                kind=Kind.PROBLEM, title=title, description="楼前的路灯坏了一周", region=region,
                contact_name="居民乙", contact_phone=phone, reporter_user=self.users["resident"],
            )
        return case

    def classify(self, case: Case, when: dt.datetime, actor: User | None = None) -> Case:
        with frozen(when):
            return services.case_classify(
                case=case, actor=actor or self.staff(case), expected_version=case.version, category=self.category
            )

    def register(self, when: dt.datetime, **submit) -> Case:
        """A case taken in and classified at `when`."""
        return self.classify(self.submit(when, **submit), when)

    def dispatch(self, case: Case, when: dt.datetime, lead: Organisation | None | str = "default",
                 assists: Sequence[Organisation] = (), finish_due: dt.datetime | None = None,
                 actor: User | None = None) -> Case:
        """Dispatch to `lead` (住建局 by default; None adds assisting bodies only) and `assists`."""
        lead = self.dept if lead == "default" else lead
        specs = [AssigneeSpec(organisation=lead, finish_due=finish_due)] if lead is not None else []
        specs += [AssigneeSpec(organisation=org, role=AssignmentRole.ASSIST) for org in assists]
        with frozen(when):
            return services.case_dispatch(
                case=case, actor=actor or self.staff(case), expected_version=case.version, assignees=specs
            )

    def _as_body(self, service, case: Case, when: dt.datetime, org: Organisation | None, **extra) -> Case:
        assignment = self.assignment(case, org)
        with frozen(when):
            return service(
                case=case, actor=self.handler(assignment.organisation), expected_version=case.version,
                assignment=assignment, **extra,
            )

    def accept(self, case: Case, when: dt.datetime, org: Organisation | None = None) -> Case:
        return self._as_body(services.case_accept, case, when, org)

    def return_(self, case: Case, when: dt.datetime, org: Organisation | None = None,
                reason: str = "不属于本单位职责") -> Case:
        return self._as_body(services.case_return, case, when, org, reason=reason)

    def reply(self, case: Case, when: dt.datetime, org: Organisation | None = None) -> Case:
        return self._as_body(services.case_reply, case, when, org, reply="已修复")

    def request_extension(self, case: Case, when: dt.datetime, until: dt.datetime,
                          org: Organisation | None = None) -> Case:
        return self._as_body(services.case_request_extension, case, when, org, requested_due=until,
                             reason="需要采购配件")

    def grant_extension(self, case: Case, when: dt.datetime) -> Case:
        extension = Extension.objects.filter(assignment__case=case, status=Extension.Status.REQUESTED).get()
        with frozen(when):
            return services.case_grant_extension(
                case=case, actor=self.staff(case), expected_version=case.version, extension=extension
            )

    def verify(self, case: Case, when: dt.datetime) -> Case:
        with frozen(when):
            return services.case_verify(case=case, actor=self.staff(case), expected_version=case.version)

    def rework(self, case: Case, when: dt.datetime, reason: str = "现场仍未修好") -> Case:
        with frozen(when):
            return services.case_rework(case=case, actor=self.staff(case), expected_version=case.version, reason=reason)

    def close(self, case: Case, when: dt.datetime) -> Case:
        with frozen(when):
            return services.case_close(case=case, actor=self.staff(case), expected_version=case.version)

    def rate(self, case: Case, when: dt.datetime, result: str = "satisfied") -> Case:
        with frozen(when):
            return services.case_rate(
                case=case, actor=self.users["resident"], expected_version=case.version, result=result
            )

    def reject(self, case: Case, when: dt.datetime, reason: str = "不属于受理范围") -> Case:
        with frozen(when):
            return services.case_reject(case=case, actor=self.staff(case), expected_version=case.version, reason=reason)

    def whistle(self, case: Case, when: dt.datetime, orgs: Sequence[Organisation],
                reasons: Sequence[str] = ("multi_department",)) -> Case:
        with frozen(when):
            return services.case_whistle(
                case=case, actor=self.staff(case), expected_version=case.version, reasons=list(reasons),
                organisations=list(orgs),
            )

    def summons(self, case: Case, org: Organisation) -> WhistleSummons:
        return WhistleSummons.objects.filter(whistle__case=case, organisation=org).order_by("-pk").first()

    def report_in(self, case: Case, when: dt.datetime, org: Organisation) -> Case:
        with frozen(when):
            return services.case_report_in(
                case=case, actor=self.handler(org), expected_version=case.version, summons=self.summons(case, org)
            )

    def score(self, case: Case, when: dt.datetime, org: Organisation, score: int) -> Case:
        with frozen(when):
            return services.case_score(
                case=case, actor=self.staff(case), expected_version=case.version, summons=self.summons(case, org),
                score=score,
            )

    def finish(self, case: Case, when: dt.datetime, *, rating: str | None = "satisfied",
               step: dt.timedelta = dt.timedelta(hours=1)) -> Case:
        """From 已反馈: verify, close and (unless `rating` is None) rate, one `step` apart from `when`."""
        case = self.verify(case, when)
        case = self.close(case, when + step)
        if rating is not None:
            case = self.rate(case, when + 2 * step, rating)
        return case
