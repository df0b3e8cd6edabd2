"""The staff pages of resolution tasks over HTTP: the list in scope with its overdue filter, the task page and
its progress form (a Chinese refusal with what was typed kept, a 409 on a stale version, the audit row), the
scope (another street's task is 404), and the tasks on the case page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.workflow import Status
from core.models import AuditEvent
from meetings import services
from meetings.models import AgendaItem, ResolutionTask, TaskMilestone
from meetings.workflow import BodyKind
from tests.case_world import CaseWorld

pytestmark = pytest.mark.django_db


def case_task(council, tree, users) -> ResolutionTask:
    """A dispatched case taken up by the east community's 居民代表会议, resolved, with a task for the department."""
    world = CaseWorld(tree, users)
    now = timezone.now()
    case = world.dispatch(world.register(now), now)
    body = council.bodies[BodyKind.RESIDENTS_REPRESENTATIVES]
    meeting, _ = services.meeting_schedule(
        actor=council.staff, body=body, title="居民代表会议（路灯）",
        scheduled_at=now + dt.timedelta(days=services.notice_days(body.kind), hours=1),
    )
    item = services.case_to_agenda(actor=council.staff, meeting=meeting, case=case, note="多部门协调")
    meeting = services.meeting_transition(actor=council.staff, meeting=meeting, action="open",
                                          expected_version=meeting.version)
    for seat in council.seats[BodyKind.RESIDENTS_REPRESENTATIVES]:
        services.attendance_mark(actor=council.staff, meeting=meeting, member=seat, status="present")
    meeting.refresh_from_db()
    services.vote_record(actor=council.staff, meeting=meeting, item=item, expected_version=meeting.version,
                         in_favour=6, against=0, abstained=0, resolution="由住建局五个工作日内修复路灯")
    return services.task_assign(actor=council.staff, item=item, organisation=tree.department, title="修复路灯",
                                working_days=5)


def north_task(tree, users) -> ResolutionTask:
    """A task of a resolution of the other street's community (北关社区), out of the first street's scope."""
    county = users["county"]
    body = services.body_create(actor=county, kind=BodyKind.TWO_COMMITTEES, name="北关社区两委会", region=tree.north)
    meeting, _ = services.meeting_schedule(
        actor=county, body=body, title="北关社区两委会", scheduled_at=timezone.now() + dt.timedelta(days=3),
        agenda=[services.AgendaSpec(title="整修北关广场")],
    )
    item = meeting.agenda.get()
    AgendaItem.objects.filter(pk=item.pk).update(resolution="同意整修")  # arranged: voted
    return services.task_assign(actor=county, item=item, organisation=tree.north_party, title="北关广场整修",
                                working_days=10)


@pytest.fixture
def task(council, tree, users) -> ResolutionTask:
    return case_task(council, tree, users)


def test_managers_find_resolution_tasks_under_the_meetings_in_the_navigation(client, users):
    client.force_login(users["street"])
    html = client.get("/").content.decode()
    assert f'href="{reverse("meetings:tasks")}"' in html and "决议任务" in html
    client.force_login(users["grid"])
    assert f'href="{reverse("meetings:tasks")}"' not in client.get("/").content.decode()
    assert client.get("/meetings/tasks/").status_code == 404


def test_the_list_shows_each_task_in_scope_with_its_owner_deadline_progress_case_and_meeting(
        client, task, tree, users):
    north_task(tree, users)
    client.force_login(users["street"])
    html = client.get("/meetings/tasks/").content.decode()
    assert "修复路灯" in html and "北关广场整修" not in html
    assert tree.department.name in html and "0%" in html
    assert timezone.localtime(task.due).strftime("%Y-%m-%d %H:%M") in html
    assert f'href="/cases/{task.case_id}/"' in html and task.case.tracking_code in html
    assert f'href="/meetings/{task.item.meeting_id}/"' in html and "居民代表会议（路灯）" in html
    # The county sees both streets' tasks.
    client.force_login(users["county"])
    html = client.get("/meetings/tasks/").content.decode()
    assert "修复路灯" in html and "北关广场整修" in html


def test_the_overdue_filter_keeps_only_unfinished_tasks_past_their_deadline(client, council, task, tree, users):
    late = services.task_assign(actor=council.staff, item=task.item, organisation=tree.east_party,
                                title="张贴维修公告", working_days=1)
    finished = services.task_assign(actor=council.staff, item=task.item, organisation=tree.east_party,
                                    title="现场勘查", working_days=1)
    finished = services.task_progress(actor=council.staff, task=finished, expected_version=finished.version,
                                      progress=100, note="已勘查")
    past = timezone.now() - dt.timedelta(days=1)
    ResolutionTask.objects.filter(pk__in=[late.pk, finished.pk]).update(due=past)  # arranged: the deadline passed
    client.force_login(users["community"])
    everything = client.get("/meetings/tasks/").content.decode()
    assert "张贴维修公告" in everything and "现场勘查" in everything and "修复路灯" in everything
    assert everything.count("data-overdue") == 1
    overdue = client.get("/meetings/tasks/", {"show": "overdue"}).content.decode()
    assert "张贴维修公告" in overdue and "已超期" in overdue
    assert "现场勘查" not in overdue and "修复路灯" not in overdue


def test_another_streets_task_is_not_found_and_cannot_be_reported_on(client, tree, users):
    north = north_task(tree, users)
    for username in ("street", "community"):
        client.force_login(users[username])
        assert client.get(f"/meetings/tasks/{north.pk}/").status_code == 404
        response = client.post(f"/meetings/tasks/{north.pk}/progress/",
                               {"version": north.version, "progress": "50", "note": "越权报告"})
        assert response.status_code == 404
        assert "北关" not in response.content.decode()
    north.refresh_from_db()
    assert north.progress == 0 and not TaskMilestone.objects.filter(task=north).exists()


def test_progress_beyond_100_is_refused_in_chinese_and_what_was_typed_is_kept(client, task, users):
    client.force_login(users["community"])
    response = client.post(f"/meetings/tasks/{task.pk}/progress/",
                           {"version": task.version, "progress": "150", "note": "灯具已采购，正在安装"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "进度须为 0 到 100 之间的整数" in html
    assert 'value="150"' in html and "灯具已采购，正在安装" in html
    task.refresh_from_db()
    assert task.progress == 0 and not task.milestones.exists()


def test_progress_that_is_not_a_number_is_refused_in_chinese(client, task, users):
    client.force_login(users["community"])
    response = client.post(f"/meetings/tasks/{task.pk}/progress/",
                           {"version": task.version, "progress": "一半", "note": "过半"})
    assert response.status_code == 200
    assert "进度须为 0 到 100 之间的整数" in response.content.decode()
    assert not task.milestones.exists()


def test_progress_is_recorded_as_a_dated_milestone_with_its_audit_row(client, task, users):
    client.force_login(users["community"])
    response = client.post(f"/meetings/tasks/{task.pk}/progress/",
                           {"version": task.version, "progress": "60", "note": "灯具已采购，正在安装"})
    assert response.status_code == 302 and response["Location"] == f"/meetings/tasks/{task.pk}/"
    task.refresh_from_db()
    assert task.progress == 60 and not task.done
    html = client.get(f"/meetings/tasks/{task.pk}/").content.decode()
    milestone = task.milestones.get()
    assert "灯具已采购，正在安装" in html and "60%" in html
    assert timezone.localtime(milestone.reported_at).strftime("%Y-%m-%d %H:%M") in html
    audit = AuditEvent.objects.get(target_type="meetings.resolutiontask", target_id=str(task.pk), reason="任务进展")
    assert audit.actor == users["community"] and audit.changes["progress"] == [0, 60]


def test_a_report_on_a_page_read_before_someone_elses_is_refused_with_409_keeping_what_was_typed(
        client, council, task, users):
    services.task_progress(actor=council.staff, task=task, expected_version=task.version, progress=30,
                           note="已勘查")
    client.force_login(users["community"])
    response = client.post(f"/meetings/tasks/{task.pk}/progress/",
                           {"version": task.version, "progress": "80", "note": "主体完工"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "该记录已被他人更新" in html and 'value="80"' in html and "主体完工" in html
    task.refresh_from_db()
    assert task.progress == 30 and task.milestones.count() == 1


def test_at_100_percent_the_task_is_done_and_the_form_is_gone(client, task, users):
    client.force_login(users["community"])
    client.post(f"/meetings/tasks/{task.pk}/progress/", {"version": task.version, "progress": "100", "note": "已修复"})
    html = client.get(f"/meetings/tasks/{task.pk}/").content.decode()
    assert "已完成" in html and "progress-heading" not in html


def test_the_case_page_shows_its_resolution_tasks_with_their_progress(client, council, task, users):
    services.task_progress(actor=council.staff, task=task, expected_version=task.version, progress=40,
                           note="已采购")
    client.force_login(users["community"])
    html = client.get(f"/cases/{task.case_id}/").content.decode()
    assert "会议决议任务" in html and "修复路灯" in html and "40%" in html
    assert f'href="/meetings/tasks/{task.pk}/"' in html
    assert task.case.status == Status.DISPATCHED  # resumed from the resolution


def test_a_case_without_resolution_tasks_has_no_such_section(client, tree, users):
    world = CaseWorld(tree, users)
    case = world.register(timezone.now())
    client.force_login(users["community"])
    assert "会议决议任务" not in client.get(f"/cases/{case.pk}/").content.decode()
