"""The quarterly cadence of the streets' 党建联席会议 on the 数据看板: a street whose council did not sit in
a completed quarter is flagged at the top of its dashboard and listed with the overdue items, on the page,
in the monthly report and in the export; a street that sat every quarter, or is out of scope, is not."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from meetings import services
from meetings.models import Meeting
from meetings.workflow import BodyKind
from reports.selectors import last_quarters

pytestmark = pytest.mark.django_db


def council_held_in(tree, users, street, quarters) -> None:
    """The street's 党建联席会议, held once in each of `quarters`."""
    staff = users["street"] if street == tree.street else users["county"]
    body = services.body_create(actor=staff, kind=BodyKind.STREET_JOINT_COUNCIL, name=f"{street.name}党建联席会议",
                                region=street)
    services.roll_member_add(actor=staff, body=body, organisation=tree.east_party)
    for first, _ in quarters:
        meeting, _ = services.meeting_schedule(actor=staff, body=body, title="联席会议",
                                               scheduled_at=timezone.now() + dt.timedelta(days=1))
        meeting = services.meeting_transition(actor=staff, meeting=meeting, action="open",
                                              expected_version=meeting.version)
        meeting = services.meeting_transition(actor=staff, meeting=meeting, action="close",
                                              expected_version=meeting.version, minutes="记录")
        held_at = timezone.make_aware(dt.datetime.combine(first + dt.timedelta(days=20), dt.time(15)))
        Meeting.objects.filter(pk=meeting.pk).update(scheduled_at=held_at, closed_at=held_at)  # arranged: the past


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


@pytest.fixture
def quarters():
    return last_quarters(timezone.localdate())


def label(first: dt.date) -> str:
    return f"{first.year}年第{'一二三四'[(first.month - 1) // 3]}季度"


def test_a_street_that_skipped_a_quarter_is_flagged_on_its_dashboard_and_overdue_list(client, tree, users, quarters):
    council_held_in(tree, users, tree.street, quarters[:1] + quarters[2:])  # the second quarter was missed
    missed = quarters[1][0]
    response = get(client, users["street"], reverse("reports:dashboard"))
    assert response.status_code == 200
    assert response.context["data"]["joint_councils_missed"] == [{
        "street": "城关街道", "quarter": label(missed), "from": missed.isoformat(),
        "due": (quarters[1][1] - dt.timedelta(days=1)).isoformat(),
    }]
    html = response.content.decode()
    flag = html.split("data-cadence-flag>")[1].split("</section>")[0]
    assert "党建联席会议未按季度召开" in flag and f"城关街道{label(missed)}" in flag
    overdue = html.split('id="overdue-title"')[1].split("</section>")[0]
    assert 'data-table="joint_councils"' in overdue and label(missed) in overdue
    # The county sees its street flagged too.
    county = get(client, users["county"], reverse("reports:dashboard")).content.decode()
    assert "data-cadence-flag" in county and f"城关街道{label(missed)}" in county


def test_the_monthly_report_and_the_export_list_the_missed_quarter(client, tree, users, quarters):
    council_held_in(tree, users, tree.street, quarters[1:])
    month = timezone.localdate().strftime("%Y-%m")
    report = get(client, users["street"], reverse("reports:monthly_report") + f"?period={month}").content.decode()
    assert "超期未开的党建联席会议（1 个季度）" in report and label(quarters[0][0]) in report
    export = get(client, users["street"], reverse("reports:dashboard_export") + "?section=joint_councils")
    sheet = load_workbook(io.BytesIO(export.content))["党建联席会议超期未开"]
    assert [cell.value for cell in sheet[sheet.max_row]][:2] == ["城关街道", label(quarters[0][0])]


def test_a_street_that_sat_every_quarter_is_not_flagged_nor_one_out_of_scope(client, tree, users, quarters):
    council_held_in(tree, users, tree.street, quarters)
    council_held_in(tree, users, tree.other_street, quarters[:3])
    html = get(client, users["street"], reverse("reports:dashboard")).content.decode()
    assert "data-cadence-flag" not in html and "漠西街道" not in html
    assert 'data-councils-missed>0 个季度' in html
    county = get(client, users["county"], reverse("reports:dashboard"))
    assert [row["street"] for row in county.context["data"]["joint_councils_missed"]] == ["漠西街道"]
