"""generate_load's rows agree with each other the way the services' rows do, which is what the KPIs,
the lists and the tracking page rely on; keys stay usable for the services afterwards."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.models import ForeignKey

from cases.models import Assignment, AssignmentRole, Case, CaseEvent, CaseReporter, Rating, ReporterNotice
from cases.services import case_submit
from cases.workflow import TABLE, Status
from regions.models import Level, Region
from reports.kpis import department_table, region_kpis

pytestmark = pytest.mark.django_db

AUTOMATIC = {(edge.action, edge.label) for edge in TABLE if edge.automatic}
NOTICED = {(edge.action, edge.label) for edge in TABLE if edge.notice}


@pytest.fixture
def generated():
    call_command("generate_load", cases=600, batch=250, streets=2, communities=2, grids=3, months=24, seed=11)
    return Case.objects.all()


def _history() -> dict[int, list[CaseEvent]]:
    events: dict[int, list[CaseEvent]] = {}
    for event in CaseEvent.objects.order_by("case_id", "seq"):
        events.setdefault(event.case_id, []).append(event)
    return events


def test_case_fields_follow_from_their_events(generated):
    events = _history()
    reporters = set(CaseReporter.objects.values_list("case_id", "origin_case_id"))
    reworked = closed_reworked = 0
    for case in generated:
        history = events[case.pk]
        automatic = [e for e in history if (e.action, e.data.get("edge")) in AUTOMATIC]
        # One version per service call: a rating's automatic follow-up is part of the rating's call.
        assert case.version == len(history) - len(automatic)
        assert case.updated_at == history[-1].created_at
        assert case.created_at == case.received_at == history[0].created_at
        assert case.rework_count == sum(e.action == "rework" for e in history)
        closes = [e for e in history if e.action == "close"]
        if case.status in (Status.CLOSED, Status.RATED):
            assert case.closed_at == closes[-1].created_at
        else:
            assert case.closed_at is None
        if case.status not in (Status.RECEIVED, Status.REJECTED):
            classify = next(e for e in history if e.action == "classify")
            assert case.category.code == classify.data["category"]
            assert case.urgency.code == classify.data["urgency"]
        else:
            assert case.category_id is None
        assert (case.pk, case.pk) in reporters
        if case.status == Status.ESCALATED:
            assert case.escalated_to
        reworked += case.rework_count > 0
        closed_reworked += case.rework_count > 0 and case.status in (Status.CLOSED, Status.RATED)
    assert CaseReporter.objects.count() == generated.count()
    assert reworked and closed_reworked


def test_assignment_clocks_match_the_events(generated):
    events = _history()
    for assignment in Assignment.objects.all():
        history = events[assignment.case_id]
        assert assignment.role == AssignmentRole.LEAD and assignment.organisation_id
        dispatch = next(e for e in history if e.action == "dispatch")
        assert dispatch.created_at == assignment.dispatched_at
        assert dispatch.data["assignments"][0]["id"] == assignment.pk
        own = [e for e in history if e.assignment_id == assignment.pk]
        accepts = [e for e in own if e.action == "accept"]
        if assignment.status == Assignment.Status.PENDING:
            assert not accepts and assignment.accepted_at is None
            continue
        assert accepts[0].created_at == assignment.accepted_at
        assert accepts[0].data["on_time"] == (assignment.accepted_at <= assignment.report_in_due)
        replies = [e for e in own if e.action == "reply"]
        if assignment.status == Assignment.Status.REPLIED:
            assert replies[-1].created_at == assignment.replied_at
            assert replies[-1].data["on_time"] == (assignment.replied_at <= assignment.finish_due)
            assert assignment.case.public_note == assignment.reply == replies[-1].note
        else:
            # Reopened for rework (or not yet replied): the reply clock runs again.
            assert assignment.status == Assignment.Status.ACCEPTED and assignment.replied_at is None
            if assignment.case.rework_count:
                assert assignment.finish_due == assignment.case.finish_due


def test_ratings_and_notices_match_the_events(generated):
    ratings = {rating.pk: rating for rating in Rating.objects.all()}
    rate_events = list(CaseEvent.objects.filter(action="rate"))
    assert len(rate_events) == len(ratings)
    for event in rate_events:
        rating = ratings[event.data["rating"]]
        assert (rating.case_id, rating.result, rating.rated_at) == (event.case_id, event.data["result"],
                                                                    event.created_at)
        assert rating.recorded_by_staff == (event.actor_id is not None)
        assert rating.rated_by_id == event.actor_id
    noticed = [e for e in CaseEvent.objects.all() if (e.action, e.data.get("edge")) in NOTICED]
    notices = {(n.case_id, n.event_id, n.created_at) for n in ReporterNotice.objects.all()}
    assert notices == {(e.case_id, e.pk, e.created_at) for e in noticed}
    assert CaseEvent.objects.filter(action="rework", actor__isnull=True).exclude(actor_label="系统").count() == 0


def test_every_reference_points_at_a_row():
    call_command("generate_load", cases=200, batch=80, streets=1, communities=2, grids=2, months=3, seed=3)
    for model in apps.get_app_config("cases").get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, ForeignKey):
                continue
            target = field.related_model._meta
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {model._meta.db_table} t LEFT JOIN {target.db_table} r "
                    f"ON r.{target.pk.column} = t.{field.column} "
                    f"WHERE t.{field.column} IS NOT NULL AND r.{target.pk.column} IS NULL"
                )
                assert cursor.fetchone()[0] == 0, f"{model._meta.db_table}.{field.column}"


def test_history_spans_the_months_and_the_services_can_write_after_it(generated):
    months = {(c.received_at.year, c.received_at.month) for c in generated}
    assert len(months) >= 23
    older = generated.filter(received_at__lt=dt.datetime.now(dt.UTC) - dt.timedelta(days=365)).count()
    assert 0.2 < older / generated.count() < 0.5  # later months carry more cases than earlier ones
    statuses = set(generated.values_list("status", flat=True))
    assert {Status.RATED, Status.REJECTED, Status.IN_PROGRESS} <= statuses
    # The keys the command took leave the tables' sequences ready for ordinary inserts.
    community = Region.objects.filter(level=Level.COMMUNITY, code__startswith="610499").first()
    case, created = case_submit(actor=None, channel="web", kind="problem", title="路灯不亮", description="门口路灯不亮",
                                region=community, contact_phone="13800000000")
    assert created and case.pk > max(c.pk for c in generated.exclude(pk=case.pk))
    assert case.events.get().seq == 1
    # A second run adds to the same county without clashing keys or tracking codes.
    call_command("generate_load", cases=50, batch=20, streets=2, communities=2, grids=3, months=24, seed=11)
    assert Case.objects.count() == 651


def test_the_figures_have_spread(generated):
    county = Region.objects.get(code="610499")
    today = dt.date.today()
    kpis = region_kpis(county, today - dt.timedelta(days=365), today - dt.timedelta(days=30))
    for rate in (kpis.response, kpis.on_time_finish, kpis.closure, kpis.satisfaction, kpis.resolution):
        assert rate.denominator > 0 and 0 < rate.value < 1, rate
    rows = department_table(county, today - dt.timedelta(days=700), today)
    finishing = {round(row.kpis.on_time_finish.value, 2) for row in rows if row.kpis.on_time_finish.denominator}
    assert len(rows) >= 10 and len(finishing) > 3
