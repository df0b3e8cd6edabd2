"""Fixtures for the case workflow: two departments, a category, more staff, and `flow`, which drives a
case to any status through the real services (so no test sets up a state the product cannot reach)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role, User
from cases import services
from cases.models import AssignmentRole, Case, Channel, Kind
from cases.services import AssigneeSpec
from cases.workflow import Status
from categories.models import Category, CategoryDepartment, UrgencyLevel
from conftest import PASSWORD
from organisations import services as org_services
from organisations.models import Organisation

from .images import JPEG, PNG, WEBP  # noqa: F401  (imported from here by the case tests)


def png(name: str = "photo.png", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


class World:
    """Named handles on everything a case test needs."""


@pytest.fixture
def world(tree, users) -> World:
    w = World()
    w.tree, w.users = tree, users
    # Urgency levels ship in a data migration; a transactional test's flush removes them, so make sure.
    w.general, _ = UrgencyLevel.objects.get_or_create(
        code="general", defaults=dict(name="一般", response_amount=1, response_unit="working_days",
                                      finish_amount=7, finish_unit="working_days", order=3),
    )
    w.emergency, _ = UrgencyLevel.objects.get_or_create(
        code="emergency", defaults=dict(name="紧急", response_amount=1, response_unit="hours",
                                        finish_amount=2, finish_unit="hours", order=1),
    )
    w.dept = tree.department
    w.dept2 = org_services.organisation_create(
        actor=None, name="县城市管理局", kind=Organisation.Kind.DEPARTMENT, region=tree.county
    )
    w.dept3 = org_services.organisation_create(
        actor=None, name="县市场监督管理局", kind=Organisation.Kind.DEPARTMENT, region=tree.county
    )
    w.property_company = tree.property_company
    w.category = Category.objects.create(code="01", name="市政设施", default_urgency=w.general)
    w.subcategory = Category.objects.create(code="0101", name="路灯", parent=w.category, level=2)
    w.private_category = Category.objects.create(code="02", name="内部事项", accepts_public=False)
    CategoryDepartment.objects.create(category=w.category, organisation=w.dept, is_lead=True)
    CategoryDepartment.objects.create(category=w.category, organisation=w.dept2, is_lead=False)
    extra = {
        "dept2": dict(role=Role.DEPARTMENT_HANDLER, organisation=w.dept2),
        "clerk2": dict(role=Role.COMMUNITY_STAFF, region=tree.east),
        "resident2": dict(role=Role.RESIDENT),
        "property": dict(role=Role.DEPARTMENT_HANDLER, organisation=w.property_company),
    }
    for name, spec in extra.items():
        users[name] = User.objects.create_user(username=name, password=PASSWORD, **spec)
    w.flow = Flow(w)
    return w


@pytest.fixture
def flow(world) -> Flow:
    return world.flow


class Flow:
    """Drives cases through the services. `reach(status)` returns a fresh case in that status.

    The standard case: reported by the resident at the east community's window (the community clerk
    owns it), classified under 市政设施, dispatched to 住建局 (lead) and 城管局 (assisting).
    """

    def __init__(self, world: World):
        self.w = world
        self.u = world.users

    def submit(self, **overrides) -> Case:
        values = dict(
            actor=self.u["community"], channel=Channel.OPINION_WINDOW, kind=Kind.PROBLEM, title="路灯不亮",
            description="东街3号楼前的路灯坏了一周", region=self.w.tree.east_grid1, contact_name="居民乙",
            contact_phone="13900002222", reporter_user=self.u["resident"],
        )
        values.update(overrides)
        case, created = services.case_submit(**values)
        assert created
        return case

    def lead(self, case: Case):
        return case.assignments.get(role=AssignmentRole.LEAD, status__in=("pending", "accepted", "replied"))

    def assist(self, case: Case):
        return case.assignments.filter(role=AssignmentRole.ASSIST).order_by("id").first()

    def classify(self, case: Case) -> Case:
        return services.case_classify(
            case=case, actor=self.u["community"], expected_version=case.version, category=self.w.category
        )

    def dispatch(self, case: Case) -> Case:
        return services.case_dispatch(
            case=case, actor=self.u["community"], expected_version=case.version,
            assignees=[AssigneeSpec(organisation=self.w.dept), AssigneeSpec(organisation=self.w.dept2, role="assist")],
        )

    def accept(self, case: Case, assignment=None, actor=None) -> Case:
        assignment = assignment or self.lead(case)
        actor = actor or (self.u["dept"] if assignment.organisation_id == self.w.dept.pk else self.u["dept2"])
        return services.case_accept(case=case, actor=actor, expected_version=case.version, assignment=assignment)

    def reply(self, case: Case) -> Case:
        return services.case_reply(
            case=case, actor=self.u["dept"], expected_version=case.version, assignment=self.lead(case),
            reply="已更换灯泡，恢复照明",
        )

    def verify(self, case: Case) -> Case:
        return services.case_verify(case=case, actor=self.u["community"], expected_version=case.version)

    def close(self, case: Case) -> Case:
        return services.case_close(case=case, actor=self.u["community"], expected_version=case.version)

    def rate(self, case: Case, result: str = "satisfied") -> Case:
        return services.case_rate(case=case, actor=self.u["resident"], expected_version=case.version, result=result)

    def whistle(self, case: Case, organisations=None, reasons=("multi_department",)) -> Case:
        return services.case_whistle(
            case=case, actor=self.u["community"], expected_version=case.version, reasons=list(reasons),
            organisations=organisations or [self.w.dept3],
        )

    def reach(self, status: str, *, whistle: bool = False, **submit) -> Case:
        """A new case in `status`; with `whistle`, a whistle is blown on it right after intake."""
        case = self.submit(**submit)
        if whistle:
            case = self.whistle(case)
        if status == Status.RECEIVED:
            return case
        if status == Status.REJECTED:
            return services.case_reject(
                case=case, actor=self.u["community"], expected_version=case.version, reason="不属于受理范围"
            )
        if status == Status.MERGED:
            survivor = self.submit()
            return services.case_merge(
                case=case, actor=self.u["community"], expected_version=case.version, survivor=survivor
            )
        case = self.classify(case)
        if status == Status.REGISTERED:
            return case
        case = self.dispatch(case)
        if status == Status.DISPATCHED:
            return case
        if status == Status.ESCALATED:
            return services.case_escalate(
                case=case, actor=self.u["community"], expected_version=case.version, meeting="joint_meeting"
            )
        case = self.accept(case)
        if status == Status.IN_PROGRESS:
            return case
        case = self.reply(case)
        if status == Status.REPLIED:
            return case
        case = self.verify(case)
        if status == Status.VERIFIED:
            return case
        case = self.close(case)
        if status == Status.CLOSED:
            return case
        case = self.rate(case)
        assert status == Status.RATED, status
        return case
