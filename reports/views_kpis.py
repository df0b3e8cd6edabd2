"""Pages of key figures: a region's figures with its department league table, and one department's figures."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from regions.models import LEVEL_ORDER
from regions.selectors import region_ancestors

from . import periods
from .kpis import KPI_DEFS, Kpis, department_kpis, department_table, kpi_department_for, kpi_region_for, region_kpis
from .periods import Period, PeriodError
from .selectors import figure_regions_for


def kpi_cards(kpis: Kpis) -> list[dict]:
    """The figures in display order, each with its value, what it was computed from, and its definition."""
    cards = []
    for definition in KPI_DEFS:
        value = getattr(kpis, definition.key)
        if definition.key == "avg_handling_hours":
            shown = "—" if value is None else f"{value:g} 小时"
            basis = f"主办单位答复 {kpis.lead_replies} 次"
        elif definition.key == "whistle_score":
            shown = "—" if value is None else f"{value:g} 分"
            basis = f"评分 {kpis.whistle_scored} 次"
        else:
            shown = value.percent
            basis = f"{value.numerator} / {value.denominator}"
        cards.append({"key": definition.key, "label": definition.label, "value": shown, "basis": basis,
                      "explanation": definition.explanation})
    return cards


def _region_choices(user) -> list[tuple[str, str]]:
    nodes = list(figure_regions_for(user))
    top = min((LEVEL_ORDER.index(node.level) for node in nodes), default=0)
    return [(node.code, "　" * (LEVEL_ORDER.index(node.level) - top) + node.name) for node in nodes]


def _quick_ranges(today) -> list[dict]:
    """本月, 本季度, 本年 as from/to links."""
    q = (today.month - 1) // 3 + 1
    spans = [
        ("本月", periods.month(today.year, today.month)),
        ("本季度", periods.quarter(today.year, q)),
        ("本年", periods.year(today.year)),
    ]
    return [{"label": label, "from": span.start.isoformat(), "to": min(span.end, today).isoformat()}
            for label, span in spans]


@login_required
def kpis(request):
    """Key figures of a region (the user's scope by default) over from–to, and its departments' league table.

    A department handler is sent to their own department's page instead.
    """
    user = request.user
    if user.role == Role.DEPARTMENT_HANDLER and user.organisation_id and not request.GET.get("region"):
        return redirect("reports:department_kpis", pk=user.organisation_id)
    region = kpi_region_for(user, request.GET.get("region") or None)
    if region is None:
        raise Http404("区域不存在或无权访问")
    today = timezone.localdate()
    errors: dict[str, str] = {}
    try:
        period: Period | None = periods.from_range(request.GET.get("from"), request.GET.get("to"), today=today)
    except PeriodError as exc:
        period, errors = None, exc.fields
    context = {
        "region": region, "breadcrumbs": region_ancestors(region), "choices": _region_choices(request.user),
        "period": period, "errors": errors, "quick_ranges": _quick_ranges(today),
        "raw_from": request.GET.get("from", ""), "raw_to": request.GET.get("to", ""),
    }
    if period is not None:
        query = urlencode({"region": region.code, "from": period.start.isoformat(), "to": period.end.isoformat()})
        context["cards"] = kpi_cards(region_kpis(region, period.start, period.end))
        context["rows"] = [
            {"organisation": row.organisation, "kpis": row.kpis,
             "url": reverse("reports:department_kpis", args=[row.organisation.pk]) + f"?{query}"}
            for row in department_table(region, period.start, period.end)
        ]
    return render(request, "reports/kpis.html", context, status=400 if errors else 200)


@login_required
def department_kpis_page(request, pk: int):
    """One department's key figures for a month, quarter or year (or from–to), within what the user may see."""
    found = kpi_department_for(request.user, pk, region_code=request.GET.get("region") or None)
    if found is None:
        raise Http404("部门不存在或无权访问")
    organisation, region = found
    today = timezone.localdate()
    errors: dict[str, str] = {}
    try:
        if request.GET.get("from") or request.GET.get("to"):
            period: Period | None = periods.from_range(request.GET.get("from"), request.GET.get("to"), today=today)
        else:
            period = periods.from_token(request.GET.get("period"), today=today)
    except PeriodError as exc:
        period, errors = None, exc.fields
    context = {
        "organisation": organisation, "region": region, "period": period, "errors": errors,
        "period_choices": periods.choices(today=today),
    }
    if period is not None:
        context["cards"] = kpi_cards(department_kpis(organisation, period.start, period.end, region=region))
    return render(request, "reports/kpis_department.html", context, status=400 if errors else 200)
