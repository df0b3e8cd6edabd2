"""The daily rollups never disagree with the records they sum: figures read from rollups kept by the
case services equal the figures counted live, for the county, a street, a community and each
department, over several periods and moments, after a month of real case actions."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from cases import services
from cases.models import Case, Channel, Kind, TargetGroup
from core.services import record_archive
from reports import kpis
from reports.dashboard import dashboard_for, monthly_trend
from reports.models import DailyRollup, RollupState
from reports.periods import Period
from reports.selectors import case_figures, figures_for
from reports.services import rollup_rebuild
from reports.tests.kpi_scenario import build
from tests.case_world import CaseWorld, at, frozen

pytestmark = pytest.mark.django_db

PERIODS = (
    (dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
    (dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
    (dt.date(2026, 11, 1), dt.date(2026, 11, 7)),
    (dt.date(2026, 11, 8), dt.date(2026, 11, 9)),
    (dt.date(2026, 11, 20), dt.date(2026, 12, 20)),
    (dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
)
MOMENTS = (at(2026, 11, 20, 11), at(2026, 12, 10, 9), at(2027, 1, 5, 9))


@pytest.fixture
def world(tree, users) -> CaseWorld:
    return CaseWorld(tree, users)


def _difficulty(w: CaseWorld, when: dt.datetime, region):
    with frozen(when):
        case, _ = services.case_submit(
            actor=w.staff(region), channel=Channel.PHONE, kind=Kind.DIFFICULTY, title="独居老人需要照看",
            description="老人行动不便", region=region, contact_name="居民丙", contact_phone="13900003333",
            target_group=TargetGroup.ELDERLY, reporter_user=w.users["resident"],
        )
    case = w.classify(case, when + dt.timedelta(minutes=10))
    return w.dispatch(case, when + dt.timedelta(minutes=20))


def _everything(w: CaseWorld) -> dict:
    """Every figure the rollups feed, for each region, department, period and moment."""
    t = w.tree
    regions = (t.county, t.street, t.east, t.west, t.north)
    out = {}
    for now in MOMENTS:
        for start, end in PERIODS:
            for region in regions:
                out[("region", region.code, start, end, now)] = kpis.region_kpis(region, start, end, now=now)
                out[("table", region.code, start, end, now)] = [
                    (row.organisation.pk, row.kpis) for row in kpis.department_table(region, start, end, now=now)
                ]
                figures, table = kpis.region_report(region, start, end, now=now)
                assert figures == out[("region", region.code, start, end, now)]
                rows = [(row.organisation.pk, row.kpis) for row in table]
                assert rows == out[("table", region.code, start, end, now)]
            for org in (w.dept, w.dept2, w.dept3):
                out[("dept", org.pk, start, end, now)] = kpis.department_kpis(org, start, end, now=now)
                out[("dept", org.pk, t.street.code, start, end, now)] = kpis.department_kpis(
                    org, start, end, region=t.street, now=now)
        for region in regions:
            for end in (dt.date(2026, 11, 20), dt.date(2027, 1, 31)):
                out[("trend", region.code, end, now)] = monthly_trend(region, end, now=now)
    for day in (dt.date(2026, 11, 3), dt.date(2026, 11, 30), dt.date(2026, 12, 31)):
        for region in regions:
            out[("figures", region.code, day)] = figures_for(region, day=day)
    return out


def _live(w: CaseWorld) -> dict:
    """The same figures counted from the records alone (rollups switched off for the call)."""
    state = list(RollupState.objects.all())
    RollupState.objects.all().delete()
    try:
        return _everything(w)
    finally:
        RollupState.objects.bulk_create(state)


def _rows() -> set[tuple]:
    fields = [f.name for f in DailyRollup._meta.fields if f.name != "id"]
    return set(DailyRollup.objects.values_list(*fields))


def test_rollups_kept_by_the_case_services_equal_live_figures(world):
    rollup_rebuild()  # nothing to count yet: from now on the services keep the rollups
    assert RollupState.objects.exists() and not DailyRollup.objects.exists()
    w, t = world, world.tree
    cases = build(w)
    first = _difficulty(w, at(2026, 11, 3, 9), t.west_grid1)
    first = w.accept(first, at(2026, 11, 3, 10))
    first = w.reply(first, at(2026, 11, 4, 9))
    first = w.finish(first, at(2026, 11, 4, 10), rating=None)  # closed, not rated: solved
    second = _difficulty(w, at(2026, 11, 6, 9), t.north)
    second = w.accept(second, at(2026, 11, 6, 10))
    second = w.reply(second, at(2026, 11, 7, 9))
    second = w.finish(second, at(2026, 11, 7, 10), rating="unsatisfied")  # back to its lead: not solved
    assert DailyRollup.objects.filter(difficulties_solved__gt=0).exists()

    rolled = _everything(w)
    assert rolled == _live(w)
    incremental = _rows()
    rollup_rebuild()
    assert _rows() == incremental  # a rebuild from the records writes exactly what the services kept

    # December: more moves on November's cases change November's figures; the rollups follow.
    c = w.verify(Case.objects.get(pk=cases["C"].pk), at(2026, 12, 1, 9))
    c = w.close(c, at(2026, 12, 1, 10))
    w.rate(c, at(2026, 12, 2, 9), "unsatisfied")
    second = w.reply(second, at(2026, 12, 3, 9))
    w.finish(second, at(2026, 12, 3, 10), rating="satisfied")
    with frozen(at(2026, 12, 4, 9)):
        record_archive(cases["A"], actor=None, reason="重复录入")
    late = w.dispatch(w.register(at(2026, 12, 5, 9), region=t.north), at(2026, 12, 5, 10), lead=w.dept3)
    w.accept(late, at(2026, 12, 5, 20), w.dept3)

    rolled = _everything(w)
    live = _live(w)
    assert rolled == live
    november = live[("region", t.county.code, dt.date(2026, 11, 1), dt.date(2026, 11, 30), MOMENTS[1])]
    assert november.closure.denominator and november.satisfaction.denominator  # real figures were compared
    incremental = _rows()
    rollup_rebuild()
    assert _rows() == incremental


def test_the_dashboard_reads_the_same_figures_from_rollups(world):
    w = world
    build(w)
    period = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    now = at(2026, 12, 10, 9)
    live = {region.code: dashboard_for(region, period, now=now).as_dict()
            for region in (w.tree.county, w.tree.street, w.tree.east)}
    rollup_rebuild()
    for region in (w.tree.county, w.tree.street, w.tree.east):
        assert dashboard_for(region, period, now=now).as_dict() == live[region.code]
    assert case_figures(w.tree.county, day=dt.date(2026, 12, 1)) == _live_case_figures(w)


def _live_case_figures(w: CaseWorld) -> dict:
    RollupState.objects.all().delete()
    return case_figures(w.tree.county, day=dt.date(2026, 12, 1))


def test_a_range_rebuild_needs_a_full_one_first(world):
    with pytest.raises(ValueError):
        rollup_rebuild(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    build(world)
    rollup_rebuild()
    before = _rows()
    assert rollup_rebuild(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30)).rows > 0
    assert _rows() == before


def test_a_first_build_counts_a_week_at_a_time_and_keeps_what_moves_meanwhile(world, monkeypatch):
    from reports import services as rollup_services

    cases = build(world)
    chunks: list[tuple[dt.date, dt.date]] = []
    recount = rollup_services._recount_days

    def recount_then_move(first: dt.date, last: dt.date) -> int:
        written = recount(first, last)
        chunks.append((first, last))
        if len(chunks) == 1:
            # Half-built rollups are not read: the figures stay live until the build ends.
            assert not kpis.rollups_ready() and not RollupState.objects.get().ready
            # Case A lies wholly in the week just counted; archiving it must reach that week's rows.
            with frozen(at(2026, 12, 4, 9)):
                record_archive(Case.objects.get(pk=cases["A"].pk), actor=None, reason="重复录入")
        return written

    monkeypatch.setattr(rollup_services, "_recount_days", recount_then_move)
    result = rollup_services.rollup_rebuild()
    assert chunks[0] == (dt.date(2026, 10, 30), dt.date(2026, 11, 5))  # from the first record, a week each
    assert result.chunks == len(chunks) > 1 and all((last - first).days < 7 for first, last in chunks)
    assert kpis.rollups_ready()
    assert _everything(world) == _live(world)
    kept = _rows()
    monkeypatch.setattr(rollup_services, "_recount_days", recount)
    rollup_rebuild()
    assert _rows() == kept


@pytest.mark.django_db(transaction=True)
def test_a_case_moves_while_a_rebuild_is_half_way(world, monkeypatch):
    """The rebuild holds its lock a week at a time: a case action between two weeks does not wait."""
    from django.db import connection

    from reports import services as rollup_services

    if connection.vendor != "postgresql":
        pytest.skip("the rebuild's lock is a PostgreSQL advisory lock; SQLite has one writer at a time")
    cases = build(world)
    rollup_rebuild()
    between, resume = threading.Event(), threading.Event()
    recount, failures = rollup_services._recount_days, []

    def recount_then_pause(first: dt.date, last: dt.date) -> int:
        written = recount(first, last)
        if not between.is_set():
            between.set()
            resume.wait(30)
        return written

    def rebuild() -> None:
        try:
            rollup_services.rollup_rebuild()
        except Exception as exc:  # noqa: BLE001 - reported to the test thread below
            failures.append(exc)
        finally:
            connection.close()

    monkeypatch.setattr(rollup_services, "_recount_days", recount_then_pause)
    thread = threading.Thread(target=rebuild)
    thread.start()
    try:
        assert between.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # a wait for the rebuild fails instead of hanging
        try:
            with frozen(at(2026, 12, 4, 9)):
                record_archive(Case.objects.get(pk=cases["A"].pk), actor=None, reason="重复录入")
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    finally:
        resume.set()
        thread.join(60)
    assert not failures
    assert _everything(world) == _live(world)
