"""Dispatched forces: a team placed under the community with its home unit and the head's seat in the organisation
network, its members, work from a case or a patrol plan and what they did; scope and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services as case_services
from cases.models import Kind
from organisations import services as org_services
from organisations.models import Organisation
from tasks import selectors, services
from tasks.models import DispatchedTeam, TeamAssignment
from tasks.tests.factories import team_with_head

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(tree, users):
    agency = org_services.organisation_create(actor=None, name="城关派出所", kind=Organisation.Kind.DISPATCHED_AGENCY,
                                              region=tree.street, parent=tree.department)
    head = org_services.person_create(actor=None, name="张所长", home_region=tree.east)
    seat = org_services.position_assign(actor=None, person=head, organisation=tree.east_party, title="兼职委员",
                                        started_on=tree.today)
    return team_with_head(actor=users["community"], community=tree.east, name="东街社区警务室",
                          kind=DispatchedTeam.Kind.POLICE, home_unit=agency, seat=seat)


def test_a_team_with_members_works_from_a_case_and_a_patrol_plan(tree, users, team):
    again, created = services.team_place(actor=users["community"], community=tree.east, name="东街社区警务室",
                                         kind=DispatchedTeam.Kind.POLICE, home_unit=team.home_unit)
    assert (again.pk, created) == (team.pk, False)
    officer = org_services.person_create(actor=None, name="李警官", home_region=tree.east)
    services.team_member_add(actor=users["community"], team=team, person=officer, role="社区民警")
    case, _ = case_services.case_submit(actor=users["community"], channel="opinion_window", kind=Kind.PROBLEM,
                                        title="夜间噪音", description="广场舞音响太大", region=tree.east_grid1,
                                        contact_name="居民乙", contact_phone="13900002222")
    due = dt.date.today() + dt.timedelta(days=3)
    from_case = services.team_assign(actor=users["community"], team=team, title="劝导夜间噪音", due_on=due, case=case)
    patrol = services.team_assign(actor=users["community"], team=team, title="周五夜间巡逻", due_on=due)
    assert (from_case.source, patrol.source) == (TeamAssignment.Source.CASE, TeamAssignment.Source.PATROL)
    done = services.team_assignment_report(actor=users["community"], assignment=patrol, what_was_done="巡逻两小时")
    assert done.done_at is not None
    with pytest.raises(ValidationError):
        services.team_assignment_report(actor=users["community"], assignment=patrol, what_was_done="再次登记")
    counts = selectors.assignments_done(team, dt.date.today(), due)
    assert counts == {"given": 2, "done": 1, "on_time": 1}
    assert team.head_seat.person.name == "张所长"


def test_teams_are_scoped_and_a_case_of_another_community_is_refused(tree, users, team):
    assert list(selectors.teams_visible_to(users["community"])) == [team]
    assert list(selectors.teams_visible_to(users["community2"])) == []
    with pytest.raises(PermissionDenied):
        services.team_assign(actor=users["community2"], team=team, title="巡逻", due_on=dt.date.today())
    case, _ = case_services.case_submit(actor=users["community2"], channel="opinion_window", kind=Kind.PROBLEM,
                                        title="路灯", description="不亮", region=tree.west_grid1,
                                        contact_name="居民乙", contact_phone="13900002222")
    with pytest.raises(ValidationError) as caught:
        services.team_assign(actor=users["county"], team=team, title="修路灯", due_on=dt.date.today(), case=case)
    assert "case" in caught.value.message_dict
