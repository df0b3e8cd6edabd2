"""A case one body cannot solve goes on a meeting's agenda; its resolution gives tasks; the case closes
only when those tasks are done, and unfinished tasks come back onto the body's next agenda."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from api.tests.conftest import Api
from cases.models import Case
from cases.workflow import Status
from core.models import AuditEvent
from meetings import services
from meetings.models import AgendaItem
from meetings.workflow import BodyKind
from tests.case_world import CaseWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def post(api: Api, user: str, url: str, body: dict):
    return api.client.post(url, json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {api.token(user)}")


def test_an_escalated_case_resumes_from_its_resolution_and_closes_only_when_its_tasks_are_done(
        api, council, tree, users):
    world = CaseWorld(tree, users)
    now = timezone.now()
    case = world.dispatch(world.register(now), now)
    body = council.bodies[BodyKind.RESIDENTS_REPRESENTATIVES]
    meeting = post(api, "community", "/api/v1/meetings", {
        "body": body.pk, "title": "居民代表会议", "scheduled_at": (now + dt.timedelta(days=1)).isoformat(),
    }).json()
    url = f"/api/v1/meetings/{meeting['id']}"
    # 提交会议: the case is escalated and becomes an agenda item.
    response = post(api, "community", f"{url}/agenda", {"case": case.pk, "note": "多部门协调"})
    assert response.status_code == 200, response.content.decode()
    item = next(i for i in response.json()["agenda"] if i["case"] == case.pk)
    assert Case.objects.get(pk=case.pk).status == Status.ESCALATED
    # The meeting sits, votes a resolution, and gives the department a task of 5 working days.
    meeting = post(api, "community", f"{url}/transitions", {"action": "open", "version": meeting["version"]}).json()
    for seat in council.seats[BodyKind.RESIDENTS_REPRESENTATIVES]:
        post(api, "community", f"{url}/attendance", {"member": seat.pk, "status": "present"})
    meeting = post(api, "community", f"{url}/votes", {
        "item": item["id"], "version": meeting["version"], "in_favour": 6, "against": 0, "abstained": 0,
        "resolution": "由住建局牵头，五个工作日内修复",
    }).json()
    post(api, "community", f"{url}/transitions", {"action": "close", "version": meeting["version"], "minutes": "记录"})
    response = post(api, "community", f"{url}/tasks", {
        "item": item["id"], "organisation": tree.department.pk, "title": "修复路灯", "working_days": 5,
    })
    assert response.status_code == 201, response.content.decode()
    task = response.json()
    assert task["case"] == case.pk and task["progress"] == 0 and not task["done"]
    # The case resumed from the resolution by itself: its lead carries on, and the event says why.
    record = api.ok("community", f"/api/v1/cases/{case.pk}")
    assert record["status"] == Status.DISPATCHED
    resumed = record["events"][-1]
    assert resumed["action"] == "resume" and resumed["from_status"] == Status.ESCALATED
    assert resumed["note"] == "依据居民代表会议第 1 项议题的决议恢复办理：由住建局牵头，五个工作日内修复"
    assert resumed["actor"].startswith(users["community"].display_name)
    assert AuditEvent.objects.filter(target_type="cases.case", target_id=str(case.pk), reason="会议决定继续办理",
                                     actor=users["community"]).exists()
    # Resuming by hand is no longer needed, and the table refuses it.
    case = Case.objects.get(pk=case.pk)
    response = post(api, "community", f"/api/v1/cases/{case.pk}/transitions", {
        "action": "resume", "version": case.version, "decision": "continue", "note": "按会议决议继续办理",
    })
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "transition_not_allowed"
    case = Case.objects.get(pk=case.pk)
    later = timezone.now()
    case = world.verify(world.reply(world.accept(case, later), later), later)
    # … but it does not close while the task is open.
    response = post(api, "community", f"/api/v1/cases/{case.pk}/transitions",
                    {"action": "close", "version": case.version})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["__all__"] == ["会议决议交办的任务还有 1 项未完成，全部完成后才能结案"]
    assert Case.objects.get(pk=case.pk).status == Status.VERIFIED
    # The department reports progress; at 100 % the task is done and the case closes.
    half = post(api, "community", f"/api/v1/tasks/{task['id']}/progress",
                {"version": task["version"], "progress": 50, "note": "已采购灯具"}).json()
    assert half["progress"] == 50 and not half["done"]
    stale = post(api, "community", f"/api/v1/tasks/{task['id']}/progress",
                 {"version": task["version"], "progress": 100, "note": "已修复"})
    assert stale.status_code == 409
    done = post(api, "community", f"/api/v1/tasks/{task['id']}/progress",
                {"version": half["version"], "progress": 100, "note": "已修复并验收"}).json()
    assert done["done"]
    response = post(api, "community", f"/api/v1/cases/{case.pk}/transitions",
                    {"action": "close", "version": case.version})
    assert response.status_code == 200, response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED


def test_unfinished_tasks_come_back_onto_the_bodys_next_agenda(council, tree):
    body = council.bodies[BodyKind.TWO_COMMITTEES]
    matter = council.matter()
    first = council.held(BodyKind.TWO_COMMITTEES, matter)
    item = first.agenda.get()
    task = services.task_assign(actor=council.staff, item=item, organisation=tree.east_party, title="制定实施方案",
                                working_days=10)
    done = services.task_assign(actor=council.staff, item=item, organisation=tree.east_party, title="公示方案",
                                working_days=3)
    services.task_progress(actor=council.staff, task=done, expected_version=done.version, progress=100,
                           note="已公示")
    second, _ = services.meeting_schedule(actor=council.staff, body=body, title="两委会",
                                          scheduled_at=timezone.now() + dt.timedelta(days=7))
    follow_ups = list(AgendaItem.objects.filter(meeting=second).values_list("title", "follows_task"))
    assert follow_ups == [("督办：制定实施方案", task.pk)]


def test_a_task_needs_a_resolution_and_progress_never_goes_back(council, tree):
    meeting = council.held(BodyKind.TWO_COMMITTEES)  # a report only: nothing voted, nothing resolved
    item = meeting.agenda.get()
    with pytest.raises(Exception, match="尚未形成决议"):
        services.task_assign(actor=council.staff, item=item, organisation=tree.east_party, title="任务",
                             working_days=5)
    AgendaItem.objects.filter(pk=item.pk).update(resolution="同意")
    task = services.task_assign(actor=council.staff, item=item, organisation=tree.east_party, title="任务",
                                working_days=5)
    assert task.due > timezone.now() + dt.timedelta(days=5)  # five working days, weekends not counted
    task = services.task_progress(actor=council.staff, task=task, expected_version=task.version, progress=60,
                                  note="过半")
    with pytest.raises(Exception, match="不能低于上次报告的 60%"):
        services.task_progress(actor=council.staff, task=task, expected_version=task.version, progress=40,
                               note="倒退")


def test_a_case_escalated_before_dispatch_goes_back_to_be_dispatched_after_the_resolution(api, council, tree, users):
    world = CaseWorld(tree, users)
    now = timezone.now()
    case = world.register(now)
    meeting = council.held(BodyKind.RESIDENTS_REPRESENTATIVES, close=False)
    url = f"/api/v1/meetings/{meeting.pk}"
    response = post(api, "community", f"{url}/agenda", {"case": case.pk, "note": "涉及多个部门"})
    item = next(i for i in response.json()["agenda"] if i["case"] == case.pk)
    meeting.refresh_from_db()
    response = post(api, "community", f"{url}/votes", {
        "item": item["id"], "version": meeting.version, "in_favour": 6, "against": 0, "abstained": 0,
        "resolution": "重新确定主办单位",
    })
    assert response.status_code == 200, response.content.decode()
    record = api.ok("community", f"/api/v1/cases/{case.pk}")
    assert record["status"] == Status.REGISTERED
    assert record["events"][-1]["note"].endswith("的决议恢复办理：重新确定主办单位")


def test_a_vote_without_a_resolution_leaves_the_case_with_the_meeting(api, council, tree, users):
    world = CaseWorld(tree, users)
    now = timezone.now()
    case = world.dispatch(world.register(now), now)
    meeting = council.held(BodyKind.RESIDENTS_REPRESENTATIVES, close=False)
    url = f"/api/v1/meetings/{meeting.pk}"
    response = post(api, "community", f"{url}/agenda", {"case": case.pk})
    item = next(i for i in response.json()["agenda"] if i["case"] == case.pk)
    meeting.refresh_from_db()
    response = post(api, "community", f"{url}/votes", {
        "item": item["id"], "version": meeting.version, "in_favour": 2, "against": 4, "abstained": 0,
    })
    assert response.status_code == 200, response.content.decode()
    assert api.ok("community", f"/api/v1/cases/{case.pk}")["status"] == Status.ESCALATED
