"""Every edge of the review table taken through its service, every forbidden move refused, who may take what."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tasks import services
from tasks.models import TaskCategory, TaskRequest
from tasks.workflow import ACTIONS, TABLE, StaleVersion, Status, StepNotAllowed, allowed_actions, target_of

pytestmark = pytest.mark.django_db

# How to bring a fresh request to each status, through the services.
PATHS = {
    Status.FILED: [],
    Status.RETURNED: [("county", "return")],
    Status.ADMITTED: [("county", "admit")],
    Status.REFUSED: [("county", "refuse")],
    Status.WITHDRAWN: [("dept", "withdraw")],
}


def _request(tree, users, **extra) -> TaskRequest:
    fields = dict(title="城乡居民医保参保登记", legal_basis="《社会保险法》第二十五条", authority="参保信息采集与初审",
                  funds="12000.00", people=1)
    fields.update(extra)
    request, _ = services.task_request_file(actor=users["dept"], region=tree.county, department=tree.department,
                                            category=TaskCategory.objects.get(code="social_security"), **fields)
    return request


def _at(tree, users, status: str) -> TaskRequest:
    request = _request(tree, users)
    for who, action in PATHS[status]:
        request = services.task_request_decide(actor=users[who], request=request, action=action,
                                               expected_version=request.version, reason="理由")
    assert request.status == status
    return request


def test_the_nine_categories_are_configured():
    assert TaskCategory.objects.count() == 9
    assert {"基层党建", "文明创建", "社保服务", "创业就业"} <= set(TaskCategory.objects.values_list("name", flat=True))


@pytest.mark.parametrize(("source", "action"), sorted(TABLE))
def test_every_edge_of_the_table(tree, users, source, action):
    request = _at(tree, users, source)
    target, side = TABLE[(source, action)]
    who = "county" if side == "county" else "dept"
    moved = services.task_request_decide(actor=users[who], request=request, action=action,
                                         expected_version=request.version, reason="依据不足，请补充")
    assert (moved.status, moved.version) == (target, request.version + 1)


@pytest.mark.parametrize("status", Status.values)
def test_every_move_the_table_lacks_is_refused(tree, users, status):
    request = _at(tree, users, status)
    for action in set(ACTIONS) - set(allowed_actions(status)):
        with pytest.raises(StepNotAllowed):
            services.task_request_decide(actor=users["county"], request=request, action=action,
                                         expected_version=request.version, reason="理由")
    request.refresh_from_db()
    assert request.status == status


def test_target_of_names_the_status_in_chinese():
    with pytest.raises(StepNotAllowed, match="已准入"):
        target_of("admit", Status.ADMITTED)


@pytest.mark.parametrize("action", ["admit", "refuse", "return"])
def test_only_the_county_reviews(tree, users, action):
    request = _at(tree, users, Status.FILED)
    for who in ("dept", "street", "community"):
        with pytest.raises(PermissionDenied):
            services.task_request_decide(actor=users[who], request=request, action=action,
                                         expected_version=request.version, reason="理由")


def test_a_second_reviewer_on_the_same_version_is_stale(tree, users):
    request = _at(tree, users, Status.FILED)
    services.task_request_decide(actor=users["county"], request=request, action="admit",
                                 expected_version=request.version)
    with pytest.raises(StaleVersion):
        services.task_request_decide(actor=users["county"], request=request, action="refuse",
                                     expected_version=request.version, reason="不符合准入条件")
    request.refresh_from_db()
    assert request.status == Status.ADMITTED
