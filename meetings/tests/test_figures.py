"""The meeting figures come from the records: held meetings and matters resolved, by region."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from api.tests.conftest import Api
from meetings import services
from meetings.models import Meeting, ResolutionTask
from meetings.workflow import BodyKind, Stage
from reports.selectors import figures_for, joint_council_quarters_missed, last_quarters

pytestmark = pytest.mark.django_db


def test_meetings_held_and_matters_decided_are_counted_from_records(client, council):
    tree = council.tree
    before = figures_for(tree.county)
    assert (before["meetings_held"], before["matters_decided"]) == (0, 0)
    council.matter(stage=Stage.RESOLVED)  # three meetings: 两委会, 党员大会, 居民代表会议
    council.held(BodyKind.PARTY_MEMBERS, present=2)  # held, though it missed its quorum
    council.held(BodyKind.TWO_COMMITTEES, close=False)  # still sitting: not yet held
    council.matter(stage=Stage.REVIEWED, title="路灯增设")  # two more meetings, not yet decided
    expected = {"meetings_held": 6, "matters_decided": 1}
    assert {key: figures_for(tree.east)[key] for key in expected} == expected
    assert {key: figures_for(tree.county)[key] for key in expected} == expected
    assert {key: figures_for(tree.west)[key] for key in expected} == {"meetings_held": 0, "matters_decided": 0}
    body = Api(client).ok("community", "/api/v1/reports/figures", region=tree.east.code)
    assert {key: body[key] for key in expected} == expected


def test_a_street_whose_joint_council_skipped_a_quarter_is_flagged(council, tree, users):
    street_staff = users["street"]
    body = services.body_create(actor=street_staff, kind=BodyKind.STREET_JOINT_COUNCIL, name="城关街道党建联席会议",
                                region=tree.street)
    services.roll_member_add(actor=street_staff, body=body, organisation=tree.east_party)
    quarters = last_quarters(timezone.localdate())
    for first, _ in quarters[:3]:  # the latest completed quarter had no meeting
        meeting, _ = services.meeting_schedule(actor=street_staff, body=body, title="联席会议",
                                               scheduled_at=timezone.now() + dt.timedelta(days=1))
        meeting = services.meeting_transition(actor=street_staff, meeting=meeting, action="open",
                                              expected_version=meeting.version)
        meeting = services.meeting_transition(actor=street_staff, meeting=meeting, action="close",
                                              expected_version=meeting.version, minutes="记录")
        held_at = timezone.make_aware(dt.datetime.combine(first + dt.timedelta(days=20), dt.time(15)))
        Meeting.objects.filter(pk=meeting.pk).update(scheduled_at=held_at, closed_at=held_at)  # arranged: the past
    assert joint_council_quarters_missed(tree.county) == [("城关街道", quarters[3][0])]
    assert figures_for(tree.street)["joint_council_quarters_missed"] == 1
    assert figures_for(tree.other_street)["joint_council_quarters_missed"] == 0


def test_overdue_resolution_tasks_are_counted_from_records_as_of_any_day(client, council, tree):
    meeting = council.held(BodyKind.TWO_COMMITTEES, council.matter())
    item = meeting.agenda.get()

    def task(title: str):
        return services.task_assign(actor=council.staff, item=item, organisation=tree.east_party, title=title,
                                    working_days=5)

    late, finished, fresh = task("制定方案"), task("公示方案"), task("组织施工")
    finished = services.task_progress(actor=council.staff, task=finished, expected_version=finished.version,
                                      progress=100, note="已公示")
    now = timezone.now()
    # Arranged: both were given ten days ago and due five days ago; the second was done two days ago.
    ResolutionTask.objects.filter(pk__in=[late.pk, finished.pk]).update(
        created_at=now - dt.timedelta(days=10), due=now - dt.timedelta(days=5))
    ResolutionTask.objects.filter(pk=finished.pk).update(done_at=now - dt.timedelta(days=2))
    assert not fresh.done
    assert figures_for(tree.east)["resolution_tasks_overdue"] == 1
    assert figures_for(tree.county)["resolution_tasks_overdue"] == 1
    assert figures_for(tree.west)["resolution_tasks_overdue"] == 0
    # Three days ago both were overdue; eleven days ago neither had been given.
    today = timezone.localdate()
    assert figures_for(tree.east, day=today - dt.timedelta(days=3))["resolution_tasks_overdue"] == 2
    assert figures_for(tree.east, day=today - dt.timedelta(days=11))["resolution_tasks_overdue"] == 0
    body = Api(client).ok("community", "/api/v1/reports/figures", region=tree.east.code)
    assert body["resolution_tasks_overdue"] == 1 and body["meetings_held"] == 1


def test_the_dashboard_shows_the_meetings_held_in_the_period_per_kind_of_body(client, council, users):
    council.matter(stage=Stage.RESOLVED)  # 两委会, 党员大会, 居民代表会议
    council.held(BodyKind.TWO_COMMITTEES)
    council.held(BodyKind.PARTY_MEMBERS, close=False)  # still sitting: not held
    earlier = council.held(BodyKind.TWO_COMMITTEES)
    long_ago = timezone.now() - dt.timedelta(days=400)
    Meeting.objects.filter(pk=earlier.pk).update(scheduled_at=long_ago, closed_at=long_ago)  # arranged: the past
    client.force_login(users["community"])
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    rows = response.context["data"]["meetings_by_kind"]
    assert {row["label"]: row["held"] for row in rows} == {
        BodyKind.TWO_COMMITTEES.label: 2, BodyKind.PARTY_MEMBERS.label: 1,
        BodyKind.RESIDENTS_REPRESENTATIVES.label: 1,
    }
    html = response.content.decode()
    table = html.split('data-table="meetings_by_kind"')[1].split("</table>")[0]
    assert BodyKind.RESIDENTS_REPRESENTATIVES.label in table and "<td>2</td>" in table
