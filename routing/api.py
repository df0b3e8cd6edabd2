"""REST endpoints of routing, mounted at /api/v1/routing.

`GET /suggest?title=&description=&region=`: the top categories for a text (scores, departments, the
model version) and the open cases that are probably the same problem. `GET /hot-spots?region=`:
clusters of open cases about the same thing. Both for county, street, community staff and grid
workers; duplicates and hot spots list only cases the caller may see.
"""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema

from cases.selectors import cases_visible_to
from core.api.errors import ApiError
from core.api.schemas import ErrorOut

from . import conf
from .access import duplicate_scope, may_use_routing, visible_region
from .selectors import hot_spots, likely_duplicates, suggest_categories

router = Router(tags=["routing"])

MAX_K = 10


class SuggestQuery(Schema):
    title: str = ""
    description: str = ""
    region: str = ""
    k: int = 3


class DepartmentOut(Schema):
    id: int
    name: str
    role: str


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    path: list[str]


class SuggestionOut(Schema):
    category: CategoryOut
    score: float
    departments: list[DepartmentOut]


class ModelOut(Schema):
    version: str
    kind: str
    calibrated: bool
    auto_threshold: float


class RegionOut(Schema):
    code: str
    name: str


class DuplicateOut(Schema):
    id: int
    tracking_code: str
    title: str
    status: str
    status_label: str
    region: RegionOut
    received_at: dt.datetime
    score: float
    same_place: bool


class SuggestOut(Schema):
    model: ModelOut
    suggestions: list[SuggestionOut]
    duplicates: list[DuplicateOut]


class HotSpotCaseOut(Schema):
    id: int
    tracking_code: str
    title: str
    region: RegionOut


class HotSpotOut(Schema):
    community: RegionOut
    title: str
    category: str | None
    size: int
    cases: list[HotSpotCaseOut]


def _staff(request) -> None:
    if not may_use_routing(request.auth):
        raise ApiError(403, "forbidden", "分类建议仅供辖区工作人员使用")


def _region(request, code: str):
    region = visible_region(request.auth, code=code)
    if region is None:
        raise ApiError(400, "invalid", "请求参数不正确", {"region": ["未找到该区域编码，或该区域不在您的管辖范围内"]})
    return region


def _region_out(region) -> dict:
    return {"code": region.code, "name": region.name}


@router.get("/suggest", response={200: SuggestOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut})
def suggest(request, query: Query[SuggestQuery]):
    """Top categories (with departments) for a case text, and likely duplicates near `region` (a code)."""
    _staff(request)
    if not (query.title.strip() or query.description.strip()):
        raise ApiError(400, "invalid", "请求参数不正确", {"title": ["请提供标题或内容"]})
    region = _region(request, query.region) if query.region else None
    suggestions = suggest_categories(
        title=query.title, description=query.description, k=max(1, min(query.k, MAX_K))
    )
    duplicates = []
    if region is not None:
        duplicates = likely_duplicates(
            title=query.title, description=query.description, region=region, within=duplicate_scope(request.auth),
        )
    return {
        "model": {"version": suggestions.model_version, "kind": suggestions.model_kind,
                  "calibrated": suggestions.calibrated, "auto_threshold": conf.auto_threshold()},
        "suggestions": [
            {
                "category": {"id": item.category.pk, "code": item.category.code, "name": item.category.name,
                             "path": list(item.category.path)},
                "score": item.score,
                "departments": (
                    ([{"id": item.responsibles.lead.pk, "name": item.responsibles.lead.name, "role": "lead"}]
                     if item.responsibles.lead else [])
                    + [{"id": org.pk, "name": org.name, "role": "assist"} for org in item.responsibles.assisting]
                ),
            }
            for item in suggestions.items
        ],
        "duplicates": [
            {"id": m.case.pk, "tracking_code": m.case.tracking_code, "title": m.case.title, "status": m.case.status,
             "status_label": m.case.get_status_display(), "region": _region_out(m.case.region),
             "received_at": m.case.received_at, "score": m.score, "same_place": m.same_place}
            for m in duplicates
        ],
    }


@router.get("/hot-spots", response={200: list[HotSpotOut], 400: ErrorOut, 401: ErrorOut, 403: ErrorOut})
def hot_spot_list(request, region: str = ""):
    """Open cases of the last 30 days under `region` (default: the caller's whole scope) grouped by
    community and topic; groups of two or more, largest first."""
    _staff(request)
    user = request.auth
    root = _region(request, region) if region else (user.region if user.region_id else None)
    if root is None:
        raise ApiError(400, "invalid", "请求参数不正确", {"region": ["请提供区域编码"]})
    return [
        {
            "community": _region_out(spot.community) if spot.community else {"code": spot.community_code, "name": ""},
            "title": spot.title,
            "category": spot.category.name if spot.category else None,
            "size": spot.size,
            "cases": [{"id": c.pk, "tracking_code": c.tracking_code, "title": c.title, "region": _region_out(c.region)}
                      for c in spot.cases],
        }
        for spot in hot_spots(root, within=cases_visible_to(user))
    ]
