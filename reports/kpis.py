"""Key figures of case handling per department, community, street or county and period (see docs/kpis.md).

Every figure is counted in the database from the case records: the event log (报到 on time or not,
立案, 结案), the assignments' clocks (which the case services write in the same transaction as the
events), the ratings and the whistle summons. One set of figures takes four queries (assignments,
events, ratings, summons) whatever the number of cases; the department league table takes five.

Periods are given as dates, both included, in Beijing time; `now` (the present by default) decides
which clocks are still running: a deadline that has not yet passed counts neither for nor against.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import (
    Avg,
    BooleanField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models import Case as Switch
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import REGION_STAFF_ROLES, Role, User
from cases.models import Assignment, AssignmentRole, CaseEvent, Rating, RatingResult, WhistleSummons
from cases.workflow import HANDLING_STATUSES, SOLVED_STATUSES, Status
from organisations.models import Organisation
from regions.models import Region
from regions.selectors import regions_visible_to, scope_root, sees_everything, subtree_q

from .models import DailyRollup, RollupState
from .periods import Period
from .rollup_cells import CELL_LENGTH, ROLLUP_COUNTERS

POSITIVE_RESULTS = (RatingResult.SATISFIED, RatingResult.BASICALLY_SATISFIED)
LEAD_LIVE = dict(role=AssignmentRole.LEAD, status__in=Assignment.LIVE)


@dataclass(frozen=True)
class Rate:
    """A share: `numerator` of `denominator` (no value when nothing was counted)."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> str:
        return "—" if self.value is None else f"{self.value * 100:.1f}%"


@dataclass(frozen=True)
class Kpis:
    """The key figures of one department or region over one period."""

    response: Rate           # 响应率
    on_time_finish: Rate     # 按期办结率
    closure: Rate            # 结案率
    resolution: Rate         # 解决率
    satisfaction: Rate       # 满意率
    rework: Rate             # 返工率
    avg_handling_hours: float | None  # 平均办理时长（小时）
    lead_replies: int        # the lead replies the average is taken over
    whistle_score: float | None       # 吹哨报到平均评分
    whistle_scored: int      # the scores it is taken over
    whistle_on_time: Rate    # 吹哨报到按时率
    satisfied_only: int = 0  # ratings of 满意 alone (the rest of the positive ones are 基本满意)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API: each rate as {numerator, denominator, value}."""
        data = asdict(self)
        for name, value in vars(self).items():
            if isinstance(value, Rate):
                data[name] = {"numerator": value.numerator, "denominator": value.denominator, "value": value.value}
        return data


@dataclass(frozen=True)
class KpiDef:
    key: str
    label: str
    explanation: str


KPI_DEFS: tuple[KpiDef, ...] = (
    KpiDef("response", "响应率", "期内派遣、报到期限已到的派遣中，按时报到接收或按时退回的比例"),
    KpiDef("on_time_finish", "按期办结率",
           "期内答复的派遣与期内到期仍未答复的派遣中，每次答复都在办结期限（含批准的延期）内的比例"),
    KpiDef("closure", "结案率", "期内立案的事项中，目前已结案或已评价的比例"),
    KpiDef("resolution", "解决率", "期内最后一次评价的事项中，最终评价为满意或基本满意的比例"),
    KpiDef("satisfaction", "满意率", "期内全部评价中，满意与基本满意的比例"),
    KpiDef("rework", "返工率", "期内结案的事项中，曾经返工的比例"),
    KpiDef("avg_handling_hours", "平均办理时长", "主办单位从派遣到答复的平均小时数（期内答复的）"),
    KpiDef("whistle_on_time", "吹哨报到按时率", "期内吹哨召集、报到期限已到的部门中，按时报到的比例"),
    KpiDef("whistle_score", "吹哨报到评分", "期内社区对报到部门评分（1–5 分）的平均值"),
)
KPI_LABELS: dict[str, str] = {d.key: d.label for d in KPI_DEFS}


@dataclass(frozen=True)
class DepartmentRow:
    organisation: Organisation
    kpis: Kpis


@dataclass(frozen=True)
class _Scope:
    """What to count: one department's work (optionally only within a region), or all work in a region."""

    organisation_id: int | None = None
    region: Region | None = None
    by_organisation: bool = False


def _period(start: dt.date, end: dt.date) -> Period:
    return Period(start, end)


def _in(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start_at, f"{field}__lt": period.end_at})


def _grouped(qs: QuerySet, group: str | None, aggregates: dict) -> dict[Any, dict]:
    """`aggregates` over `qs`, as {None: figures}, or per value of `group` when it is given."""
    qs = qs.order_by()
    if group is None:
        return {None: qs.aggregate(**aggregates)}
    return {row.pop(group): row for row in qs.values(group).annotate(**aggregates)}


# --------------------------------------------------------------------------------------------------
# The four counts
# --------------------------------------------------------------------------------------------------


def assignment_flags(qs: QuerySet[Assignment], *, now: dt.datetime) -> QuerySet[Assignment]:
    """`qs` with `responded` (reported in on time, or returned by the report-in deadline),
    `ever_replied_late` and `judged` (the response clock has run out or was met; a clock still running at
    `now`, or one the body was relieved of before it ran out, is not judged)."""
    # An assignment's events come after its dispatch; saying so keeps each look-up a probe of a small
    # partial index (cases/migrations/0003) instead of a hash of every accept event in the history.
    own_events = CaseEvent.objects.filter(assignment=OuterRef("pk"), created_at__gte=OuterRef("dispatched_at"))
    return qs.annotate(
        accepted_on_time=Exists(own_events.filter(action="accept", data__on_time=True)),
        ever_replied_late=Exists(own_events.filter(action="reply", data__on_time=False)),
    ).annotate(
        responded=Switch(
            When(Q(accepted_on_time=True) | Q(returned_at__lte=F("report_in_due")), then=Value(True)),
            default=Value(False), output_field=BooleanField(),
        ),
    ).annotate(
        judged=Switch(
            When(responded=True, then=Value(True)),
            When(status=Assignment.Status.PENDING, report_in_due__gt=now, then=Value(False)),
            When(status=Assignment.Status.WITHDRAWN, withdrawn_at__lte=F("report_in_due"), then=Value(False)),
            default=Value(True), output_field=BooleanField(),
        ),
    )


def _assignment_figures(scope: _Scope, period: Period, now: dt.datetime) -> dict[Any, dict]:
    """响应率, 按期办结率 and the handling time, from the assignments and their 报到 events.

    Only assignments dispatched, replied or due in the period are read (indexed columns).
    """
    qs = _scoped_assignments(scope)
    due_by = min(period.end_at, now)
    overdue = Q(
        status__in=Assignment.ACTIVE, case__status__in=HANDLING_STATUSES,
        finish_due__gte=period.start_at, finish_due__lt=due_by,
    )
    group = "organisation_id" if scope.by_organisation else None
    dispatched = _in("dispatched_at", period)
    # A WHERE the planner can answer from the three indexes, so a period reads its own rows only.
    qs = qs.filter(dispatched | _in("replied_at", period) | Q(finish_due__gte=period.start_at, finish_due__lt=due_by))
    qs = assignment_flags(qs, now=now)
    dispatched &= Q(judged=True)
    replied = Q(status=Assignment.Status.REPLIED) & _in("replied_at", period)
    lead_replied = replied & Q(role=AssignmentRole.LEAD)
    handling = ExpressionWrapper(F("replied_at") - F("dispatched_at"), output_field=DurationField())
    return _grouped(qs, group, dict(
        response_total=Count("pk", filter=dispatched),
        response_met=Count("pk", filter=dispatched & Q(responded=True)),
        finish_total=Count("pk", filter=replied | overdue),
        finish_met=Count("pk", filter=replied & Q(replied_at__lte=F("finish_due"), ever_replied_late=False)),
        lead_replies=Count("pk", filter=lead_replied),
        handling_time=Avg(handling, filter=lead_replied),
    ))


def _scoped_assignments(scope: _Scope) -> QuerySet[Assignment]:
    qs = Assignment.objects.filter(case__archived_at__isnull=True)
    if scope.organisation_id is not None:
        qs = qs.filter(organisation_id=scope.organisation_id)
    elif scope.by_organisation:
        qs = qs.filter(organisation__isnull=False)
    if scope.region is not None:
        qs = qs.filter(subtree_q(scope.region, "case__region__"))
    return qs


RUNNING_NAMES = ("response_total", "response_met", "finish_total")
# The response outcome of an assignment still waiting to report in (`_running`).
_RESPONSE_MISSED, _RESPONSE_MET = 1, 2


@dataclass(frozen=True)
class RunningCounts:
    """The assignment figures that depend on `now`, counted live once for several periods: the
    assignments still waiting to report in (响应率) and the unreplied ones past their finish deadline
    (按期办结率), per organisation id (None: assignments to no organisation).

    `rows` holds (organisation id, dispatch slot, overdue slot, response outcome, assignments), a slot
    being the index of the span between two consecutive `edges` (None: in no slot)."""

    edges: tuple[dt.datetime, ...]
    rows: tuple[tuple[Any, int | None, int | None, int | None, int], ...]

    def of(self, period: Period) -> dict[Any, dict[str, int]]:
        """The counts of `period` (one of the periods counted) per organisation id."""
        first, last = self.edges.index(period.start_at), self.edges.index(period.end_at)
        result: dict[Any, dict[str, int]] = {}
        for org, dispatched, overdue, outcome, n in self.rows:
            counts = result.setdefault(org, dict.fromkeys(RUNNING_NAMES, 0))
            if dispatched is not None and first <= dispatched < last and outcome:
                counts["response_total"] += n
                if outcome == _RESPONSE_MET:
                    counts["response_met"] += n
            if overdue is not None and first <= overdue < last:
                counts["finish_total"] += n
        return result

    def whole(self, period: Period) -> dict[str, int]:
        """The counts of `period` over every assignment, whoever it went to."""
        parts = self.of(period).values()
        return {name: sum(part[name] for part in parts) for name in RUNNING_NAMES}


def _slot(field: str, edges: list[dt.datetime], condition: Q) -> Switch:
    """The index of the span of `edges` that `field` falls in, where `condition` holds (else NULL)."""
    return Switch(*[
        When(condition & Q(**{f"{field}__gte": low, f"{field}__lt": high}), then=Value(index))
        for index, (low, high) in enumerate(zip(edges, edges[1:], strict=False))
    ], default=None, output_field=IntegerField())


def _running(scope: _Scope, spans: list[Period], now: dt.datetime) -> RunningCounts:
    """What depends on `now` for each of `spans`, in one query grouped by organisation: assignments
    still waiting to report in (counted once their deadline passed or they responded) and unreplied ones
    past their finish deadline; the daily rollups hold the rest. Each row's 报到 look-up runs once
    whatever the number of spans, as the query groups by its outcome instead of filtering on it."""
    edges = sorted({moment for span in spans for moment in (span.start_at, span.end_at)})
    start, end = edges[0], edges[-1]
    pending = Q(status=Assignment.Status.PENDING)
    # Conditions on the assignment's own indexed columns only, so the planner can combine two indexes.
    qs = _scoped_assignments(scope).filter(
        (pending & Q(dispatched_at__gte=start, dispatched_at__lt=end))
        | Q(status__in=Assignment.ACTIVE, finish_due__gte=start, finish_due__lt=min(end, now))
    )
    overdue = Q(status__in=Assignment.ACTIVE, case__status__in=HANDLING_STATUSES, finish_due__lt=now)
    rows = assignment_flags(qs, now=now).annotate(
        dispatched_slot=_slot("dispatched_at", edges, pending),
        overdue_slot=_slot("finish_due", edges, overdue),
        # `judged` of assignment_flags for a pending assignment, with its 报到 look-up made once.
        outcome=Switch(
            When(~pending, then=Value(None)),
            When(responded=True, then=Value(_RESPONSE_MET)),
            When(report_in_due__gt=now, then=Value(None)),
            default=Value(_RESPONSE_MISSED), output_field=IntegerField(),
        ),
    ).values_list("organisation_id", "dispatched_slot", "overdue_slot", "outcome").annotate(n=Count("pk")).order_by()
    return RunningCounts(edges=tuple(edges), rows=tuple(rows))


def running_counts(region: Region, spans: list[Period], *, now: dt.datetime | None = None) -> RunningCounts | None:
    """The live part of the figures of `region` for each of `spans` in one query, for `region_report` and
    `monthly_rates` to share; None when those do not read the daily rollups (nothing to share)."""
    if not spans or not _can_roll_up(region):
        return None
    return _running(_Scope(region=region), spans, now or timezone.now())


def _lead_filter(scope: _Scope, prefix: str) -> Q:
    """Rows whose case is led by the scope's department (or by any organisation, for the league table)."""
    q = Q(**{f"{prefix}assignments__{name}": value for name, value in LEAD_LIVE.items()})
    if scope.organisation_id is not None:
        return q & Q(**{f"{prefix}assignments__organisation_id": scope.organisation_id})
    return q & Q(**{f"{prefix}assignments__organisation__isnull": False})


def _case_figures(scope: _Scope, period: Period) -> dict[Any, dict]:
    """结案率 and 返工率, from the 立案 and 结案 events in the period."""
    conditions = Q(action__in=("classify", "close"), case__archived_at__isnull=True) & _in("created_at", period)
    if scope.region is not None:
        conditions &= subtree_q(scope.region, "case__region__")
    if scope.organisation_id is not None or scope.by_organisation:
        conditions &= _lead_filter(scope, "case__")
    # One filter() call, so the lead condition and the grouping use the same assignment row.
    qs = CaseEvent.objects.filter(conditions)
    registered = Q(action="classify")
    closed = Q(action="close")
    return _grouped(qs, "case__assignments__organisation" if scope.by_organisation else None, dict(
        registered=Count("case", distinct=True, filter=registered & ~Q(case__status=Status.MERGED)),
        registered_closed=Count("case", distinct=True, filter=registered & Q(case__status__in=SOLVED_STATUSES)),
        closed=Count("case", distinct=True, filter=closed),
        closed_reworked=Count("case", distinct=True, filter=closed & Q(case__rework_count__gt=0)),
    ))


def _rating_figures(scope: _Scope, period: Period) -> dict[Any, dict]:
    """满意率 (every rating) and 解决率 (each case's latest rating), from the ratings in the period."""
    conditions = Q(case__archived_at__isnull=True) & _in("rated_at", period)
    if scope.region is not None:
        conditions &= subtree_q(scope.region, "case__region__")
    if scope.organisation_id is not None or scope.by_organisation:
        conditions &= _lead_filter(scope, "case__")
    later = Rating.objects.filter(case=OuterRef("case"), pk__gt=OuterRef("pk"))
    qs = Rating.objects.filter(conditions).annotate(latest=~Exists(later))
    latest = Q(latest=True)
    return _grouped(qs, "case__assignments__organisation" if scope.by_organisation else None, dict(
        ratings=Count("pk", distinct=True),
        positive=Count("pk", distinct=True, filter=Q(result__in=POSITIVE_RESULTS)),
        satisfied=Count("pk", distinct=True, filter=Q(result=RatingResult.SATISFIED)),
        rated_cases=Count("case", distinct=True, filter=latest),
        resolved_cases=Count("case", distinct=True, filter=latest & Q(result__in=POSITIVE_RESULTS)),
    ))


def _summons_figures(scope: _Scope, period: Period, now: dt.datetime) -> dict[Any, dict]:
    """吹哨报到按时率 and 评分, from the summons of whistles blown (and scores given) in the period."""
    qs = WhistleSummons.objects.filter(whistle__case__archived_at__isnull=True)
    if scope.organisation_id is not None:
        qs = qs.filter(organisation_id=scope.organisation_id)
    if scope.region is not None:
        qs = qs.filter(subtree_q(scope.region, "whistle__case__region__"))
    qs = qs.filter(_in("whistle__blown_at", period) | _in("scored_at", period)).annotate(judged=Switch(
        When(reported_at__isnull=False, then=Value(True)),
        When(report_in_due__gt=now, then=Value(False)),
        default=Value(True), output_field=BooleanField(),
    ))
    blown = _in("whistle__blown_at", period) & Q(judged=True)
    scored = _in("scored_at", period) & Q(score__isnull=False)
    return _grouped(qs, "organisation_id" if scope.by_organisation else None, dict(
        summons_total=Count("pk", filter=blown),
        summons_met=Count("pk", filter=blown & Q(reported_at__lte=F("report_in_due"))),
        scored=Count("pk", filter=scored),
        score_avg=Avg("score", filter=scored),
    ))


# --------------------------------------------------------------------------------------------------
# Putting the counts together
# --------------------------------------------------------------------------------------------------


def _hours(value: dt.timedelta | float | None) -> float | None:
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else float(value) / 1_000_000
    return round(seconds / 3600, 1)


def _kpis(a: dict | None, c: dict | None, r: dict | None, s: dict | None) -> Kpis:
    a, c, r, s = a or {}, c or {}, r or {}, s or {}

    def n(source: dict, key: str) -> int:
        return int(source.get(key) or 0)

    score = s.get("score_avg")
    return Kpis(
        response=Rate(n(a, "response_met"), n(a, "response_total")),
        on_time_finish=Rate(n(a, "finish_met"), n(a, "finish_total")),
        closure=Rate(n(c, "registered_closed"), n(c, "registered")),
        resolution=Rate(n(r, "resolved_cases"), n(r, "rated_cases")),
        satisfaction=Rate(n(r, "positive"), n(r, "ratings")),
        rework=Rate(n(c, "closed_reworked"), n(c, "closed")),
        avg_handling_hours=_hours(a.get("handling_time")),
        lead_replies=n(a, "lead_replies"),
        whistle_score=round(float(score), 2) if score is not None else None,
        whistle_scored=n(s, "scored"),
        whistle_on_time=Rate(n(s, "summons_met"), n(s, "summons_total")),
        satisfied_only=n(r, "satisfied"),
    )


def rollups_ready() -> bool:
    """Whether the daily rollups have been built in full (`rollup_rebuild`) and are kept by the case services."""
    return RollupState.objects.filter(ready=True).exists()


def _rollup_sums(scope: _Scope, period: Period, *, every_organisation: bool = False) -> dict[Any, dict]:
    """Sums of the rollup counters of `scope` over `period` (one query); with `every_organisation`, per
    organisation id, 0 holding all work in the region."""
    qs = DailyRollup.objects.filter(day__gte=period.start, day__lte=period.end, prev_day__lt=period.start)
    if scope.organisation_id is not None:
        qs = qs.filter(organisation_id=scope.organisation_id)
    elif every_organisation:
        pass  # every row: 0 for the region, one id per organisation
    elif scope.by_organisation:
        qs = qs.filter(organisation_id__gt=0)
    else:
        qs = qs.filter(organisation_id=0)
    if scope.region is not None:
        qs = qs.filter(region_code__gte=scope.region.code, region_code__lt=scope.region.subtree_upper_bound)
    group = "organisation_id" if every_organisation or scope.by_organisation else None
    return _grouped(qs, group, {name: Sum(name) for name in ROLLUP_COUNTERS})


def _from_rollup(r: dict | None, live: dict | None) -> tuple[dict, dict, dict]:
    """The assignment, case and rating figures from rollup sums `r` and the running assignments `live`."""
    r, live = r or {}, live or {}

    def n(source: dict, name: str) -> int:
        return int(source.get(name) or 0)

    replies = n(r, "lead_replies")
    assignments = {
        "response_total": n(r, "response_total") + n(live, "response_total"),
        "response_met": n(r, "response_met") + n(live, "response_met"),
        "finish_total": n(r, "finish_replied") + n(live, "finish_total"),
        "finish_met": n(r, "finish_met"),
        "lead_replies": replies,
        "handling_time": dt.timedelta(microseconds=n(r, "handling_us") / replies) if replies else None,
    }
    cases = {name: n(r, name) for name in ("registered", "registered_closed", "closed", "closed_reworked")}
    ratings = {name: n(r, name) for name in ("ratings", "positive", "satisfied", "rated_cases", "resolved_cases")}
    return assignments, cases, ratings


def _rolled_up(scope: _Scope, period: Period, now: dt.datetime) -> tuple[dict, dict, dict]:
    """The assignment, case and rating figures of `scope` from the daily rollups, plus the assignment
    figures that depend on `now`, counted live (two queries)."""
    summed = _rollup_sums(scope, period)
    running = _running(scope, [period], now).of(period)
    if not scope.by_organisation:
        running = {None: {name: sum(part[name] for part in running.values()) for name in RUNNING_NAMES}}
    assignments, cases, ratings = {}, {}, {}
    for key in set(summed) | set(running):
        assignments[key], cases[key], ratings[key] = _from_rollup(summed.get(key), running.get(key))
    return assignments, cases, ratings


def _can_roll_up(region: Region | None) -> bool:
    return (region is None or len(region.code) <= CELL_LENGTH) and rollups_ready()


def monthly_rates(
    region: Region, months: list[Period], *, now: dt.datetime | None = None, running: RunningCounts | None = None,
) -> list[dict[str, Rate]] | None:
    """The case-handling rates of `region` for each of `months` (consecutive calendar months, the last one
    possibly cut short), the same as `region_kpis` of each month gives, in two queries from the daily
    rollups (one with `running`, the live counts of `running_counts` for these months); None when the
    rollups cannot answer (not built, or a region below community level)."""
    # `running` comes from `running_counts`, which answers only when the rollups are built.
    if not months or len(region.code) > CELL_LENGTH or (running is None and not rollups_ready()):
        return None
    now = now or timezone.now()
    first, last = months[0], months[-1]
    rows = DailyRollup.objects.filter(
        organisation_id=0, day__gte=first.start, day__lte=last.end, prev_day__lt=TruncMonth("day"),
        region_code__gte=region.code, region_code__lt=region.subtree_upper_bound,
    ).annotate(month=TruncMonth("day")).values("month").annotate(
        **{name: Sum(name) for name in ROLLUP_COUNTERS}
    ).order_by()
    summed = {row.pop("month"): row for row in rows}
    if running is None:
        running = _running(_Scope(region=region), months, now)
    result = []
    for month in months:
        r = summed.get(month.start) or {}
        live = running.whole(month)

        def n(name: str, source: dict = r) -> int:
            return int(source.get(name) or 0)

        result.append({
            "response": Rate(n("response_met") + live["response_met"], n("response_total") + live["response_total"]),
            "on_time_finish": Rate(n("finish_met"), n("finish_replied") + live["finish_total"]),
            "closure": Rate(n("registered_closed"), n("registered")),
            "resolution": Rate(n("resolved_cases"), n("rated_cases")),
            "satisfaction": Rate(n("positive"), n("ratings")),
            "rework": Rate(n("closed_reworked"), n("closed")),
        })
    return result


def _compute(scope: _Scope, period: Period, now: dt.datetime | None) -> dict[Any, Kpis]:
    now = now or timezone.now()
    # The rollups hold places down to communities; a grid's figures are counted live (few rows).
    if _can_roll_up(scope.region):
        parts = (*_rolled_up(scope, period, now), _summons_figures(scope, period, now))
    else:
        parts = (
            _assignment_figures(scope, period, now), _case_figures(scope, period),
            _rating_figures(scope, period), _summons_figures(scope, period, now),
        )
    if not scope.by_organisation:
        return {None: _kpis(*(part.get(None) for part in parts))}
    keys = set().union(*parts) - {None}
    return {key: _kpis(*(part.get(key) for part in parts)) for key in keys}


def department_kpis(
    organisation: Organisation, start: dt.date, end: dt.date, *, region: Region | None = None,
    now: dt.datetime | None = None,
) -> Kpis:
    """The key figures of `organisation`'s work from `start` to `end` (both included).

    With `region`, only its work on cases in that region's subtree counts (what a street or a
    community sees of a county department). Case figures (结案率, 返工率, 解决率, 满意率) count the
    cases it leads; the others count each of its assignments, lead or assisting, and its summons.
    """
    scope = _Scope(organisation_id=organisation.pk, region=region)
    return _compute(scope, _period(start, end), now)[None]


def region_kpis(region: Region, start: dt.date, end: dt.date, *, now: dt.datetime | None = None) -> Kpis:
    """The key figures of every case in `region`'s subtree from `start` to `end` (both included)."""
    return _compute(_Scope(region=region), _period(start, end), now)[None]


def _has_activity(kpis: Kpis) -> bool:
    rates = (kpis.response, kpis.on_time_finish, kpis.closure, kpis.satisfaction, kpis.rework, kpis.whistle_on_time)
    return any(rate.denominator for rate in rates) or kpis.lead_replies > 0 or kpis.whistle_scored > 0


def _rank(row: DepartmentRow) -> tuple:
    def desc(rate: Rate) -> float:
        return -rate.value if rate.value is not None else 1.0

    k = row.kpis
    return (desc(k.on_time_finish), desc(k.response), desc(k.satisfaction), row.organisation.name)


def department_table(
    region: Region, start: dt.date, end: dt.date, *, now: dt.datetime | None = None
) -> list[DepartmentRow]:
    """One row per organisation with work on cases in `region`'s subtree in the period (the league table).

    Each row holds `department_kpis(organisation, start, end, region=region)`, all rows computed in
    five queries. Ordered by 按期办结率, then 响应率, then 满意率 (best first; no figure last), then name.
    """
    return _table_rows(_compute(_Scope(region=region, by_organisation=True), _period(start, end), now))


def _table_rows(by_org: dict[Any, Kpis]) -> list[DepartmentRow]:
    active = {pk: kpis for pk, kpis in by_org.items() if _has_activity(kpis)}
    organisations = Organisation.objects.in_bulk(list(active))
    rows = [DepartmentRow(organisations[pk], kpis) for pk, kpis in active.items() if pk in organisations]
    return sorted(rows, key=_rank)


def region_report(
    region: Region, start: dt.date, end: dt.date, *, now: dt.datetime | None = None,
    running: RunningCounts | None = None,
) -> tuple[Kpis, list[DepartmentRow]]:
    """`region_kpis` and `department_table` of `region` together. From the daily rollups they share their
    rollup and running-assignment queries (six queries in all instead of nine; five with `running`, the
    live counts of `running_counts` for a list of periods that includes this one)."""
    now = now or timezone.now()
    if running is None and not _can_roll_up(region):
        return region_kpis(region, start, end, now=now), department_table(region, start, end, now=now)
    period = _period(start, end)
    scope = _Scope(region=region)
    summed = _rollup_sums(scope, period, every_organisation=True)
    counted = running if running is not None else _running(scope, [period], now)
    # Counts add up: the region's running figures are the sum over every body (None: not an organisation).
    running = counted.of(period)
    whole = counted.whole(period)
    summons = _summons_figures(scope, period, now)
    summons_by_org = _summons_figures(_Scope(region=region, by_organisation=True), period, now)
    kpis = _kpis(*_from_rollup(summed.get(0), whole), summons.get(None))
    keys = ({key for key in summed if key} | {key for key in running if key is not None}) | set(summons_by_org)
    by_org = {key: _kpis(*_from_rollup(summed.get(key), running.get(key)), summons_by_org.get(key))
              for key in keys - {None, 0}}
    return kpis, _table_rows(by_org)


# --------------------------------------------------------------------------------------------------
# Who may see which figures
# --------------------------------------------------------------------------------------------------


def kpi_region_for(user: User, code: str | None) -> Region | None:
    """The region whose figures `user` asked for (`code`, or the top of their scope), if they may see it.

    Region staff (county, street, community, grid) and unrestricted administrators only; None for
    everyone else and for regions out of scope (callers answer 404).
    """
    if not getattr(user, "is_authenticated", False):
        return None
    if not sees_everything(user) and user.role not in REGION_STAFF_ROLES:
        return None
    visible = regions_visible_to(user)
    if code:
        return visible.filter(code=code).first()
    root = scope_root(user)
    if root is not None:
        return visible.filter(pk=root.pk).first()
    return visible.filter(parent__isnull=True).order_by("code").first()


def _works_in(organisation: Organisation, region: Region) -> bool:
    return (
        Assignment.objects.filter(subtree_q(region, "case__region__"), organisation=organisation).exists()
        or WhistleSummons.objects.filter(subtree_q(region, "whistle__case__region__"), organisation=organisation)
        .exists()
    )


def kpi_department_for(
    user: User, pk: int, *, region_code: str | None = None
) -> tuple[Organisation, Region | None] | None:
    """The department `user` may see the figures of, and the region they are limited to (None: all).

    - a department handler sees their own organisation, in full;
    - region staff see a department that has assignments or summons in their scope, limited to it;
    - an unrestricted administrator sees any, in full.
    `region_code` narrows the figures to a region the user may see. None when not allowed (404).
    """
    if not getattr(user, "is_authenticated", False):
        return None
    organisation = Organisation.objects.filter(pk=pk).select_related("region").first()
    if organisation is None:
        return None
    if sees_everything(user) or (user.role == Role.DEPARTMENT_HANDLER and user.organisation_id == organisation.pk):
        limit = None
    elif user.role in REGION_STAFF_ROLES:
        limit = scope_root(user)
        if limit is None or not _works_in(organisation, limit):
            return None
    else:
        return None
    if region_code:
        narrowed = regions_visible_to(user).filter(code=region_code).first()
        if narrowed is None or (limit is not None and not limit.contains(narrowed)):
            return None
        limit = narrowed
    return organisation, limit
