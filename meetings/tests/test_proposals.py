"""系统建议议题 over HTTP: the cases the system proposes for a meeting's agenda, each with its reason (page and
API), scoped to the body's region (another street's meeting is 404), added to the agenda once (a second time is
refused in Chinese), taken up (上会) or heard; and 提交会议 on the case's own page and API naming a meeting."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.tests.conftest import Api
from cases import services as case_services
from cases.models import Case, Channel, Kind
from cases.workflow import Status
from meetings import services
from meetings.models import AgendaItem, Meeting
from meetings.workflow import BodyKind
from tests.case_world import CaseWorld, frozen

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def world(tree, users) -> CaseWorld:
    return CaseWorld(tree, users)


def phoned(world: CaseWorld, when: dt.datetime, title: str, region=None) -> Case:
    """A problem taken in on the phone (not at the window), classified."""
    region = region or world.tree.east_grid1
    with frozen(when):
        case, _ = case_services.case_submit(
            actor=world.staff(region), channel=Channel.PHONE, kind=Kind.PROBLEM, title=title,
            description="电话反映", region=region, contact_name="居民丙", contact_phone="13900003333",
            reporter_user=world.users["resident"],
        )
    return world.classify(case, when)


def unsatisfied_twice(world: CaseWorld, when: dt.datetime) -> Case:
    """Closed twice, rated 不满意 twice: escalated by the second rating."""
    case = world.reply(world.accept(world.dispatch(phoned(world, when, "噪音扰民"), when), when), when)
    case = world.finish(case, when, rating="unsatisfied")
    case = world.reply(case, when + 4 * dt.timedelta(hours=1))
    return world.finish(case, when + 5 * dt.timedelta(hours=1), rating="unsatisfied")


@pytest.fixture
def agenda(council, world):
    """A 居民代表会议 in a week, and one case for each reason, plus cases that must not be proposed."""
    now = timezone.now()
    body = council.bodies[BodyKind.RESIDENTS_REPRESENTATIVES]
    meeting, _ = services.meeting_schedule(actor=council.staff, body=body, title="居民代表会议",
                                           scheduled_at=now + 7 * DAY)
    overdue = world.dispatch(phoned(world, now - 30 * DAY, "井盖缺失"), now - 30 * DAY)
    returned = world.dispatch(phoned(world, now - dt.timedelta(hours=3), "树枝挡路"), now - dt.timedelta(hours=3))
    returned = world.return_(returned, now - dt.timedelta(hours=2))
    returned = world.dispatch(returned, now - dt.timedelta(hours=2), lead=world.dept2)
    returned = world.return_(returned, now - dt.timedelta(hours=1), org=world.dept2)
    rated = unsatisfied_twice(world, now - dt.timedelta(hours=10))
    window = world.submit(now - 5 * DAY, title="楼道灯不亮")
    old_window = world.submit(now - 120 * DAY, title="旧的窗口问题")  # before the period
    two_days = now - 2 * DAY
    solved = world.dispatch(world.register(two_days), two_days)  # a window case, answered and closed
    solved = world.finish(world.reply(world.accept(solved, two_days), two_days), two_days)
    north = world.dispatch(phoned(world, now - 30 * DAY, "北关井盖缺失", region=world.tree.north), now - 30 * DAY,
                           lead=world.dept2)
    return {"meeting": meeting, "overdue": overdue, "returned": returned, "rated": rated, "window": window,
            "old_window": old_window, "solved": solved, "north": north}


def get(api: Api, user: str, url: str):
    return api.client.get(url, HTTP_AUTHORIZATION=f"Bearer {api.token(user)}")


def post(api: Api, user: str, url: str, body: dict):
    return api.client.post(url, json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {api.token(user)}")


def proposals(api: Api, meeting: Meeting, user: str = "community") -> dict[str, dict]:
    response = get(api, user, f"/api/v1/meetings/{meeting.pk}/proposals?limit=200")
    assert response.status_code == 200, response.content.decode()
    return {item["tracking_code"]: item for item in response.json()["items"]}


def test_each_reason_is_proposed_through_the_api(api, agenda):
    found = proposals(api, agenda["meeting"])
    reasons = {code: {reason["code"] for reason in item["reasons"]} for code, item in found.items()}
    assert "overdue" in reasons[agenda["overdue"].tracking_code]
    assert reasons[agenda["returned"].tracking_code] == {"returned_twice"}
    assert "unsatisfied_twice" in reasons[agenda["rated"].tracking_code]
    assert reasons[agenda["window"].tracking_code] == {"opinion_window"}
    # Out of the period, closed, and another street's case are not proposed.
    for name in ("old_window", "solved", "north"):
        assert agenda[name].tracking_code not in found, name
    # The window's problem, not yet classified, can only be heard; the others are taken up.
    assert not found[agenda["window"].tracking_code]["escalates"]
    assert found[agenda["overdue"].tracking_code]["escalates"]
    labels = {reason["label"] for item in found.values() for reason in item["reasons"]}
    assert labels == {"超期未办结", "两个单位退回", "居民两次评价不满意", "民意征求窗口收集"}


def test_each_reason_shows_on_the_meeting_page(client, council, agenda):
    client.force_login(council.staff)
    html = client.get(reverse("meetings:detail", args=[agenda["meeting"].pk])).content.decode()
    assert "系统建议议题" in html
    for name, reason in [("overdue", "overdue"), ("returned", "returned_twice"), ("rated", "unsatisfied_twice"),
                         ("window", "opinion_window")]:
        row = html.split(f'data-proposal="{agenda[name].tracking_code}"')[1].split("</tr>")[0]
        assert f'data-reason="{reason}"' in row, name
    assert f'data-proposal="{agenda["north"].tracking_code}"' not in html
    assert f'data-proposal="{agenda["solved"].tracking_code}"' not in html


def test_the_period_starts_when_the_body_last_sat(api, council, world, agenda):
    # The body sits now: a window problem taken in before that belongs to that sitting, not the next one.
    sat = council.held(BodyKind.RESIDENTS_REPRESENTATIVES)
    assert sat.opened_at is not None
    later = world.submit(timezone.now() + dt.timedelta(minutes=1), title="散会后窗口收集")
    found = proposals(api, agenda["meeting"])
    assert agenda["window"].tracking_code not in found
    assert {r["code"] for r in found[later.tracking_code]["reasons"]} == {"opinion_window"}


def test_another_streets_meeting_is_not_found(api, client, council, tree, users, agenda):
    north_body = services.body_create(actor=users["county"], kind=BodyKind.RESIDENTS_REPRESENTATIVES,
                                      name="北关社区居民代表会议", region=tree.north)
    north, _ = services.meeting_schedule(actor=users["county"], body=north_body, title="北关居民代表会议",
                                         scheduled_at=timezone.now() + 3 * DAY)
    assert get(api, "community", f"/api/v1/meetings/{north.pk}/proposals").status_code == 404
    client.force_login(council.staff)
    assert client.get(reverse("meetings:detail", args=[north.pk])).status_code == 404
    response = client.post(reverse("meetings:proposal_add", args=[north.pk]), {"case": agenda["north"].pk})
    assert response.status_code == 404
    assert not AgendaItem.objects.filter(meeting=north).exists()
    # The county sees the other street's meeting, whose proposals are of its own region only.
    found = proposals(api, north, user="county")
    assert agenda["north"].tracking_code in found and agenda["overdue"].tracking_code not in found


def test_adding_a_proposal_on_the_page_puts_it_on_the_agenda_once(client, council, agenda):
    client.force_login(council.staff)
    meeting, overdue = agenda["meeting"], agenda["overdue"]
    url = reverse("meetings:proposal_add", args=[meeting.pk])
    response = client.post(url, {"case": overdue.pk})
    assert response.status_code == 302
    item = AgendaItem.objects.get(meeting=meeting, case=overdue)
    assert not item.heard and Case.objects.get(pk=overdue.pk).status == Status.ESCALATED
    again = client.post(url, {"case": overdue.pk})
    assert again.status_code == 400
    assert f"该事项（{overdue.tracking_code}）已在本次会议的议程中，不能重复列入" in again.content.decode()
    assert AgendaItem.objects.filter(meeting=meeting, case=overdue).count() == 1
    # Now on the agenda, it is no longer proposed; the page shows it as an item taken up.
    html = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert f'data-proposal="{overdue.tracking_code}"' not in html
    assert f'data-agenda-case="{overdue.tracking_code}">提交会议' in html
    # A window problem not yet classified is heard: it keeps its status.
    window = agenda["window"]
    assert client.post(url, {"case": window.pk}).status_code == 302
    assert AgendaItem.objects.get(meeting=meeting, case=window).heard
    assert Case.objects.get(pk=window.pk).status == Status.RECEIVED
    # Nonsense or a case out of sight is refused on the page, never a 500.
    for value in ("abc", "", "99999999", str(agenda["north"].pk)):
        assert client.post(url, {"case": value}).status_code == 400


def test_adding_a_proposal_through_the_api_once(api, agenda):
    meeting, window, returned = agenda["meeting"], agenda["window"], agenda["returned"]
    url = f"/api/v1/meetings/{meeting.pk}/agenda"
    response = post(api, "community", url, {"case": window.pk, "escalate": False})
    assert response.status_code == 200, response.content.decode()
    assert Case.objects.get(pk=window.pk).status == Status.RECEIVED
    again = post(api, "community", url, {"case": window.pk, "escalate": False})
    assert again.status_code == 400
    assert again.json()["error"]["fields"]["case"] == [
        f"该事项（{window.tracking_code}）已在本次会议的议程中，不能重复列入"]
    # Taken up: the case is escalated; a case the table cannot escalate is refused in Chinese, nothing changes.
    assert post(api, "community", url, {"case": returned.pk}).status_code == 200
    assert Case.objects.get(pk=returned.pk).status == Status.ESCALATED
    solved = agenda["solved"]
    refused = post(api, "community", url, {"case": solved.pk})
    assert refused.status_code == 400
    assert "不能提交会议（上会）" in refused.json()["error"]["fields"]["case"][0]
    assert not AgendaItem.objects.filter(meeting=meeting, case=solved).exists()
    found = proposals(api, meeting)
    assert window.tracking_code not in found and returned.tracking_code not in found


def test_the_proposals_cost_the_same_queries_however_many(api, world, agenda):
    url = f"/api/v1/meetings/{agenda['meeting'].pk}/proposals?limit=200"
    token = api.token("community")
    api.client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    with CaptureQueriesContext(connection) as few:
        assert api.client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    for n in range(6):
        world.submit(timezone.now() - DAY, title=f"窗口问题{n}")
    with CaptureQueriesContext(connection) as many:
        response = api.client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert len(response.json()["items"]) == len(proposals(api, agenda["meeting"]))
    assert len(many) == len(few)


def test_escalating_on_the_case_page_names_a_meeting(client, council, world, agenda):
    client.force_login(council.staff)
    meeting = agenda["meeting"]
    case = world.dispatch(world.register(timezone.now()), timezone.now())
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f'<option value="{meeting.pk}">{meeting.title}（' in html
    # Another kind of body (两委会) takes no cases: not offered.
    other, _ = services.meeting_schedule(actor=council.staff, body=council.bodies[BodyKind.TWO_COMMITTEES],
                                         title="两委会例会", scheduled_at=timezone.now() + 2 * DAY)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f'<option value="{other.pk}">{other.title}' not in html
    response = client.post(reverse("cases:transition", args=[case.pk, "escalate"]), {
        "escalate-version": case.version, "escalate-meeting": str(meeting.pk), "escalate-note": "多部门协调",
    })
    assert response.status_code == 302, response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.ESCALATED and case.escalated_to == "residents_representatives"
    assert AgendaItem.objects.filter(meeting=meeting, case=case, heard=False).count() == 1


def test_escalating_through_the_case_api_names_a_meeting(api, council, world, agenda):
    meeting = agenda["meeting"]
    case = world.dispatch(world.register(timezone.now()), timezone.now())
    url = f"/api/v1/cases/{case.pk}/transitions"
    # A meeting the case may not go before (another kind of body) is refused, naming nothing.
    other, _ = services.meeting_schedule(actor=council.staff, body=council.bodies[BodyKind.TWO_COMMITTEES],
                                         title="两委会例会", scheduled_at=timezone.now() + 2 * DAY)
    for wrong in (other.pk, 99999999):
        refused = post(api, "community", url, {"action": "escalate", "version": case.version, "meeting": wrong})
        assert refused.status_code == 400
        assert refused.json()["error"]["fields"]["meeting"] == ["所选会议不存在或已不能提交，请刷新页面后重新选择"]
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED
    response = post(api, "community", url, {"action": "escalate", "version": case.version, "meeting": meeting.pk})
    assert response.status_code == 200, response.content.decode()
    assert response.json()["status"] == "escalated"
    assert AgendaItem.objects.filter(meeting=meeting, case=case).count() == 1
    # A meeting type still escalates before any meeting is named (the contract as it was).
    other_case = world.dispatch(world.register(timezone.now()), timezone.now())
    response = post(api, "community", f"/api/v1/cases/{other_case.pk}/transitions",
                    {"action": "escalate", "version": other_case.version, "meeting": "joint_meeting"})
    assert response.status_code == 200 and response.json()["status"] == "escalated"
    assert not AgendaItem.objects.filter(case=other_case).exists()
