"""A case's history, assignments, whistles and ratings as paged lists, and the 办理清单 and 吹哨看板 boards."""

from __future__ import annotations

import pytest

from tests.case_world import at

pytestmark = pytest.mark.django_db

T0 = at(2026, 11, 2, 9)


@pytest.fixture
def handled(world):
    """A case registered, dispatched to 住建局 with 城管局 assisting, whistled, replied, closed and rated."""
    case = world.register(T0)
    case = world.dispatch(case, at(2026, 11, 2, 10), assists=[world.dept2])
    case = world.whistle(case, at(2026, 11, 2, 11), [world.dept3])
    case = world.report_in(case, at(2026, 11, 2, 12), world.dept3)
    case = world.accept(case, at(2026, 11, 2, 13))
    case = world.reply(case, at(2026, 11, 3, 9))
    return world.finish(case, at(2026, 11, 3, 10))


def test_the_history_is_paged_in_order(api, handled):
    events = api.walk("community", f"/api/v1/cases/{handled.pk}/events", limit=3)
    assert [e["seq"] for e in events] == list(range(1, handled.events.count() + 1))
    assert events[0]["action"] == "submit"
    assert events[-1]["action"] == "rate"
    assert all(e["actor"] for e in events)


def test_assignments_whistles_and_ratings_of_a_case(api, handled, world):
    assignments = api.ok("community", f"/api/v1/cases/{handled.pk}/assignments")["items"]
    assert [(a["assignee"], a["role"], a["status"]) for a in assignments] == [
        (world.dept.name, "lead", "replied"), (world.dept2.name, "assist", "withdrawn"),  # withdrawn at closure
    ]
    whistles = api.ok("community", f"/api/v1/cases/{handled.pk}/whistles")["items"]
    assert [s["organisation"] for s in whistles[0]["summons"]] == [world.dept3.name]
    assert whistles[0]["summons"][0]["reported_at"] is not None
    ratings = api.ok("community", f"/api/v1/cases/{handled.pk}/ratings")["items"]
    assert [(r["result"], r["result_label"]) for r in ratings] == [("satisfied", "满意")]


def test_a_resident_sees_public_steps_and_ratings_but_no_internal_records(api, handled):
    events = api.walk("resident", f"/api/v1/cases/{handled.pk}/events")
    assert events and all(e["actor"] == "" for e in events)
    assert "whistle" not in {e["action"] for e in events}
    assert api.ok("resident", f"/api/v1/cases/{handled.pk}/assignments") == {"items": [], "next_cursor": None}
    assert api.ok("resident", f"/api/v1/cases/{handled.pk}/whistles") == {"items": [], "next_cursor": None}
    assert len(api.ok("resident", f"/api/v1/cases/{handled.pk}/ratings")["items"]) == 1


@pytest.mark.parametrize("records", ["events", "assignments", "whistles", "ratings"])
def test_a_case_outside_scope_is_404_for_every_record_list(api, handled, records):
    response = api.get("community2", f"/api/v1/cases/{handled.pk}/{records}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert api.get("community", f"/api/v1/cases/999999/{records}").status_code == 404


def test_the_handling_board_is_a_departments_inbox_soonest_deadline_first(api, world):
    late = world.dispatch(world.register(T0), at(2026, 11, 2, 10), finish_due=at(2026, 11, 3, 9))
    soon = world.dispatch(world.register(T0), at(2026, 11, 2, 10), finish_due=at(2026, 11, 2, 18))
    board = api.ok("dept", "/api/v1/assignments")["items"]
    assert [a["case"]["id"] for a in board] == [soon.pk, late.pk]
    assert board[0]["report_in_overdue"] is True  # report-in was due on 2 November
    assert board[0]["case"]["region"]["code"] == world.tree.east_grid1.code
    assert api.ok("dept2", "/api/v1/assignments")["items"] == []
    assert api.ok("dept", "/api/v1/assignments", overdue="false")["items"] == []


def test_the_handling_board_includes_finished_work_on_request(api, handled):
    assert api.ok("dept", "/api/v1/assignments")["items"] == []
    finished = api.ok("dept", "/api/v1/assignments", include_finished="true")["items"]
    assert [a["status"] for a in finished] == ["replied"]
    assert [a["status"] for a in api.ok("dept", "/api/v1/assignments", status="replied")["items"]] == ["replied"]


def test_the_whistle_board_lists_whistles_on_visible_cases_newest_first(api, world):
    first = world.whistle(world.register(T0), at(2026, 11, 2, 10), [world.dept2])
    second = world.whistle(world.register(T0), at(2026, 11, 2, 11), [world.dept3])
    board = api.walk("street", "/api/v1/whistles", limit=1)
    assert [w["case"]["id"] for w in board] == [second.pk, first.pk]
    assert api.ok("community2", "/api/v1/whistles")["items"] == []
    assert [w["case"]["id"] for w in api.ok("dept2", "/api/v1/whistles")["items"]] == [first.pk]
