"""Key figures on hand-computed cases (reports/tests/kpi_scenario.py; the arithmetic is in docs/kpis.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.models import Assignment
from reports.kpis import Kpis, Rate, department_kpis, department_table, region_kpis
from reports.services import rollup_rebuild
from reports.tests.kpi_scenario import NOVEMBER, NOW, build
from tests.case_world import CaseWorld, at


@pytest.fixture
def world(tree, users) -> CaseWorld:
    return CaseWorld(tree, users)


@pytest.fixture
def november(world):
    return build(world)


def rates(k: Kpis) -> dict[str, tuple[int, int]]:
    return {
        name: (value.numerator, value.denominator) for name, value in vars(k).items() if isinstance(value, Rate)
    }


def test_the_scenario_reaches_the_states_the_figures_assume(world, november):
    assert {key: case.status for key, case in november.items()} == {
        "A": "rated", "B": "rated", "C": "replied", "D": "dispatched", "E": "rated", "F": "rated",
        "G": "rejected", "H": "merged",
    }
    assert november["B"].rework_count == 1
    c_lead = world.assignment(november["C"])
    assert c_lead.organisation == world.dept2 and c_lead.finish_due == at(2026, 11, 14, 9)


def test_county_figures(world, november):
    k = region_kpis(world.tree.county, *NOVEMBER, now=NOW)
    assert rates(k) == {
        "response": (4, 7),        # A住建 ✓ A城管 ✗ B ✗ C住建(退回) ✓ C城管 ✓ D ✗ E ✓
        "on_time_finish": (4, 7),  # A住建 ✓ A城管 ✓ B ✗(首次超期) C城管 ✓(延期后) D ✗(超期未答复) E ✓ F ✗
        "closure": (3, 5),         # 立案 A B C D E（H 已合并不计），已结案 A B E
        "resolution": (4, 4),      # 最后评价 A 满意 B 基本满意 E 满意 F 满意
        "satisfaction": (4, 5),    # 评价 A 满意 B 不满意 B 基本满意 E 满意 F 满意
        "rework": (1, 4),          # 结案 A B E F，返工过的 B
        "whistle_on_time": (1, 2),  # 城管局按时，市场监管局超时
    }
    assert k.avg_handling_hours == 56.5 and k.lead_replies == 5  # (23 + 98 + 69 + 21.5 + 71) / 5
    assert k.whistle_score == 4.0 and k.whistle_scored == 2
    assert k.satisfied_only == 3
    assert k.response.percent == "57.1%" and Rate(0, 0).percent == "—"


def test_street_figures_leave_out_the_other_street(world, november):
    k = region_kpis(world.tree.street, *NOVEMBER, now=NOW)
    assert rates(k) == {
        "response": (3, 6), "on_time_finish": (3, 6), "closure": (2, 4), "resolution": (3, 3),
        "satisfaction": (3, 4), "rework": (1, 3), "whistle_on_time": (0, 0),
    }
    assert k.avg_handling_hours == pytest.approx(65.2, abs=0.06) and k.lead_replies == 4  # 261 / 4
    assert k.whistle_score is None


def test_community_figures(world, november):
    k = region_kpis(world.tree.west, *NOVEMBER, now=NOW)
    assert rates(k) == {
        "response": (2, 2), "on_time_finish": (1, 1), "closure": (0, 1), "resolution": (0, 0),
        "satisfaction": (0, 0), "rework": (0, 0), "whistle_on_time": (0, 0),
    }
    assert k.avg_handling_hours == 69.0


def test_department_figures(world, november):
    housing = department_kpis(world.dept, *NOVEMBER, now=NOW)
    assert rates(housing) == {
        "response": (2, 3), "on_time_finish": (1, 3), "closure": (2, 2), "resolution": (3, 3),
        "satisfaction": (3, 4), "rework": (1, 3), "whistle_on_time": (0, 0),
    }  # it leads A, B and F (C it returned): ratings A 满意, B 不满意, B 基本满意, F 满意
    assert housing.avg_handling_hours == 64.0  # A 23, B 98, F 71
    city = department_kpis(world.dept2, *NOVEMBER, now=NOW)
    assert rates(city) == {
        "response": (1, 3), "on_time_finish": (2, 3), "closure": (0, 2), "resolution": (0, 0),
        "satisfaction": (0, 0), "rework": (0, 0), "whistle_on_time": (1, 1),
    }
    assert city.avg_handling_hours == 69.0 and city.whistle_score == 5.0
    market = department_kpis(world.dept3, *NOVEMBER, now=NOW)
    assert rates(market) == {
        "response": (1, 1), "on_time_finish": (1, 1), "closure": (1, 1), "resolution": (1, 1),
        "satisfaction": (1, 1), "rework": (0, 1), "whistle_on_time": (0, 1),
    }
    assert market.avg_handling_hours == 21.5 and market.whistle_score == 3.0


def test_department_figures_limited_to_a_region(world, november):
    west = department_kpis(world.dept, *NOVEMBER, region=world.tree.west, now=NOW)
    assert rates(west)["response"] == (1, 1)  # C, returned in time
    assert rates(west)["on_time_finish"] == (0, 0) and rates(west)["closure"] == (0, 0)  # returned: not its case
    assert department_kpis(world.dept3, *NOVEMBER, region=world.tree.street, now=NOW) == Kpis(
        Rate(0, 0), Rate(0, 0), Rate(0, 0), Rate(0, 0), Rate(0, 0), Rate(0, 0), None, 0, None, 0, Rate(0, 0)
    )


def test_the_league_table(world, november):
    rows = department_table(world.tree.county, *NOVEMBER, now=NOW)
    assert [row.organisation for row in rows] == [world.dept3, world.dept2, world.dept]  # by 按期办结率
    by_org = {row.organisation: row.kpis for row in rows}
    for org in (world.dept, world.dept2, world.dept3):
        assert by_org[org] == department_kpis(org, *NOVEMBER, now=NOW)
    street = department_table(world.tree.street, *NOVEMBER, now=NOW)
    assert [row.organisation for row in street] == [world.dept2, world.dept]
    assert street[1].kpis == department_kpis(world.dept, *NOVEMBER, region=world.tree.street, now=NOW)


def test_other_periods(world, november):
    october = region_kpis(world.tree.county, dt.date(2026, 10, 1), dt.date(2026, 10, 31), now=NOW)
    # F was registered in October and has been closed since: October's 结案率 counts it as closed.
    assert rates(october)["response"] == (1, 1) and rates(october)["closure"] == (1, 1)
    assert rates(october)["on_time_finish"] == (0, 0)  # F's deadline fell on 11-01, its reply on 11-02
    assert rates(october)["rework"] == (0, 0) and rates(october)["satisfaction"] == (0, 0)
    first_week = region_kpis(world.tree.county, dt.date(2026, 11, 1), dt.date(2026, 11, 7), now=NOW)
    # Replied in the week: A住建 ✓, A城管 ✓, F ✗. B has replied since, so it counts in the period of its reply.
    assert rates(first_week)["on_time_finish"] == (2, 3)
    assert rates(first_week)["response"] == (1, 3)  # A住建 ✓, A城管 ✗, B ✗


def test_figures_take_five_queries_and_the_table_six(world, november, django_assert_num_queries):
    # Whether the rollups are built, then assignments, events, ratings and summons (and the organisations).
    with django_assert_num_queries(5):
        region_kpis(world.tree.county, *NOVEMBER, now=NOW)
    with django_assert_num_queries(5):
        department_kpis(world.dept, *NOVEMBER, now=NOW)
    with django_assert_num_queries(6):
        department_table(world.tree.county, *NOVEMBER, now=NOW)


def test_from_rollups_figures_take_four_queries_and_the_table_five(world, november, django_assert_num_queries):
    live = (region_kpis(world.tree.county, *NOVEMBER, now=NOW), department_kpis(world.dept, *NOVEMBER, now=NOW))
    rollup_rebuild()
    # Whether the rollups are built, the rollups, the assignments whose clocks run, the summons.
    with django_assert_num_queries(4):
        assert region_kpis(world.tree.county, *NOVEMBER, now=NOW) == live[0]
    with django_assert_num_queries(4):
        assert department_kpis(world.dept, *NOVEMBER, now=NOW) == live[1]
    with django_assert_num_queries(5):
        department_table(world.tree.county, *NOVEMBER, now=NOW)


T = at(2026, 11, 2, 10)
H = dt.timedelta(hours=1)


def test_a_clock_still_running_counts_neither_way(world):
    case = world.dispatch(world.register(T - H), T)  # report in by 14:00, finish by 11-04 09:00
    day = (dt.date(2026, 11, 2), dt.date(2026, 11, 30))
    assert rates(region_kpis(world.tree.county, *day, now=T + H))["response"] == (0, 0)
    assert rates(region_kpis(world.tree.county, *day, now=T + 5 * H))["response"] == (0, 1)
    world.accept(case, T + 6 * H)  # late
    assert rates(region_kpis(world.tree.county, *day, now=T + 7 * H))["response"] == (0, 1)
    assert rates(region_kpis(world.tree.county, *day, now=T + 7 * H))["on_time_finish"] == (0, 0)
    assert rates(region_kpis(world.tree.county, *day, now=T + 48 * H))["on_time_finish"] == (0, 1)


def test_an_assisting_body_relieved_before_its_deadline_is_not_judged(world):
    case = world.dispatch(world.register(T - H), T, assists=[world.dept2])
    case = world.reply(world.accept(case, T + H / 2), T + H)
    world.finish(world.assignment(case).case, T + 2 * H, rating=None)  # closed at 13:00: 城管局 withdrawn
    assert Assignment.objects.get(organisation=world.dept2).status == "withdrawn"
    k = department_kpis(world.dept2, dt.date(2026, 11, 1), dt.date(2026, 11, 30), now=T + 10 * H)
    assert rates(k)["response"] == (0, 0) and rates(k)["on_time_finish"] == (0, 0)


def test_a_return_after_the_report_in_deadline_is_late(world):
    case = world.dispatch(world.register(T - H), T)
    world.return_(case, T + 5 * H)
    k = department_kpis(world.dept, dt.date(2026, 11, 1), dt.date(2026, 11, 30), now=T + 10 * H)
    assert rates(k)["response"] == (0, 1)
