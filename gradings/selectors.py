"""Reads of gradings: scoped by the team's community, and the evidence beside each, taken from `reports.kpis`
(the same numbers as `GET /api/v1/reports/kpis` for the community and the year, never recounted) and the team's
assignments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from reports.kpis import Kpis, department_kpis, department_table
from tasks.selectors import assignments_done, teams_visible_to

from .models import EvaluationWeights, Grading


def gradings_visible_to(user) -> QuerySet[Grading]:
    """Gradings of the teams `user` may see."""
    return Grading.objects.filter(team__in=teams_visible_to(user)).select_related(
        "team__community", "team__home_unit", "head")


def year_span(year: int) -> tuple[dt.date, dt.date]:
    """The year's first day and its last, or today for the current year (figures are not counted ahead)."""
    return dt.date(year, 1, 1), min(dt.date(year, 12, 31), timezone.localdate())


@dataclass(frozen=True)
class Evidence:
    kpis: Kpis
    assignments: dict[str, int]


def evidence_for(team, year: int) -> Evidence:
    """The head's unit's figures in the team's community for the year, and the team's assignments."""
    start, end = year_span(year)
    return Evidence(kpis=department_kpis(team.home_unit, start, end, region=team.community),
                    assignments=assignments_done(team, start, end))


DEFAULT_WEIGHTS = {"response": 30, "resolution": 35, "satisfaction": 35}


def weights_for(region, year: int) -> dict[str, int]:
    """The weights of the county above `region` for `year` (响应 30 / 解决 35 / 满意 35 until it sets its own)."""
    found = EvaluationWeights.objects.filter(county__code=region.code[:6], year=year).first()
    if found is None:
        return dict(DEFAULT_WEIGHTS)
    return {"response": found.response, "resolution": found.resolution, "satisfaction": found.satisfaction}


@dataclass(frozen=True)
class DepartmentEvaluation:
    organisation: object
    kpis: Kpis
    score: float | None  # out of 100; the weights of rates with nothing counted are shared among the others


def department_evaluations(region, year: int) -> tuple[dict[str, int], list[DepartmentEvaluation]]:
    """Each department that worked in `region` in `year`, its figures (`reports.kpis.department_table`, the KPI
    API's rows) and its weighted score, best first."""
    weights = weights_for(region, year)
    start, end = year_span(year)
    rows = []
    for row in department_table(region, start, end):
        parts = [(weights[name], getattr(row.kpis, name).value) for name in weights]
        counted = [(w, v) for w, v in parts if v is not None]
        total = sum(w for w, _ in counted)
        score = round(sum(w * v for w, v in counted) * 100 / total, 2) if total else None
        rows.append(DepartmentEvaluation(row.organisation, row.kpis, score))
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.organisation.name))
    return weights, rows
