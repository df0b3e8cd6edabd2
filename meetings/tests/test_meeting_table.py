"""The meeting table: every edge through its service, every move it lacks refused, the roll frozen."""

from __future__ import annotations

import pytest

from meetings import services
from meetings.models import Attendance, Meeting
from meetings.workflow import MEETING_ACTIONS, MEETING_TABLE, BodyKind, MeetingStatus, StepNotAllowed

pytestmark = pytest.mark.django_db


def _meeting_in(council, status: str) -> Meeting:
    meeting = council.held(BodyKind.TWO_COMMITTEES, close=False)  # opened
    if status == MeetingStatus.OPEN:
        return meeting
    if status == MeetingStatus.CLOSED:
        return services.meeting_transition(actor=council.staff, meeting=meeting, action="close",
                                           expected_version=meeting.version, minutes="记录")
    fresh, _ = services.meeting_schedule(actor=council.staff, body=meeting.body, title="两委会",
                                         scheduled_at=meeting.scheduled_at)
    if status == MeetingStatus.CANCELLED:
        return services.meeting_transition(actor=council.staff, meeting=fresh, action="cancel",
                                           expected_version=fresh.version)
    return fresh


@pytest.mark.parametrize("edge", MEETING_TABLE, ids=lambda edge: edge.action)
def test_every_meeting_edge_is_taken_by_its_service(council, edge):
    (source,) = edge.sources
    meeting = _meeting_in(council, source)
    after = services.meeting_transition(actor=council.staff, meeting=meeting, action=edge.action,
                                        expected_version=meeting.version, minutes="会议记录")
    assert after.status == edge.target and after.version == meeting.version + 1


FORBIDDEN = [
    pytest.param(action, status, id=f"{action}-from-{status}")
    for action in MEETING_ACTIONS for status in MeetingStatus.values
    if not any(edge.action == action and status in edge.sources for edge in MEETING_TABLE)
]


@pytest.mark.parametrize(("action", "status"), FORBIDDEN)
def test_every_move_the_meeting_table_lacks_is_refused(council, action, status):
    meeting = _meeting_in(council, status)
    with pytest.raises(StepNotAllowed, match=f"会议当前为“{MeetingStatus(status).label}”"):
        services.meeting_transition(actor=council.staff, meeting=meeting, action=action,
                                    expected_version=meeting.version, minutes="记录")
    after = Meeting.objects.get(pk=meeting.pk)
    assert (after.status, after.version) == (status, meeting.version)


def test_opening_freezes_the_roll_and_closing_needs_the_minutes(council):
    meeting = council.held(BodyKind.PARTY_MEMBERS, close=False)
    assert meeting.attendance.count() == 9 and meeting.recorder == council.staff
    names = set(meeting.attendance.values_list("name", flat=True))
    assert names == {seat.person.name for seat in council.seats[BodyKind.PARTY_MEMBERS]}
    # Leaving the roll afterwards does not change who was due at this meeting.
    services.roll_member_leave(actor=council.staff, member=council.seats[BodyKind.PARTY_MEMBERS][0])
    assert Attendance.objects.filter(meeting=meeting).count() == 9
    with pytest.raises(Exception, match="请填写会议记录"):
        services.meeting_transition(actor=council.staff, meeting=meeting, action="close",
                                    expected_version=meeting.version)
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.OPEN


def test_staff_of_another_community_cannot_run_the_meeting(council, users):
    meeting = council.held(BodyKind.TWO_COMMITTEES, close=False)
    with pytest.raises(Exception, match="无权管理"):
        services.meeting_transition(actor=users["community2"], meeting=meeting, action="close",
                                    expected_version=meeting.version, minutes="记录")
