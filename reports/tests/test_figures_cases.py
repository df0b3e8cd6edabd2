"""The case figures (收集问题, 解决困难) are counted from cases written through the real services, per subtree."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Role, User
from cases import services
from cases.models import AssignmentRole, Case, Channel, Kind, RatingResult, TargetGroup
from cases.services import AssigneeSpec
from cases.workflow import Status
from categories.models import Category, CategoryDepartment, UrgencyLevel
from conftest import PASSWORD
from core.services import record_archive
from reports.selectors import case_figures, figures_for
from reports.services import rollup_rebuild


@pytest.fixture
def desk(tree, users):
    """A category handled by the county's department, and a clerk of the west community."""
    general, _ = UrgencyLevel.objects.get_or_create(
        code="general", defaults=dict(name="一般", response_amount=1, response_unit="working_days",
                                      finish_amount=7, finish_unit="working_days", order=3),
    )
    category = Category.objects.create(code="01", name="社会保障", default_urgency=general)
    CategoryDepartment.objects.create(category=category, organisation=tree.department, is_lead=True)
    users["west_clerk"] = User.objects.create_user(
        username="west_clerk", password=PASSWORD, role=Role.COMMUNITY_STAFF, region=tree.west
    )
    users["north_clerk"] = User.objects.create_user(
        username="north_clerk", password=PASSWORD, role=Role.COMMUNITY_STAFF, region=tree.north
    )
    return Desk(tree, users, category)


class Desk:
    """Takes cases in at a community's counter and moves them on through the services."""

    def __init__(self, tree, users, category):
        self.tree, self.users, self.category = tree, users, category
        self.clerks = {tree.east_grid1.pk: users["community"], tree.west_grid1.pk: users["west_clerk"],
                       tree.north.pk: users["north_clerk"]}

    def clerk(self, case: Case) -> User:
        return self.clerks[case.region_id]

    def take(self, *, kind: str = Kind.PROBLEM, channel: str = Channel.OPINION_WINDOW, region=None) -> Case:
        region = region or self.tree.east_grid1
        case, created = services.case_submit(
            actor=self.clerks[region.pk], channel=channel, kind=kind, title="反映事项", description="居民当面反映",
            region=region, contact_name="居民", contact_phone="13900002222",
            target_group=TargetGroup.ELDERLY if kind == Kind.DIFFICULTY else "",
        )
        assert created
        return case

    def replied(self, case: Case) -> Case:
        clerk = self.clerk(case)
        case = services.case_classify(case=case, actor=clerk, expected_version=case.version, category=self.category)
        case = services.case_dispatch(case=case, actor=clerk, expected_version=case.version,
                                      assignees=[AssigneeSpec(organisation=self.tree.department)])
        lead = case.assignments.get(role=AssignmentRole.LEAD)
        case = services.case_accept(case=case, actor=self.users["dept"], expected_version=case.version,
                                    assignment=lead)
        return services.case_reply(case=case, actor=self.users["dept"], expected_version=case.version,
                                   assignment=lead, reply="已上门解决")

    def closed(self, case: Case) -> Case:
        if case.status != Status.REPLIED:
            case = self.replied(case)
        clerk = self.clerk(case)
        case = services.case_verify(case=case, actor=clerk, expected_version=case.version)
        return services.case_close(case=case, actor=clerk, expected_version=case.version)

    def rated(self, case: Case, result: str = RatingResult.SATISFIED) -> Case:
        if case.status != Status.CLOSED:
            case = self.closed(case)
        return services.case_rate(case=case, actor=None, expected_version=case.version, result=result,
                                  tracking_code=case.tracking_code)

    def reject(self, case: Case) -> Case:
        return services.case_reject(case=case, actor=self.clerk(case), expected_version=case.version,
                                    reason="不属于社区受理范围")

    def merge(self, case: Case, survivor: Case) -> Case:
        return services.case_merge(case=case, actor=self.clerk(case), expected_version=case.version,
                                   survivor=survivor)


def test_problems_collected_counts_window_problems_whatever_became_of_them(desk):
    kept = desk.take()
    desk.merge(desk.take(), kept)  # a duplicate was collected too
    desk.reject(desk.take())  # so was a problem the community refused
    desk.rated(desk.take())
    desk.take(channel=Channel.WEB)  # other channels are not the window's
    desk.take(channel=Channel.GRID_PATROL)
    desk.take(kind=Kind.DIFFICULTY)  # a difficulty is not a problem, even at the window
    assert case_figures(desk.tree.east) == {"problems_collected": 4, "difficulties_solved": 0}


def test_problems_collected_is_scoped_by_the_region_subtree(desk):
    desk.take()
    desk.take(region=desk.tree.west_grid1)
    desk.take(region=desk.tree.north)
    tree = desk.tree
    assert figures_for(tree.county)["problems_collected"] == 3
    assert figures_for(tree.street)["problems_collected"] == 2
    assert figures_for(tree.other_street)["problems_collected"] == 1
    assert figures_for(tree.east)["problems_collected"] == 1
    assert figures_for(tree.east_grid1)["problems_collected"] == 1
    assert figures_for(tree.east_grid2)["problems_collected"] == 0


def test_difficulties_solved_counts_closed_and_rated_difficulties_not_rated_unsatisfied(desk):
    desk.closed(desk.take(kind=Kind.DIFFICULTY))  # closed, not rated yet: solved
    desk.rated(desk.take(kind=Kind.DIFFICULTY))  # 满意
    desk.rated(desk.take(kind=Kind.DIFFICULTY), RatingResult.BASICALLY_SATISFIED)
    reworked = desk.rated(desk.take(kind=Kind.DIFFICULTY), RatingResult.UNSATISFIED)
    assert reworked.status == Status.IN_PROGRESS  # 不满意 sends it back: not solved
    desk.replied(desk.take(kind=Kind.DIFFICULTY))  # answered but not verified: not solved
    desk.reject(desk.take(kind=Kind.DIFFICULTY))
    desk.rated(desk.take())  # a problem is not a difficulty
    assert figures_for(desk.tree.county)["difficulties_solved"] == 3


def test_a_difficulty_reworked_after_unsatisfied_counts_once_closed_again(desk):
    case = desk.rated(desk.take(kind=Kind.DIFFICULTY), RatingResult.UNSATISFIED)
    assert figures_for(desk.tree.county)["difficulties_solved"] == 0
    lead = case.assignments.get(role=AssignmentRole.LEAD, status="accepted")
    case = services.case_reply(case=case, actor=desk.users["dept"], expected_version=case.version,
                               assignment=lead, reply="重新上门，已解决")
    case = desk.closed(case)
    assert case.ratings.filter(result=RatingResult.UNSATISFIED).exists()
    assert figures_for(desk.tree.county)["difficulties_solved"] == 1
    desk.rated(case)
    assert figures_for(desk.tree.county)["difficulties_solved"] == 1


def test_a_second_unsatisfied_rating_puts_it_before_a_meeting_and_out_of_the_count(desk):
    case = desk.rated(desk.take(kind=Kind.DIFFICULTY), RatingResult.UNSATISFIED)
    lead = case.assignments.get(role=AssignmentRole.LEAD, status="accepted")
    case = services.case_reply(case=case, actor=desk.users["dept"], expected_version=case.version,
                               assignment=lead, reply="再次处理")
    case = desk.rated(case, RatingResult.UNSATISFIED)
    assert case.status == Status.ESCALATED
    assert figures_for(desk.tree.county)["difficulties_solved"] == 0


def test_difficulties_solved_is_scoped_by_the_region_subtree(desk):
    desk.rated(desk.take(kind=Kind.DIFFICULTY))
    desk.closed(desk.take(kind=Kind.DIFFICULTY, region=desk.tree.west_grid1))
    desk.closed(desk.take(kind=Kind.DIFFICULTY, region=desk.tree.north))
    tree = desk.tree
    assert figures_for(tree.county)["difficulties_solved"] == 3
    assert figures_for(tree.street)["difficulties_solved"] == 2
    assert figures_for(tree.west)["difficulties_solved"] == 1
    assert figures_for(tree.other_street)["difficulties_solved"] == 1
    assert figures_for(tree.east_grid2)["difficulties_solved"] == 0


def test_archived_cases_do_not_count(desk):
    problem = desk.take()
    difficulty = desk.closed(desk.take(kind=Kind.DIFFICULTY))
    assert case_figures(desk.tree.county) == {"problems_collected": 1, "difficulties_solved": 1}
    record_archive(problem, actor=None, reason="重复录入")
    record_archive(difficulty, actor=None, reason="重复录入")
    assert case_figures(desk.tree.county) == {"problems_collected": 0, "difficulties_solved": 0}


def test_figures_as_of_an_earlier_day_leave_out_later_cases(desk):
    desk.take()
    desk.closed(desk.take(kind=Kind.DIFFICULTY))
    today = timezone.localdate()
    assert case_figures(desk.tree.county, day=today) == {"problems_collected": 1, "difficulties_solved": 1}
    yesterday = today - dt.timedelta(days=1)
    assert case_figures(desk.tree.county, day=yesterday) == {"problems_collected": 0, "difficulties_solved": 0}


def test_the_case_figures_take_a_fixed_number_of_queries(desk, django_assert_num_queries):
    desk.rated(desk.take(kind=Kind.DIFFICULTY))
    with django_assert_num_queries(2):  # rollups built?, the cases
        case_figures(desk.tree.county)
    # 11, window kinds, the catalogue, four volunteers' figures, task categories
    with django_assert_num_queries(18):
        figures_for(desk.tree.county)
    rollup_rebuild()
    with django_assert_num_queries(3):  # rollups built?, the window's problems, the rollups
        assert case_figures(desk.tree.county)["difficulties_solved"] == 1


def test_the_api_and_the_page_show_the_case_figures(client, desk):
    desk.take()
    desk.take()
    desk.rated(desk.take(kind=Kind.DIFFICULTY))
    token = client.post("/api/v1/auth/token", {"username": "county", "password": PASSWORD},
                        content_type="application/json").json()["token"]
    body = client.get("/api/v1/reports/figures", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["problems_collected"] == 2
    assert body["difficulties_solved"] == 1
    client.login(username="community", password=PASSWORD)
    html = client.get("/reports/figures/").content.decode()
    assert "民意征求窗口收集问题" in html and "帮助群众解决困难" in html
    assert 'data-figure="problems_collected">2<' in html
    assert 'data-figure="difficulties_solved">1<' in html
