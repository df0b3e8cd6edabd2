"""The 数据看板 pages: the dashboard of a region and period (also full-screen as the 数据大屏), its data
as JSON for the screen's refresh, its tables as .xlsx, and the printable monthly report."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import Role
from core import audit
from core.models import AuditEvent
from core.xlsx import download, exporter_label
from regions.selectors import region_ancestors

from . import periods
from .dashboard import HEADLINE_RATES, Dashboard, dashboard_for
from .dashboard_export import SECTIONS, dashboard_workbook, section_tables
from .kpis import kpi_region_for
from .periods import Period, PeriodError
from .views_kpis import _region_choices

SCREEN_REFRESH_SECONDS = 60
# The JSON the 数据大屏 polls is kept this long per region and period: many screens cost one computation.
DATA_CACHE_SECONDS = 50


def _board_request(request: HttpRequest, *, monthly: bool = False) -> tuple[Dashboard | None, dict]:
    """The region and period asked for (404 when out of scope) and the dashboard, or the period error."""
    region = kpi_region_for(request.user, request.GET.get("region") or None)
    if region is None:
        raise Http404("区域不存在或无权访问")
    today = timezone.localdate()
    token = request.GET.get("period") or ""
    try:
        period: Period = periods.from_token(token, today=today)
        if monthly and (len(period.token) != 7 or "Q" in period.token):
            raise PeriodError({"period": "月度报告的统计周期应为某一个月（2026-11）"})
    except PeriodError as exc:
        return None, {"region": region, "errors": exc.fields, "raw_period": token}
    return dashboard_for(region, period), {"region": region, "errors": {}, "raw_period": token}


def _payload(board: Dashboard) -> dict:
    """The dashboard's data with its tables, as the page embeds it and the JSON endpoint returns it."""
    return {**board.as_dict(), "tables": section_tables(board)}


def _query(board: Dashboard, **extra: str) -> str:
    return urlencode({"region": board.region.code, "period": board.period.token, **extra})


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """数据看板 of a region (the user's scope by default) for a month, quarter or year; `?screen=1` shows
    it full-screen as the 数据大屏, refreshing itself from the JSON endpoint.

    A department handler is sent to their own department's figures instead.
    """
    user = request.user
    if user.role == Role.DEPARTMENT_HANDLER and user.organisation_id and not request.GET.get("region"):
        return redirect("reports:department_kpis", pk=user.organisation_id)
    board, context = _board_request(request)
    screen = request.GET.get("screen") == "1"
    context.update({
        "choices": _region_choices(user), "period_choices": periods.choices(today=timezone.localdate()),
        "breadcrumbs": region_ancestors(context["region"]), "screen": screen,
        "refresh_seconds": SCREEN_REFRESH_SECONDS, "headline": HEADLINE_RATES,
    })
    if board is None:
        return render(request, "reports/dashboard.html", context, status=400)
    payload = _payload(board)
    context.update({
        "board": board, "data": payload, "tables": payload["tables"], "period": board.period,
        "query": _query(board),
    })
    template = "reports/dashboard_screen.html" if screen else "reports/dashboard.html"
    return render(request, template, context)


@login_required
@require_GET
def dashboard_data(request: HttpRequest) -> JsonResponse:
    """The dashboard as JSON (the 数据大屏 fetches it every minute; kept DATA_CACHE_SECONDS per region and
    period); 404 out of scope, 400 for a bad period."""
    region = kpi_region_for(request.user, request.GET.get("region") or None)
    if region is None:
        raise Http404("区域不存在或无权访问")
    try:
        token = periods.from_token(request.GET.get("period"), today=timezone.localdate()).token
    except PeriodError as exc:
        return JsonResponse({"errors": exc.fields}, status=400)
    key = f"reports:dashboard:{region.code}:{token}"
    payload = cache.get(key)
    if payload is None:
        board, _ = _board_request(request)
        payload = _payload(board)
        cache.set(key, payload, DATA_CACHE_SECONDS)
    response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


def _export(request: HttpRequest, board: Dashboard, *, title: str, sections: list[str] | None) -> HttpResponse:
    now = timezone.now()
    user = request.user
    content = dashboard_workbook(board, title=title, exported_by=exporter_label(user), exported_at=now,
                                 sections=sections)
    audit.record(
        actor=user, action=AuditEvent.Action.EXPORT, target_type="reports.dashboard",
        target_id=board.region.code, target_label=f"{board.region.name}{title}导出",
        changes={"period": board.period.token, "sections": sections or list(SECTIONS)},
    )
    name = f"{board.region.name}-{title}-{board.period.token}-{timezone.localtime(now):%Y%m%d-%H%M}.xlsx"
    return download(content, name)


@login_required
@require_GET
def dashboard_export(request: HttpRequest) -> HttpResponse:
    """The dashboard's tables as .xlsx: every sheet, or the one named by `section`."""
    section = request.GET.get("section") or ""
    if section and section not in SECTIONS:
        raise Http404("没有这个图表")
    board, context = _board_request(request)
    if board is None:
        return HttpResponse("；".join(context["errors"].values()), status=400, content_type="text/plain")
    return _export(request, board, title="数据看板", sections=[section] if section else None)


@login_required
@require_GET
def monthly_report(request: HttpRequest) -> HttpResponse:
    """月度报告 of a region for one month: a printable page, or the .xlsx with `format=xlsx`."""
    board, context = _board_request(request, monthly=True)
    if board is None:
        context.update({"choices": _region_choices(request.user),
                        "period_choices": periods.choices(today=timezone.localdate())[:1]})
        return render(request, "reports/dashboard_monthly.html", context, status=400)
    if request.GET.get("format") == "xlsx":
        return _export(request, board, title="月度报告", sections=None)
    payload = _payload(board)
    context.update({
        "board": board, "data": payload, "tables": payload["tables"], "period": board.period,
        "query": _query(board),
        "choices": _region_choices(request.user),
        "period_choices": periods.choices(today=timezone.localdate())[:1],
        "generated_at": timezone.localtime(),
    })
    return render(request, "reports/dashboard_monthly.html", context)
