"""回访: the reporter's phone is masked on the case page; its 首问责任人, staff whose area holds the case and the
handlers of an organisation it is assigned to see it whole for a reason, and every reveal is logged against the case."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role, User
from cases import services
from cases.models import Case
from cases.workflow import Status
from conftest import PASSWORD
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

PHONE = "13900002222"
MASKED = "139****2222"
REASON = "电话回访核实路灯修复情况"


def login(client, username: str):
    assert client.login(username=username, password=PASSWORD)
    return client


def reveal(client, case: Case, reason: str = REASON, **headers):
    return client.post(reverse("cases:contact_reveal", args=[case.pk]), {"reason": reason}, **headers)


def events(action=AuditEvent.Action.REVEAL):
    return AuditEvent.objects.filter(action=action, target_type="cases.case")


@pytest.fixture
def case(flow) -> Case:
    """Dispatched to 住建局 (lead, `dept`) and 城管局 (assisting, `dept2`); owned by the east community clerk."""
    return flow.reach(Status.DISPATCHED)


def test_the_case_page_shows_the_phone_masked_with_a_reveal_form(client, case):
    body = login(client, "community").get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert MASKED in body and PHONE not in body
    assert f'action="{reverse("cases:contact_reveal", args=[case.pk])}"' in body


def test_the_owner_reveals_with_a_reason_and_the_reveal_is_logged_against_the_case(client, case, users):
    assert case.owner == users["community"]
    response = reveal(login(client, "community"), case)
    assert response.status_code == 200 and PHONE in response.content.decode()
    assert "本次查看已记录" in response.content.decode()
    event = events().get()
    assert event.actor == users["community"] and event.reason == REASON
    assert event.target_id == str(case.pk) and event.changes == {"field": "contact_phone"}
    assert event.created_at is not None


def test_a_blank_reason_reveals_nothing_and_says_why(client, case):
    response = reveal(login(client, "community"), case, reason="   ")
    body = response.content.decode()
    assert response.status_code == 200 and PHONE not in body and "请填写查看事由" in body
    assert not events().exists()


@pytest.mark.parametrize("username", ["grid", "street", "county", "dept", "dept2"])
def test_staff_in_scope_and_the_assigned_departments_may_reveal(client, case, username, users):
    response = reveal(login(client, username), case)
    assert response.status_code == 200 and PHONE in response.content.decode()
    assert events().get().actor == users[username]


def test_htmx_swaps_in_the_field_alone(client, case):
    response = reveal(login(client, "dept"), case, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and PHONE in body and "<html" not in body


@pytest.mark.parametrize("username", ["resident", "community2", "member"])
def test_residents_and_users_outside_the_case_get_404(client, case, username):
    assert reveal(login(client, username), case).status_code == 404
    assert not events().exists()


def test_a_summoned_department_sees_the_case_but_not_the_phone_and_the_refusal_is_logged(client, flow, world):
    case = flow.reach(Status.DISPATCHED, whistle=True)  # whistle summons 市场监管局 (dept3)
    User.objects.create_user(username="dept3", password=PASSWORD, role=Role.DEPARTMENT_HANDLER,
                             organisation=world.dept3)
    login(client, "dept3")
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert page.status_code == 200 and MASKED in page.content.decode()
    assert 'name="reason"' not in page.content.decode(), "no reveal form for who may not reveal"
    assert reveal(client, case).status_code == 403
    assert not events().exists()
    assert events(AuditEvent.Action.DENIED).filter(changes={"field": "contact_phone"}).count() == 1


def test_a_department_whose_assignment_was_returned_may_no_longer_reveal(client, flow, case, users):
    services.case_return(case=case, actor=users["dept2"], expected_version=case.version,
                         assignment=flow.assist(case), reason="不属于本单位职责")
    response = reveal(login(client, "dept2"), case)
    assert response.status_code == 403
    assert not events().exists()
