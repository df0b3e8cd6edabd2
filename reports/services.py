"""Writes of the reports app: the daily rollups of the key figures (reports/models.py).

`rollup_rebuild` counts every row of `DailyRollup` from the case records; from then on
`rollup_refresh_case` recounts, in the transaction of each case service call (through the
`cases.signals.case_written` receiver), every (day, place) cell the case has ever counted in, so
the rollups always agree with the records they sum. What depends on the present moment (an
assignment still waiting to report in, a finish deadline passing) is never rolled up: the key
figures count it live (reports/kpis.py).
"""

from __future__ import annotations

import datetime as dt
import time
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone

from cases.models import Assignment, AssignmentRole, Case, CaseEvent, Kind, Rating, RatingResult
from cases.workflow import SOLVED_STATUSES, Status

from .models import NO_PREVIOUS_DAY, DailyRollup, RollupState
from .rollup_cells import CELL_LENGTH
from .rollup_cells import ROLLUP_COUNTERS as COUNTERS

POSITIVE_RESULTS = (RatingResult.SATISFIED, RatingResult.BASICALLY_SATISFIED)
# Advisory lock keys (PostgreSQL): a full rebuild excludes every cell refresh.
_REBUILD_LOCK = 0x67_6F_6E_67

Key = tuple[dt.date, str, int, dt.date]


def cell_of(code: str) -> str:
    """The rollup place of a case filed on region `code`: its community (or the region itself above)."""
    return code[:CELL_LENGTH]


def _local_day(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()


def _day(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=timezone.get_current_timezone())


def _cell(prefix: str) -> Substr:
    return Substr(f"{prefix}region__code", 1, CELL_LENGTH)


def _in_days(field: str, days: Iterable[dt.date] | None) -> Q:
    """Rows whose `field` falls on one of `days` (every row when `days` is None), one range per run of
    consecutive days."""
    if days is None:
        return Q()
    q = Q(pk__in=[])
    tz = timezone.get_current_timezone()
    ordered = sorted(set(days))
    runs: list[list[dt.date]] = []
    for day in ordered:
        if runs and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    for first, last in runs:
        q |= Q(**{
            f"{field}__gte": dt.datetime.combine(first, dt.time.min, tzinfo=tz),
            f"{field}__lt": dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
        })
    return q


def _in_cell(prefix: str, cell: str | None) -> Q:
    """Rows on cases in rollup place `cell` (every row when `cell` is None)."""
    if cell is None:
        return Q()
    field = f"{prefix}region__code"
    if len(cell) == CELL_LENGTH:
        return Q(**{f"{field}__gte": cell, f"{field}__lt": cell + ":"})
    return Q(**{field: cell})


def _microseconds(value) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.timedelta):
        return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    return int(value)


def _add(rows: dict[Key, dict[str, int]], key: Key, values: dict) -> None:
    row = rows[key]
    for name, value in values.items():
        row[name] += int(value or 0)


def _assignments(cell: str | None, days: set[dt.date] | None, rows: dict[Key, dict[str, int]]) -> None:
    """响应率 (dispatch day) and 按期办结率 / handling time (reply day) of the assignments whose clocks
    have settled: an assignment still waiting to report in is counted live."""
    from .kpis import assignment_flags

    base = assignment_flags(
        Assignment.objects.filter(_in_cell("case__", cell), case__archived_at__isnull=True),
        now=timezone.now(),
    ).order_by()
    dispatched = base.exclude(status=Assignment.Status.PENDING).filter(_in_days("dispatched_at", days)).values(
        day=_day("dispatched_at"), cell=_cell("case__"), org=F("organisation_id"),
    ).annotate(
        response_total=Count("pk", filter=Q(judged=True)),
        response_met=Count("pk", filter=Q(judged=True, responded=True)),
    )
    lead = Q(role=AssignmentRole.LEAD)
    handling = ExpressionWrapper(F("replied_at") - F("dispatched_at"), output_field=DurationField())
    replied = base.filter(Q(status=Assignment.Status.REPLIED) & _in_days("replied_at", days)).values(
        day=_day("replied_at"), cell=_cell("case__"), org=F("organisation_id"),
    ).annotate(
        finish_replied=Count("pk"),
        finish_met=Count("pk", filter=Q(replied_at__lte=F("finish_due"), ever_replied_late=False)),
        lead_replies=Count("pk", filter=lead),
        handling=Sum(handling, filter=lead),
    )
    for source in (dispatched, replied):
        for row in source:
            day, place, org = row.pop("day"), row.pop("cell"), row.pop("org")
            if "handling" in row:
                row["handling_us"] = _microseconds(row.pop("handling"))
            _add(rows, (day, place, 0, NO_PREVIOUS_DAY), row)
            if org is not None:
                _add(rows, (day, place, org, NO_PREVIOUS_DAY), row)


def _led(prefix: str) -> dict:
    """The lead condition of reports.kpis._lead_filter, for the league table's rows."""
    return {f"{prefix}assignments__role": AssignmentRole.LEAD,
            f"{prefix}assignments__status__in": Assignment.LIVE,
            f"{prefix}assignments__organisation__isnull": False}


def _case_events(cell: str | None, days: set[dt.date] | None, rows: dict[Key, dict[str, int]]) -> None:
    """结案率 (立案 day) and 返工率 (结案 day), each case once per period through `prev_day`."""
    earlier = CaseEvent.objects.filter(
        case=OuterRef("case"), action=OuterRef("action"), seq__lt=OuterRef("seq"),
    ).order_by("-seq").values("created_at")[:1]
    conditions = Q(action__in=("classify", "close"), case__archived_at__isnull=True) & _in_cell("case__", cell) \
        & _in_days("created_at", days)
    registered, closed = Q(action="classify"), Q(action="close")
    counters = dict(
        registered=Count("case", distinct=True, filter=registered & ~Q(case__status=Status.MERGED)),
        registered_closed=Count("case", distinct=True, filter=registered & Q(case__status__in=SOLVED_STATUSES)),
        closed=Count("case", distinct=True, filter=closed),
        closed_reworked=Count("case", distinct=True, filter=closed & Q(case__rework_count__gt=0)),
    )
    for by_org in (False, True):
        qs = CaseEvent.objects.filter(conditions & Q(**_led("case__")) if by_org else conditions)
        qs = qs.annotate(previous=Subquery(earlier, output_field=DateTimeField())).order_by()
        keys = dict(day=_day("created_at"), cell=_cell("case__"), prev=_day("previous"))
        if by_org:
            keys["org"] = F("case__assignments__organisation")
        for row in qs.values(**keys).annotate(**counters):
            org = row.pop("org", 0)
            key = (row.pop("day"), row.pop("cell"), org, row.pop("prev") or NO_PREVIOUS_DAY)
            _add(rows, key, row)


def _ratings(cell: str | None, days: set[dt.date] | None, rows: dict[Key, dict[str, int]]) -> None:
    """满意率 (every rating) and 解决率 (each case's latest rating), by rating day."""
    conditions = Q(case__archived_at__isnull=True) & _in_cell("case__", cell) & _in_days("rated_at", days)
    later = Rating.objects.filter(case=OuterRef("case"), pk__gt=OuterRef("pk"))
    latest, good = Q(latest=True), Q(result__in=POSITIVE_RESULTS)
    counters = dict(
        ratings=Count("pk", distinct=True),
        positive=Count("pk", distinct=True, filter=good),
        satisfied=Count("pk", distinct=True, filter=Q(result=RatingResult.SATISFIED)),
        rated_cases=Count("case", distinct=True, filter=latest),
        resolved_cases=Count("case", distinct=True, filter=latest & good),
    )
    for by_org in (False, True):
        qs = Rating.objects.filter(conditions & Q(**_led("case__")) if by_org else conditions)
        qs = qs.annotate(latest=~Exists(later)).order_by()
        keys = dict(day=_day("rated_at"), cell=_cell("case__"))
        if by_org:
            keys["org"] = F("case__assignments__organisation")
        for row in qs.values(**keys).annotate(**counters):
            org = row.pop("org", 0)
            _add(rows, (row.pop("day"), row.pop("cell"), org, NO_PREVIOUS_DAY), row)


def _difficulties(cell: str | None, days: set[dt.date] | None, rows: dict[Key, dict[str, int]]) -> None:
    """帮助群众解决困难 (reports.selectors.case_figures), by the day each difficulty was closed."""
    unsatisfied_since_closure = Rating.objects.filter(
        case=OuterRef("pk"), result=RatingResult.UNSATISFIED, rated_at__gte=OuterRef("closed_at")
    )
    qs = Case.objects.active().filter(
        _in_cell("", cell) & _in_days("closed_at", days), kind=Kind.DIFFICULTY, status__in=SOLVED_STATUSES,
        closed_at__isnull=False,
    ).exclude(Exists(unsatisfied_since_closure)).order_by()
    for row in qs.values(day=_day("closed_at"), cell=_cell("")).annotate(difficulties_solved=Count("id")):
        _add(rows, (row.pop("day"), row.pop("cell"), 0, NO_PREVIOUS_DAY), row)


def _count(cell: str | None, days: set[dt.date] | None) -> list[DailyRollup]:
    rows: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for source in (_assignments, _case_events, _ratings, _difficulties):
        source(cell, days, rows)
    return [
        DailyRollup(day=day, region_code=place, organisation_id=org, prev_day=prev, **values)
        for (day, place, org, prev), values in rows.items() if any(values.values())
    ]


def _write(rows: list[DailyRollup]) -> None:
    """Insert `rows`: with COPY on PostgreSQL (a full rebuild writes millions), bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        DailyRollup.objects.bulk_create(rows, batch_size=5000)
        return
    columns = ["day", "region_code", "organisation_id", "prev_day", *COUNTERS]
    table = DailyRollup._meta.db_table
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([getattr(row, name) for name in columns])


def _lock(key: int, *, shared: bool = False) -> None:
    """A transaction-scoped advisory lock on PostgreSQL (SQLite runs one writer at a time anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_xact_lock{'_shared' if shared else ''}(%s)", [key])


# Days counted per transaction of a rebuild: a week takes about a second at 1,000,000 cases, and only
# that long may a case service call wait for the rebuild's lock.
REBUILD_CHUNK_DAYS = 7


@dataclass(frozen=True)
class RebuildResult:
    """What `rollup_rebuild` did: rows written, transactions (chunks) and the longest chunk's seconds."""

    rows: int
    chunks: int
    longest_chunk_seconds: float


def _history_days() -> tuple[dt.date, dt.date] | None:
    """The first and last day any case record can count on (None with no records at all)."""
    first = min(filter(None, (
        Case.objects.aggregate(first=Min("received_at"))["first"],
        CaseEvent.objects.aggregate(first=Min("created_at"))["first"],
    )), default=None)
    if first is None:
        return None
    last = timezone.localdate()
    latest = CaseEvent.objects.aggregate(last=Max("created_at"))["last"]
    if latest is not None:
        last = max(last, _local_day(latest))
    return _local_day(first), last


def _recount_days(first: dt.date, last: dt.date) -> int:
    """Recount the rollup rows of the days `first` to `last` in one transaction; returns the rows written.

    The exclusive rebuild lock waits for the case transactions refreshing cells now and holds off new
    ones until this commits, so no refresh interleaves with the count (see `rollup_refresh_case`).
    """
    with transaction.atomic():
        _lock(_REBUILD_LOCK)
        DailyRollup.objects.filter(day__gte=first, day__lte=last).delete()
        rows = _count(None, {first + dt.timedelta(days=n) for n in range((last - first).days + 1)})
        _write(rows)
    return len(rows)


def rollup_rebuild(*, start: dt.date | None = None, end: dt.date | None = None) -> RebuildResult:
    """Count the rollup rows of the days from `start` to `end` (all days when both are None) afresh.

    The days are counted a week per transaction, so case service calls wait at most for one week's
    count, not for the whole rebuild. Every week is exact when it commits, and the case services keep
    the weeks already counted (also during a first build, whose state row exists from the start), so
    the rollups agree with the records throughout. A full rebuild marks the rollups ready at its end,
    after which the key figures read them; a partial one is allowed only once they are.
    """
    if start is None and end is None:
        with transaction.atomic():
            _lock(_REBUILD_LOCK)
            if not RollupState.objects.exists():
                RollupState.objects.create(built_at=timezone.now(), rows=0, ready=False)
            span = _history_days()
    else:
        if not RollupState.objects.filter(ready=True).exists():
            raise ValueError("rollups must be built in full before a range can be rebuilt")
        first = start or DailyRollup.objects.order_by("day").values_list("day", flat=True).first() or end
        span = (first, end or timezone.localdate())
    written, chunks, longest = 0, 0, 0.0
    if span is not None:
        day, last = span
        while day <= last:
            chunk_end = min(day + dt.timedelta(days=REBUILD_CHUNK_DAYS - 1), last)
            started = time.perf_counter()
            written += _recount_days(day, chunk_end)
            chunks += 1
            longest = max(longest, time.perf_counter() - started)
            day = chunk_end + dt.timedelta(days=1)
    if start is None and end is None:
        with transaction.atomic():
            _lock(_REBUILD_LOCK)
            # Rows of days outside the records (left by records since deleted) go; the state says ready.
            if span is None:
                DailyRollup.objects.all().delete()
            else:
                DailyRollup.objects.exclude(day__gte=span[0], day__lte=span[1]).delete()
            RollupState.objects.all().delete()
            RollupState.objects.create(built_at=timezone.now(), rows=written, ready=True)
    return RebuildResult(rows=written, chunks=chunks, longest_chunk_seconds=round(longest, 3))


def _touched_days(case_id: int) -> tuple[str, set[dt.date]] | None:
    """The rollup place of a case and every day it may count on: the days of its events (each change of
    a case is an event, so these include every dispatch, reply, 立案, 结案 and rating) and its closure."""
    case = Case.objects.filter(pk=case_id).values("region__code", "closed_at").first()
    if case is None:
        return None
    days = {_local_day(when) for when in CaseEvent.objects.filter(case_id=case_id).values_list("created_at", flat=True)}
    if case["closed_at"] is not None:
        days.add(_local_day(case["closed_at"]))
    return cell_of(case["region__code"]), days


def rollup_refresh_case(case_id: int) -> None:
    """Recount, inside the caller's transaction, every rollup cell `case_id` counts in (nothing while the
    rollups have not been built)."""
    # Taken before looking at the state: a rebuild's transaction running now holds this lock until it
    # commits, so a change its count may have missed is recounted right after. The state row exists
    # from the start of the first build, so the weeks it has counted are kept from then on.
    _lock(_REBUILD_LOCK, shared=True)
    if not RollupState.objects.exists():
        return
    touched = _touched_days(case_id)
    if touched is None:
        return
    place, days = touched
    if not days:
        return
    with transaction.atomic():
        _lock(zlib.crc32(place.encode()))
        DailyRollup.objects.filter(region_code=place, day__in=days).delete()
        _write(_count(place, days))
