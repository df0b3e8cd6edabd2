"""REST endpoint for the key figures of case handling (reports/kpis.py; definitions in docs/kpis.md),
mounted under /api/v1/reports."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from core.api.errors import ApiError, not_found
from core.api.schemas import ErrorOut

from .kpis import kpi_region_for, region_report
from .periods import PeriodError, from_range

router = Router(tags=["reports"])


class KpiRegionOut(Schema):
    code: str
    name: str
    level: str


class RateOut(Schema):
    numerator: int
    denominator: int
    value: float | None = Field(description="numerator / denominator; null when the denominator is 0")


class KpisOut(Schema):
    response: RateOut = Field(description="响应率")
    on_time_finish: RateOut = Field(description="按期办结率")
    closure: RateOut = Field(description="结案率")
    resolution: RateOut = Field(description="解决率")
    satisfaction: RateOut = Field(description="满意率（满意 + 基本满意）")
    rework: RateOut = Field(description="返工率")
    avg_handling_hours: float | None = Field(description="平均办理时长：主办单位从派遣到答复的小时数")
    lead_replies: int = Field(description="计算平均办理时长的主办单位答复次数")
    whistle_score: float | None = Field(description="吹哨报到平均评分（1–5）")
    whistle_scored: int = Field(description="评分次数")
    whistle_on_time: RateOut = Field(description="吹哨报到按时率")
    satisfied_only: int = Field(description="评价为“满意”的次数")


class DepartmentKpisOut(Schema):
    id: int
    name: str
    kind: str
    kpis: KpisOut


class KpiReportOut(Schema):
    region: KpiRegionOut
    date_from: dt.date = Field(alias="from")
    date_to: dt.date = Field(alias="to")
    kpis: KpisOut
    departments: list[DepartmentKpisOut]


@router.get("/kpis", response={200: KpiReportOut, 400: ErrorOut, 404: ErrorOut}, by_alias=True)
def kpis(
    request, region: str | None = None, date_from: str | None = Query(None, alias="from"),
    date_to: str | None = Query(None, alias="to"),
):
    """Key figures of `region` (a region code; the root of the caller's scope without it) from `from` to
    `to` (YYYY-MM-DD, both included; by default the current month up to today), with one row per
    department that worked on cases there, best first. For region staff: 404 for anyone else and for a
    region out of scope; 400 for a bad date.
    """
    node = kpi_region_for(request.user, region)
    if node is None:
        raise not_found("区域不存在或无权访问")
    try:
        period = from_range(date_from, date_to, today=timezone.localdate())
    except PeriodError as exc:
        raise ApiError(400, "invalid", str(exc), {name: [message] for name, message in exc.fields.items()}) from exc
    figures, table = region_report(node, period.start, period.end)
    return {
        "region": {"code": node.code, "name": node.name, "level": node.level},
        "from": period.start,
        "to": period.end,
        "kpis": figures.as_dict(),
        "departments": [
            {"id": row.organisation.pk, "name": row.organisation.name, "kind": row.organisation.kind,
             "kpis": row.kpis.as_dict()}
            for row in table
        ],
    }
