"""Meetings and 四议两公开 through /api/v1/: one matter through all six steps, and every refusal with its
code, leaving nothing changed."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from api.tests.conftest import Api
from meetings import services
from meetings.models import Attendance, Matter, Meeting
from meetings.workflow import BodyKind, Stage
from organisations import services as org_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def post(api: Api, user: str, url: str, body: dict):
    return api.client.post(url, json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {api.token(user)}")


def when(days: float) -> str:
    return (timezone.now() + dt.timedelta(days=days)).isoformat()


def register(api, council, title="东街小区加装电梯") -> dict:
    response = post(api, "community", "/api/v1/matters", {
        "region": council.tree.east.code, "title": title, "description": "3号楼加装电梯，费用由业主分摊",
    })
    assert response.status_code == 201, response.content.decode()
    return response.json()


def hold(api, council, kind: str, matter_id: int, *, present: int | None = None, in_favour: int | None = None) -> int:
    """Schedule, open, sign in, vote and close a meeting of the body of `kind` through the API; its id."""
    body = council.bodies[kind]
    response = post(api, "community", "/api/v1/meetings", {
        "body": body.pk, "title": f"{body.name}会议", "scheduled_at": when(11), "place": "社区会议室",
        "agenda": [{"title": "加装电梯", "matter": matter_id}],
    })
    assert response.status_code == 201, response.content.decode()
    meeting = response.json()
    url = f"/api/v1/meetings/{meeting['id']}"
    meeting = post(api, "community", f"{url}/transitions", {"action": "open", "version": meeting["version"]}).json()
    seats = council.seats[kind]
    present = len(seats) if present is None else present
    assert meeting["expected"] == len(seats) and meeting["status"] == "open"
    for seat in seats[:present]:
        assert post(api, "community", f"{url}/attendance", {"member": seat.pk, "status": "present"}).status_code == 200
    meeting = api.ok("community", url)
    assert meeting["present"] == present
    votes = present if in_favour is None else in_favour
    response = post(api, "community", f"{url}/votes", {
        "item": meeting["agenda"][0]["id"], "version": meeting["version"], "in_favour": votes, "against": 0,
        "abstained": present - votes, "resolution": "同意加装",
    })
    assert response.status_code == 200, response.content.decode()
    meeting = response.json()
    response = post(api, "community", f"{url}/transitions",
                    {"action": "close", "version": meeting["version"], "minutes": "议定：同意加装电梯"})
    assert response.status_code == 200, response.content.decode()
    return meeting["id"]


def step(api, matter: dict, action: str, **extra):
    return post(api, "community", f"/api/v1/matters/{matter['id']}/transitions",
                {"action": action, "version": matter["version"], **extra})


def test_one_matter_goes_through_all_six_steps(api, council):
    matter = register(api, council)
    assert matter["stage"] == "registered" and matter["allowed_actions"] == ["propose"]
    matter = step(api, matter, "propose", note="社区党委提议").json()
    for action, kind in [("consult", BodyKind.TWO_COMMITTEES), ("review", BodyKind.PARTY_MEMBERS),
                         ("resolve", BodyKind.RESIDENTS_REPRESENTATIVES)]:
        meeting = hold(api, council, kind, matter["id"])
        response = step(api, matter, action, meeting=meeting)
        assert response.status_code == 200, response.content.decode()
        matter = response.json()
    for action in ["disclose_resolution", "disclose_result"]:
        matter = step(api, matter, action, note=f"{action} 的公开内容").json()
    assert matter["stage"] == "result_disclosed" and matter["allowed_actions"] == []
    steps = matter["steps"]
    assert [s["action"] for s in steps] == [
        "propose", "consult", "review", "resolve", "disclose_resolution", "disclose_result",
    ]
    review = steps[2]
    assert (review["expected"], review["present"], review["in_favour"], review["against"], review["abstained"]) == (
        9, 9, 9, 0, 0)
    assert steps[4]["public_until"] is not None


def test_a_jump_the_table_forbids_answers_400_and_changes_nothing(api, council):
    matter = register(api, council)
    response = step(api, matter, "review")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "transition_not_allowed"
    assert api.ok("community", f"/api/v1/matters/{matter['id']}")["version"] == matter["version"]


def test_a_missed_quorum_answers_400_and_the_step_is_held_again(api, council):
    matter = council.matter(stage=Stage.CONSULTED)
    record = api.ok("community", f"/api/v1/matters/{matter.pk}")
    meeting = hold(api, council, BodyKind.PARTY_MEMBERS, matter.pk, present=4)
    response = step(api, record, "review", meeting=meeting)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "quorum_not_met" and "应到 9 人，实到 4 人" in error["message"]
    again = api.ok("community", f"/api/v1/matters/{matter.pk}")
    assert (again["stage"], again["version"], len(again["steps"])) == ("consulted", record["version"], 2)
    meeting = hold(api, council, BodyKind.PARTY_MEMBERS, matter.pk, present=7)
    response = step(api, again, "review", meeting=meeting)
    assert response.status_code == 200 and response.json()["stage"] == "reviewed"


def test_a_stale_version_answers_409(api, council):
    matter = register(api, council)
    assert step(api, matter, "propose").status_code == 200
    response = step(api, matter, "propose")  # the version read before the first step
    assert response.status_code == 409 and response.json()["error"]["code"] == "stale_version"
    assert Matter.objects.get(pk=matter["id"]).steps.count() == 1


def test_two_recorders_closing_the_same_vote_count_it_once(api, council):
    matter = council.matter(stage=Stage.CONSULTED)
    body = council.bodies[BodyKind.PARTY_MEMBERS]
    created = post(api, "community", "/api/v1/meetings", {
        "body": body.pk, "title": "党员大会", "scheduled_at": when(1),
        "agenda": [{"title": "电梯", "matter": matter.pk}],
    }).json()
    url = f"/api/v1/meetings/{created['id']}"
    opened = post(api, "community", f"{url}/transitions", {"action": "open", "version": created["version"]}).json()
    for seat in council.seats[BodyKind.PARTY_MEMBERS][:6]:
        post(api, "community", f"{url}/attendance", {"member": seat.pk, "status": "present"})
    vote = {"item": opened["agenda"][0]["id"], "version": opened["version"], "in_favour": 6, "against": 0,
            "abstained": 0}
    first = post(api, "community", f"{url}/votes", vote)
    second = post(api, "street", f"{url}/votes", vote)  # read the same page, pressed a moment later
    assert first.status_code == 200 and second.status_code == 409
    item = Meeting.objects.get(pk=created["id"]).agenda.get()
    assert item.in_favour == 6
    # Even at the fresh version, a vote already counted is refused.
    again = post(api, "street", f"{url}/votes", {**vote, "version": first.json()["version"]})
    assert again.status_code == 400 and "不能重复计票" in json.dumps(again.json(), ensure_ascii=False)


def test_attendance_for_someone_not_on_the_frozen_roll_is_refused(api, council):
    body = council.bodies[BodyKind.PARTY_MEMBERS]
    created = post(api, "community", "/api/v1/meetings", {"body": body.pk, "title": "党员大会",
                                                          "scheduled_at": when(1)}).json()
    url = f"/api/v1/meetings/{created['id']}"
    post(api, "community", f"{url}/transitions", {"action": "open", "version": created["version"]})
    # Joined after the meeting opened: not on its roll.
    late = services.roll_member_add(actor=council.staff, body=body, person=org_services.person_create(
        actor=None, name="新党员", home_region=council.tree.east))
    response = post(api, "community", f"{url}/attendance", {"member": late.pk, "status": "present"})
    assert response.status_code == 400
    assert "不在本次会议的应到名单中" in json.dumps(response.json(), ensure_ascii=False)
    assert not Attendance.objects.filter(member=late).exists()


def test_a_residents_meeting_needs_ten_days_notice(api, council):
    body = council.bodies[BodyKind.RESIDENTS]
    response = post(api, "community", "/api/v1/meetings", {"body": body.pk, "title": "居民会议",
                                                           "scheduled_at": when(5)})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["scheduled_at"] == ["居民会议须至少提前 10 天通知"]
    assert not Meeting.objects.filter(body=body).exists()


def test_a_retried_notice_gives_back_the_same_meeting(api, council):
    body = council.bodies[BodyKind.TWO_COMMITTEES]
    payload = {"body": body.pk, "title": "两委会", "scheduled_at": when(2), "idempotency_key": "notice-2026-12-001"}
    first = post(api, "community", "/api/v1/meetings", payload)
    second = post(api, "community", "/api/v1/meetings", payload)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"] and Meeting.objects.filter(body=body).count() == 1


def test_meetings_and_matters_outside_the_scope_are_not_found(api, council):
    matter = council.matter()
    meeting = council.held(BodyKind.TWO_COMMITTEES, close=False)
    for url in [f"/api/v1/matters/{matter.pk}", f"/api/v1/meetings/{meeting.pk}"]:
        response = api.get("community2", url)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert api.ok("community2", "/api/v1/matters")["items"] == []
    response = post(api, "community2", f"/api/v1/matters/{matter.pk}/transitions",
                    {"action": "propose", "version": matter.version})
    assert response.status_code == 404
    assert Matter.objects.get(pk=matter.pk).stage == Stage.REGISTERED


def test_markup_in_a_disclosure_is_refused_with_a_field_error(api, council):
    matter = council.matter(stage=Stage.RESOLVED)
    record = api.ok("community", f"/api/v1/matters/{matter.pk}")
    response = step(api, record, "disclose_resolution", note="<img src=x onerror=alert(1)>")
    assert response.status_code == 400
    assert "HTML" in response.json()["error"]["fields"]["note"][0]


def test_the_meeting_and_body_lists_take_the_same_queries_for_one_row_or_many(api, council,
                                                                               django_assert_max_num_queries):
    api.token("community")  # sign in outside the counted block
    council.held(BodyKind.TWO_COMMITTEES)
    with django_assert_max_num_queries(40) as one:
        assert len(api.ok("community", "/api/v1/meetings")["items"]) == 1
        api.ok("community", "/api/v1/bodies")
    for _ in range(3):
        council.held(BodyKind.PARTY_MEMBERS, council.matter(title="路灯"))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(api.ok("community", "/api/v1/meetings")["items"]) == 4
        api.ok("community", "/api/v1/bodies")
