"""Internal detail of a case (assignments, whistles, staff names, handling notes) follows the reader's relation
to the case, not their role: a party member who only reported a case sees what a resident sees."""

from __future__ import annotations

import pytest

from accounts.models import Role, User
from cases.models import Case

from .test_api import REPORT, Api, ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, world) -> Api:
    return Api(client)


@pytest.fixture
def reported(api, flow, world) -> Case:
    """A case reported over the API by a resident who has since joined the party (the admin changed the
    account's role to party member), dispatched to the department, with a handling note."""
    created = ok(api.post("resident", "/api/v1/cases", REPORT, HTTP_IDEMPOTENCY_KEY="member-report-1"), 201)
    User.objects.filter(username="resident").update(role=Role.PARTY_MEMBER)
    case = Case.objects.get(pk=created["id"])
    case = flow.classify(case)
    case = flow.dispatch(case)
    ok(api.move("community", case.pk, "note", note="内部备注：联系住建局张科长"))
    return Case.objects.get(pk=case.pk)


def _detail(api: Api, username: str, case: Case) -> dict:
    return ok(api.get(username, f"/api/v1/cases/{case.pk}"))


def test_a_party_member_who_reported_sees_the_public_view(api, reported):
    body = _detail(api, "resident", reported)
    assert body["assignments"] == [] and body["whistles"] == []
    assert all(event["actor"] == "" for event in body["events"])
    assert "内部备注" not in str(body)
    assert ok(api.get("resident", f"/api/v1/cases/{reported.pk}/assignments"))["items"] == []
    events = ok(api.get("resident", f"/api/v1/cases/{reported.pk}/events"))["items"]
    assert events and all(e["actor"] == "" for e in events) and "内部备注" not in str(events)


def test_staff_of_the_case_area_see_the_internal_detail(api, reported):
    body = _detail(api, "community", reported)
    assert body["assignments"] and "内部备注：联系住建局张科长" in str(body["events"])


def test_the_assigned_department_sees_the_internal_detail(api, reported):
    body = _detail(api, "dept", reported)
    assert body["assignments"] and any(event["actor"] for event in body["events"])
