"""Races between separate database connections (threads): the optimistic lock and the idempotency key hold.

These tests commit for real (`transaction=True`), so each thread's connection sees the others' work, as
two app servers on one database would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from cases import services
from cases.models import Case, CaseEvent, Channel, Kind
from cases.services import registration
from cases.workflow import StaleVersion, Status

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls: Callable[[], object]) -> list[object]:
    """Run `calls` at the same moment, one thread (and database connection) each; returns results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # the outcome under test, kept for the assertions
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_concurrent_transitions_exactly_one_wins_and_no_event_is_lost(flow):
    case = flow.submit()
    staff, other = flow.u["community"], flow.u["clerk2"]
    results = race(
        lambda: services.case_classify(case=case, actor=staff, expected_version=1, category=flow.w.category),
        lambda: services.case_reject(case=case, actor=other, expected_version=1, reason="不属于受理范围"),
    )
    winners = [r for r in results if isinstance(r, Case)]
    losers = [r for r in results if isinstance(r, StaleVersion)]
    assert len(winners) == 1 and len(losers) == 1, results
    case.refresh_from_db()
    assert case.version == 2
    assert case.status == winners[0].status
    events = list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("seq", "action", "to_status"))
    assert events[0] == (1, "submit", Status.RECEIVED)
    assert len(events) == 2
    assert events[1][2] == case.status


def test_many_concurrent_moves_of_one_case_commit_one_at_a_time(flow):
    case = flow.reach(Status.IN_PROGRESS)
    notes = [
        (lambda n=n: services.case_note(case=case, actor=flow.u["community"], expected_version=case.version,
                                        note=f"第 {n} 条记录"))
        for n in range(4)
    ]
    results = race(*notes)
    assert sum(isinstance(r, Case) for r in results) == 1, results
    assert sum(isinstance(r, StaleVersion) for r in results) == 3
    case_after = Case.objects.get(pk=case.pk)
    assert case_after.version == case.version + 1
    assert CaseEvent.objects.filter(case=case, action="note").count() == 1


def test_concurrent_intakes_with_one_idempotency_key_create_one_case(flow):
    def submit():
        return services.case_submit(
            actor=flow.u["community"], channel=Channel.SERVICE_HALL, kind=Kind.PROBLEM, title="楼道堆放杂物",
            description="3单元楼道堆满杂物", region=flow.w.tree.east, idempotency_key="form-7f1c2a",
        )

    results = race(submit, submit, submit)
    assert all(isinstance(r, tuple) for r in results), results
    ids = {case.pk for case, _ in results}
    assert len(ids) == 1
    assert sorted(created for _, created in results) == [False, False, True]
    assert Case.objects.filter(idempotency_key="form-7f1c2a").count() == 1
    assert CaseEvent.objects.filter(case_id=ids.pop()).count() == 1


def test_a_move_started_while_another_holds_the_case_loses_once_that_one_commits(flow, monkeypatch):
    case = flow.submit()
    claimed = threading.Event()
    original = registration.departments_for

    def slow_departments_for(category):
        # Runs inside the classify transaction, after its claim: hold the transaction open a moment.
        claimed.set()
        threading.Event().wait(0.3)
        return original(category)

    monkeypatch.setattr(registration, "departments_for", slow_departments_for)

    def reject_after_claim():
        claimed.wait(10)
        return services.case_reject(case=case, actor=flow.u["clerk2"], expected_version=1, reason="重复")

    results = race(
        lambda: services.case_classify(
            case=case, actor=flow.u["community"], expected_version=1, category=flow.w.category
        ),
        reject_after_claim,
    )
    assert isinstance(results[0], Case) and results[0].status == Status.REGISTERED, results
    assert isinstance(results[1], StaleVersion), results
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == ["submit", "classify"]
