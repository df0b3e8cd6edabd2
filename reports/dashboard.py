"""The 数据看板: every figure a region's dashboard shows, read with the same selectors as the API.

The key rates come from reports/kpis.py (`region_kpis`, `department_table`), the 三联三沉 figures from
reports/selectors.py (`figures_for`), volunteering and 双报到 from volunteers/selectors.py
(`region_volunteering`); the case counts (categories, hot spots, overdue cases) are plain aggregates
over the region's subtree. One call returns plain data: the page renders it as charts and tables,
the JSON endpoint hands it to the 数据大屏, and the .xlsx export writes it out sheet by sheet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone

from cases.models import Case
from cases.workflow import OPEN_STATUSES
from regions.models import CODE_LENGTHS, LEVEL_ORDER, Region
from regions.selectors import subtree_q
from volunteers.selectors import region_volunteering

from . import periods
from .figures import FIGURES
from .kpis import (
    DepartmentRow,
    Kpis,
    RunningCounts,
    department_table,
    monthly_rates,
    region_kpis,
    region_report,
    running_counts,
)
from .periods import QUARTER_NAMES, Period
from .selectors import figures_for, joint_council_quarters_missed, meetings_held_by_kind

# The four rates the dashboard leads with, in display order.
HEADLINE_RATES: tuple[tuple[str, str], ...] = (
    ("response", "响应率"),
    ("resolution", "解决率"),
    ("satisfaction", "满意率"),
    ("on_time_finish", "按期办结率"),
)
TREND_MONTHS = 6
TOP_CATEGORIES = 10
HEAT_CATEGORIES = 6
OVERDUE_SHOWN = 20
UNCATEGORISED = "未分类"


@dataclass(frozen=True)
class Dashboard:
    """One region's dashboard for one period, as plain data (see `as_dict`)."""

    region: Region
    period: Period
    data: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The dashboard as JSON-ready data: region, period and every section."""
        return {
            "region": {"code": self.region.code, "name": self.region.name, "level": self.region.level},
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            **self.data,
        }


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def trend_months(end: dt.date, count: int = TREND_MONTHS) -> list[Period]:
    """The `count` calendar months ending with the month of `end`, oldest first."""
    year, month = end.year, end.month
    result = []
    for _ in range(count):
        result.append(periods.month(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return result[::-1]


def trend_spans(end: dt.date) -> list[Period]:
    """The periods the trend up to `end` counts: its months, the last one cut at `end`."""
    return [Period(month.start, min(month.end, end)) for month in trend_months(end)]


def monthly_trend(region: Region, end: dt.date, *, now: dt.datetime | None = None,
                  known: tuple[dt.date, dt.date, Kpis] | None = None,
                  running: RunningCounts | None = None) -> list[dict[str, Any]]:
    """The four headline rates of `region` for each of the months up to `end`'s (a month still running
    is counted up to `end`). `known` (start, end, figures) saves counting a month already counted; with
    the daily rollups built, all months are read in two queries (one with `running`, the live counts of
    `running_counts` for `trend_spans(end)`)."""
    months = trend_months(end)
    spans = trend_spans(end)
    batch = monthly_rates(region, spans, now=now, running=running)
    rows = []
    for index, (month, span) in enumerate(zip(months, spans, strict=True)):
        if batch is not None:
            rates = batch[index]
        elif known is not None and (known[0], known[1]) == (span.start, span.end):
            rates = vars(known[2])
        else:
            rates = vars(region_kpis(region, span.start, span.end, now=now))
        rows.append({
            "month": month.token, "label": month.label,
            **{key: _percent(rates[key].value) for key, _ in HEADLINE_RATES},
        })
    return rows


def _cases_in(region: Region, period: Period):
    return Case.objects.active().filter(
        subtree_q(region, "region__"), received_at__gte=period.start_at, received_at__lt=period.end_at,
    )


def _case_cells(region: Region, period: Period, now: dt.datetime) -> list[dict[str, Any]]:
    """Cases received in the period, counted by place one level below `region` (`node`; the region's own
    code for cases filed on it) and category: in total and open and overdue at `now`. One query feeds
    both the category chart and the heat table."""
    length = _child_level_length(region)
    prefix = Substr("region__code", 1, length) if length else Substr("region__code", 1, len(region.code))
    return list(_cases_in(region, period).annotate(node=prefix).values("node", "category__name").annotate(
        total=Count("id"),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, finish_due__lt=now)),
    ).order_by())


def _by_category(cells: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(category name, cases) from `_case_cells`, most first (ties by name)."""
    totals: dict[str, int] = {}
    for row in cells:
        name = row["category__name"] or UNCATEGORISED
        totals[name] = totals.get(name, 0) + row["total"]
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


def category_counts(region: Region, period: Period, *, limit: int = TOP_CATEGORIES,
                    cells: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Cases received in the period by category, most first (at most `limit`, the rest summed as 其他)."""
    if cells is None:
        cells = _case_cells(region, period, timezone.now())
    rows = [{"name": name, "total": total} for name, total in _by_category(cells)]
    if len(rows) > limit:
        rest = sum(row["total"] for row in rows[limit - 1:])
        rows = rows[: limit - 1] + [{"name": "其他", "total": rest}]
    return rows


def _child_level_length(region: Region) -> int | None:
    index = LEVEL_ORDER.index(region.level)
    if index + 1 >= len(LEVEL_ORDER):
        return None
    return CODE_LENGTHS[LEVEL_ORDER[index + 1]]


def hot_spots(region: Region, period: Period, *, now: dt.datetime | None = None,
              categories: int = HEAT_CATEGORIES, cells: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A heat table on the region tree: for each region one level below `region` (grids under a
    community), the cases received in the period, in total and in each of the busiest categories, and
    how many of them are open and overdue now. Cases filed on `region` itself form a row of their own.
    """
    now = now or timezone.now()
    length = _child_level_length(region)
    if cells is None:
        cells = _case_cells(region, period, now)
    top = [name for name, _ in _by_category(cells)[:categories]]
    entries: dict[str, dict[str, Any]] = {}
    for row in cells:
        node = row["node"]
        if len(node) < (length or 0):  # a case filed on the region itself
            node = region.code
        entry = entries.setdefault(node, {"total": 0, "overdue": 0, "by_category": {}})
        entry["total"] += row["total"]
        entry["overdue"] += row["overdue"]
        name = row["category__name"] or UNCATEGORISED
        entry["by_category"][name] = entry["by_category"].get(name, 0) + row["total"]
    names = dict(Region.objects.filter(code__in=list(entries)).values_list("code", "name"))
    children = list(region.children.filter(archived_at__isnull=True).values_list("code", "name")) if length else []
    order = [code for code, _ in children] + sorted(code for code in entries if code not in dict(children))
    rows = []
    for code in order:
        entry = entries.get(code, {"total": 0, "overdue": 0, "by_category": {}})
        label = names.get(code) or dict(children).get(code) or code
        if code == region.code and length:
            label = f"{region.name}（本级）"
        rows.append({
            "code": code, "name": label, "total": entry["total"], "overdue": entry["overdue"],
            "cells": [entry["by_category"].get(name, 0) for name in top],
        })
    peak = max([cell for row in rows for cell in row["cells"]] + [0])
    return {"categories": top, "rows": rows, "peak": peak}


def overdue_cases(region: Region, *, now: dt.datetime | None = None, limit: int = OVERDUE_SHOWN) -> dict[str, Any]:
    """Open cases in `region`'s subtree past their finish deadline now: how many, and the longest overdue."""
    now = now or timezone.now()
    overdue = Case.objects.active().filter(
        subtree_q(region, "region__"), status__in=OPEN_STATUSES, finish_due__lt=now,
    )
    shown = overdue.select_related("region", "category").order_by("finish_due", "id")[:limit]
    return {
        "total": overdue.count(),
        "rows": [{
            "tracking_code": case.tracking_code, "title": case.title, "region": case.region.name,
            "category": case.category.name if case.category_id else UNCATEGORISED,
            "status": case.get_status_display(),
            "finish_due": timezone.localtime(case.finish_due).strftime("%Y-%m-%d %H:%M"),
            "days_overdue": (now - case.finish_due).days,
        } for case in shown],
    }


def joint_councils_missed(region: Region, *, day: dt.date) -> list[dict[str, Any]]:
    """Each quarter of the last four completed before `day` in which a street of the subtree held no
    党建联席会议 (it sits every quarter): the street, the quarter and the day it should have sat by."""
    rows = []
    for street, first in joint_council_quarters_missed(region, day=day):
        number = (first.month - 1) // 3 + 1
        last = dt.date(first.year + (number == 4), number * 3 % 12 + 1, 1) - dt.timedelta(days=1)
        rows.append({"street": street, "quarter": f"{first.year}年{QUARTER_NAMES[number - 1]}",
                     "from": first.isoformat(), "due": last.isoformat()})
    return rows


def league_table(region: Region, period: Period, *, now: dt.datetime | None = None,
                 table: list[DepartmentRow] | None = None) -> list[dict[str, Any]]:
    """The departments that worked on cases in the region in the period, best first, with the four
    rates and their whistle figures (the league table of reports/kpis.py, or `table` when counted)."""
    if table is None:
        table = department_table(region, period.start, period.end, now=now)
    rows = []
    for row in table:
        kpis = row.kpis
        rows.append({
            "id": row.organisation.pk, "name": row.organisation.name,
            **{key: _percent(getattr(kpis, key).value) for key, _ in HEADLINE_RATES},
            "whistle_on_time": _percent(kpis.whistle_on_time.value),
            "whistle_score": kpis.whistle_score, "whistle_scored": kpis.whistle_scored,
        })
    return rows


def volunteering(region: Region, period: Period, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """红领巾 volunteering and 双报到 in the region over the period (volunteers.selectors): hours the
    organisers confirmed, posts and places held at the period's end, wishes posted, claimed and
    fulfilled, and each unit's registration rate."""
    counted = region_volunteering(region, period.start, period.end + dt.timedelta(days=1), now=now)
    return {
        "hours": counted.hours, "confirmed_signups": counted.confirmed_signups,
        "posts": counted.posts, "posts_full": counted.posts_full,
        "places": counted.places, "places_held": counted.places_held,
        "wishes_posted": counted.wishes_posted, "wishes_claimed": counted.wishes_claimed,
        "wishes_fulfilled": counted.wishes_fulfilled,
        "units": [{"id": u.unit_id, "name": u.name, "members": u.members, "registered": u.registered,
                   "rate": u.rate} for u in counted.units],
    }


def dashboard_for(region: Region, period: Period, *, now: dt.datetime | None = None,
                  day: dt.date | None = None) -> Dashboard:
    """Everything the dashboard of `region` shows for `period`.

    `now` decides which clocks are still running (the present by default); `day` is the day the
    三联三沉 figures are counted to (the end of the period, or today if that is earlier).
    """
    now = now or timezone.now()
    # The live part of the figures (clocks still running at `now`) is counted once for the period, the
    # league table and the trend.
    running = running_counts(region, [period, *trend_spans(period.end)], now=now)
    kpis, table = region_report(region, period.start, period.end, now=now, running=running)
    figure_day = day or min(period.end, timezone.localdate(now))
    values = figures_for(region, day=figure_day)
    cells = _case_cells(region, period, now)
    data = {
        "rates": [{
            "key": key, "label": label, "value": _percent(getattr(kpis, key).value),
            "numerator": getattr(kpis, key).numerator, "denominator": getattr(kpis, key).denominator,
        } for key, label in HEADLINE_RATES],
        "trend": monthly_trend(region, period.end, now=now, known=(period.start, period.end, kpis),
                               running=running),
        "departments": league_table(region, period, now=now, table=table),
        "categories": category_counts(region, period, cells=cells),
        "hot_spots": hot_spots(region, period, now=now, cells=cells),
        "overdue": overdue_cases(region, now=now),
        "joint_councils_missed": joint_councils_missed(region, day=figure_day),
        "volunteers": volunteering(region, period, now=now),
        # Meetings held in the period (up to the figures' day), per kind of body.
        "meetings_by_kind": meetings_held_by_kind(region, start=period.start, day=figure_day),
        "figures": [{"key": f.key, "label": f.label, "unit": f.unit, "mechanism": f.mechanism,
                     "value": values[f.key]} for f in FIGURES],
    }
    return Dashboard(region=region, period=period, data=data)
