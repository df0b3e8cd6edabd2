"""Test helpers for the residents' pages, shared by the HTTP tests and the browser journeys: public
categories made through the category services, and a driver that carries a case reported on the portal
through the real case services to any later status."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from cases import services
from cases.models import Assignment, AssignmentRole, Case
from cases.services import AssigneeSpec
from cases.tests.images import image_bytes
from cases.workflow import Status
from categories import services as category_services
from categories.models import UrgencyLevel

PNG = image_bytes("PNG")


class Categories:
    """Named handles on the public categories of the test county."""


def make_categories(tree: Any) -> Categories:
    """Two public first-level categories (one with a sub-category) and one kept from residents."""
    c = Categories()
    # Urgency levels ship in a data migration; a transactional test's flush removes them, so make sure.
    c.general, _ = UrgencyLevel.objects.get_or_create(
        code="general", defaults=dict(name="一般", response_amount=1, response_unit="working_days",
                                      finish_amount=7, finish_unit="working_days", order=3),
    )
    create = category_services.category_create
    c.utilities = create(actor=None, name="市政设施", code="01", default_urgency=c.general,
                         description="道路、路灯、井盖等公共设施")
    c.street_lights = create(actor=None, name="路灯", parent=c.utilities, code="0101")
    c.environment = create(actor=None, name="环境卫生", code="03")
    c.internal = create(actor=None, name="内部督办事项", code="02", accepts_public=False)
    category_services.category_assign_department(
        actor=None, category=c.utilities, organisation=tree.department, is_lead=True
    )
    return c


class Driver:
    """Moves a case along the workflow as the county's staff would, through the real services."""

    def __init__(self, users: dict[str, User], categories: Categories, tree: Any) -> None:
        self.u = users
        self.c = categories
        self.tree = tree

    def _lead(self, case: Case) -> Assignment:
        return case.assignments.get(role=AssignmentRole.LEAD, status__in=("pending", "accepted", "replied"))

    def to_closed(self, case: Case) -> Case:
        """Classify, dispatch, handle, reply, verify and close a received case; from 处置中 (after a 返工)
        only reply, verify and close."""
        staff, dept = self.u["community"], self.u["dept"]
        if case.status == Status.RECEIVED:
            case = services.case_classify(
                case=case, actor=staff, expected_version=case.version, category=self.c.utilities
            )
            case = services.case_dispatch(
                case=case, actor=staff, expected_version=case.version,
                assignees=[AssigneeSpec(organisation=self.tree.department)],
            )
            case = services.case_accept(
                case=case, actor=dept, expected_version=case.version, assignment=self._lead(case)
            )
        assert case.status == Status.IN_PROGRESS, case.status
        case = services.case_reply(
            case=case, actor=dept, expected_version=case.version, assignment=self._lead(case),
            reply="已更换路灯灯泡，恢复照明",
        )
        case = services.case_verify(case=case, actor=staff, expected_version=case.version)
        return services.case_close(case=case, actor=staff, expected_version=case.version)
