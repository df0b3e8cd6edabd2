"""generate_load writes histories the services could have written: every event is an edge of the
workflow table, in order, ending in the case's status; ratings and assignments match the events."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from cases.models import Assignment, Case, CaseEvent, Rating
from cases.workflow import TABLE, Status
from regions.models import Region
from reports.dashboard import dashboard_for
from reports.periods import Period

pytestmark = pytest.mark.django_db

EDGES = {(edge.action, source, edge.target_from(source)) for edge in TABLE for source in edge.sources}


def test_generated_cases_walk_the_workflow_table(capsys):
    call_command("generate_load", cases=300, batch=120, streets=2, communities=2, grids=2, months=3, seed=5)
    assert Case.objects.count() == 300
    events: dict[int, list[CaseEvent]] = {}
    for event in CaseEvent.objects.order_by("case_id", "seq"):
        events.setdefault(event.case_id, []).append(event)
    statuses = set()
    for case in Case.objects.all():
        history = events[case.pk]
        assert [e.seq for e in history] == list(range(1, len(history) + 1))
        assert history[0].action == "submit" and history[0].to_status == Status.RECEIVED
        for before, after in zip(history, history[1:], strict=False):
            assert after.from_status == before.to_status
            assert (after.action, after.from_status, after.to_status) in EDGES, after.action
            assert after.created_at >= before.created_at
        assert history[-1].to_status == case.status
        # One version per service call; a rating's automatic follow-up (返工, 上会) is part of that call.
        assert case.version == len([e for e in history if e.actor_label != "系统"])
        statuses.add(case.status)
    assert {Status.RATED, Status.REJECTED} <= statuses
    assert Rating.objects.count() == CaseEvent.objects.filter(action="rate").count()
    assert Assignment.objects.count() == CaseEvent.objects.filter(action="dispatch").count()
    county = Region.objects.get(code="610499")
    today = dt.date.today()
    board = dashboard_for(county, Period(today - dt.timedelta(days=60), today))
    assert sum(row["total"] for row in board.data["hot_spots"]["rows"]) > 0
    assert "cases/s" in capsys.readouterr().out
