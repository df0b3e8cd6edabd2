"""Reads of gradings: scoped by the team's community, and the evidence beside each, taken from `reports.kpis`
(the same numbers as `GET /api/v1/reports/kpis` for the community and the year, never recounted) and the team's
assignments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from reports.kpis import Kpis, department_kpis
from tasks.selectors import assignments_done, teams_visible_to

from .models import Consent, Grading


def gradings_visible_to(user) -> QuerySet[Grading]:
    """Gradings of the teams `user` may see."""
    return Grading.objects.filter(team__in=teams_visible_to(user)).select_related(
        "team__community", "team__home_unit", "head")


def consents_of(team) -> QuerySet[Consent]:
    """The team's consent decisions, newest first (shown on the head's position)."""
    return team.consents.select_related("candidate").order_by("-decided_on", "-id")


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
