"""Grading pages: the community grades the heads of the teams placed in it beside the evidence of the records;
the county sees every community's proposals side by side and records the result."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.forms import add_service_errors
from core.xlsx import append_row, download, exporter_label, new_workbook, workbook_bytes, write_head
from regions.models import Region
from regions.permissions import can_manage_region
from reports.kpis import KPI_LABELS, kpi_region_for
from tasks.selectors import consents_of, teams_visible_to
from tasks.workflow import StaleVersion

from . import selectors, services
from .forms import DecideForm, ProposeForm, WeightsForm

SHOWN_KPIS = ("response", "resolution", "satisfaction", "on_time_finish", "whistle_on_time")


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), timezone.localdate().year)


def _evidence_rows(team, year: int) -> dict:
    evidence = selectors.evidence_for(team, year)
    kpis = evidence.kpis
    rates = [(key, KPI_LABELS[key], getattr(kpis, key)) for key in SHOWN_KPIS]
    score = "—" if kpis.whistle_score is None else f"{kpis.whistle_score:.2f}"
    return {"rates": rates, "whistle_score": score, "whistle_scored": kpis.whistle_scored,
            "assignments": evidence.assignments}


def _rows(user, year: int, forms: dict | None = None) -> list[dict]:
    gradings = {g.team_id: g for g in selectors.gradings_visible_to(user).filter(year=year)}
    rows = []
    for team in teams_visible_to(user).order_by("community__code", "id"):
        grading = gradings.get(team.pk)
        rows.append({"team": team, "grading": grading, "evidence": _evidence_rows(team, year),
                     "consents": consents_of(team),
                     "form": (forms or {}).get(team.pk) or (None if grading else ProposeForm())})
    return rows


@login_required
@require_GET
def community_gradings(request: HttpRequest) -> HttpResponse:
    """The community's page: each team's head, the evidence of the year, and the proposal (or the form for it)."""
    if not can_manage_region(request.user, None):
        raise Http404
    year = _year(request)
    return render(request, "gradings/community.html", {"year": year, "rows": _rows(request.user, year)})


@login_required
@require_POST
def propose(request: HttpRequest, team_pk: int) -> HttpResponse:
    """Propose the year's grade of a team's head, with the written opinion."""
    user = request.user
    team = teams_visible_to(user).filter(pk=team_pk).first()
    if team is None or not can_manage_region(user, None):
        raise Http404
    year = _year(request)
    form = ProposeForm(request.POST)
    if form.is_valid():
        try:
            services.grading_propose(actor=user, team=team, year=year, proposal=form.cleaned_data["proposal"],
                                     opinion=form.cleaned_data["opinion"])
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "已提交评定建议。")
            return redirect(f"{reverse('gradings:community')}?year={year}")
    return render(request, "gradings/community.html", {"year": year, "rows": _rows(user, year, {team.pk: form})},
                  status=400)


def _county_rows(user, year: int, bound: dict | None = None) -> list[dict]:
    rows = []
    for grading in selectors.gradings_visible_to(user).filter(year=year).order_by("team__community__code", "id"):
        form = (bound or {}).get(grading.pk) or DecideForm(initial={"version": grading.version,
                                                                    "result": grading.result or grading.proposal})
        rows.append({"grading": grading, "evidence": _evidence_rows(grading.team, year), "form": form})
    return rows


@login_required
@require_GET
def county_gradings(request: HttpRequest) -> HttpResponse:
    """Every community's proposals side by side, each with its evidence and the county's result."""
    if not services.can_decide(request.user):
        raise Http404
    year = _year(request)
    return render(request, "gradings/county.html", {"year": year, "rows": _county_rows(request.user, year)})


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the county's result; a result that differs from the proposal needs its reason."""
    user = request.user
    if not services.can_decide(user):
        raise Http404
    grading = selectors.gradings_visible_to(user).filter(pk=pk).first()
    if grading is None:
        raise Http404
    form = DecideForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.grading_decide(actor=user, grading=grading, expected_version=form.cleaned_data["version"],
                                    result=form.cleaned_data["result"], reason=form.cleaned_data["result_reason"])
        except StaleVersion as exc:
            form.add_error(None, str(exc))
            status = 409
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "已记录评定结果。")
            return redirect(f"{reverse('gradings:county')}?year={grading.year}")
    return render(request, "gradings/county.html",
                  {"year": grading.year, "rows": _county_rows(user, grading.year, {grading.pk: form})}, status=status)


def _evaluation_region(request: HttpRequest):
    region = kpi_region_for(request.user, (request.GET.get("region") or "")[:18] or None)
    if region is None:
        raise Http404
    return region


def _evaluation_context(request: HttpRequest, form: WeightsForm | None = None) -> dict:
    region, year = _evaluation_region(request), _year(request)
    weights, rows = selectors.department_evaluations(region, year)
    return {"region": region, "year": year, "weights": weights, "rows": rows,
            "weights_form": form or (WeightsForm(initial=weights) if services.can_decide(request.user) else None)}


@login_required
@require_GET
def department_evaluations(request: HttpRequest) -> HttpResponse:
    """Each department's yearly evaluation by the community (or region): its rates and weighted score."""
    return render(request, "gradings/departments.html", _evaluation_context(request))


@login_required
@require_GET
def department_evaluations_export(request: HttpRequest) -> HttpResponse:
    """The same as an .xlsx file for the county's assessment (text never a formula: core.xlsx)."""
    context = _evaluation_context(request)
    region, year, weights = context["region"], context["year"], context["weights"]
    workbook = new_workbook(author=exporter_label(request.user), title=f"{region.name}{year}年度部门考评")
    sheet = workbook.active
    sheet.title = "部门考评"
    note = (f"{region.name} {year} 年度部门考评：响应 {weights['response']} / 解决 {weights['resolution']} / "
            f"满意 {weights['satisfaction']}")
    write_head(sheet, note, ["部门", "响应率", "解决率", "满意率", "吹哨报到按时率", "吹哨报到评分", "综合得分"],
               [30, 12, 12, 12, 16, 14, 12])
    for row in context["rows"]:
        k = row.kpis
        append_row(sheet, [row.organisation.name, k.response.value, k.resolution.value, k.satisfaction.value,
                           k.whistle_on_time.value, k.whistle_score, row.score])
    return download(workbook_bytes(workbook), f"部门考评-{region.code}-{year}.xlsx")


@login_required
@require_POST
def weights(request: HttpRequest) -> HttpResponse:
    """The county sets the year's weights (响应/解决/满意, adding up to 100)."""
    if not services.can_decide(request.user):
        raise Http404
    region, year = _evaluation_region(request), _year(request)
    form = WeightsForm(request.POST)
    if form.is_valid():
        county = Region.objects.get(code=region.code[:6])
        try:
            services.weights_set(actor=request.user, county=county, year=year, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "已设置考评权重。")
            return redirect(f"{reverse('gradings:departments')}?year={year}&region={region.code}")
    return render(request, "gradings/departments.html", _evaluation_context(request, form), status=400)
