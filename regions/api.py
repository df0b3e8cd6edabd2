"""REST endpoints for the region tree, mounted at /api/v1/regions.

The list answers the caller's scope root, or the children of `parent`; a region outside the caller's
scope is not found (404), never forbidden. Lists are paged by region code (see `core.api.pagination`).
"""

from django.db.models import Count, Q
from ninja import Field, Query, Router, Schema

from core.api.errors import not_found
from core.api.pagination import Keyset, cursor_param, limit_param, paginate
from core.api.schemas import ErrorOut, RegionBrief, choices_enum

from .models import Level, Region
from .selectors import region_children, region_visible_ancestors, regions_visible_to

router = Router(tags=["regions"])

RegionLevel = choices_enum("RegionLevel", Level)

BY_CODE = Keyset("code")


class RegionItem(Schema):
    code: str
    name: str
    level: RegionLevel
    parent: str | None = Field(description="上级区域编码；树根为 null")


class RegionList(Schema):
    items: list[RegionItem]
    next_cursor: str | None


class RegionDetail(RegionItem):
    level_label: str
    ancestors: list[RegionBrief] = Field(description="从调用者可见的最高一级到上级区域")
    child_count: int = Field(description="可见的下级区域数")


def _out(region: Region) -> dict:
    parent = region.parent.code if region.parent_id else None
    return {"code": region.code, "name": region.name, "level": region.level, "parent": parent}


@router.get("", response={200: RegionList, 400: ErrorOut, 404: ErrorOut})
def list_regions(
    request,
    parent: str | None = Query(None, max_length=18, description="列出该区域的下级区域"),
    cursor: str | None = cursor_param(),
    limit: int = limit_param(),
):
    """The caller's scope root, or with `parent=CODE` the children of that region, by code."""
    if parent is None:
        regions = region_children(user=request.user, parent=None)
    else:
        node = regions_visible_to(request.user).filter(code=parent).first()
        if node is None:
            raise not_found("区域不存在或无权访问")
        regions = region_children(user=request.user, parent=node)
    page = paginate(regions.select_related("parent"), BY_CODE, cursor=cursor, limit=limit)
    return {"items": [_out(r) for r in page.rows], "next_cursor": page.next_cursor}


@router.get("/{code}", response={200: RegionDetail, 404: ErrorOut})
def get_region(request, code: str):
    """One region in the caller's scope, with its visible ancestors and how many children it has."""
    region = (
        regions_visible_to(request.user).select_related("parent")
        .annotate(child_count=Count("children", filter=Q(children__archived_at__isnull=True)))
        .filter(code=code).first()
    )
    if region is None:
        raise not_found("区域不存在或无权访问")
    ancestors = [node for node in region_visible_ancestors(user=request.user, region=region) if node.pk != region.pk]
    return {
        **_out(region), "level_label": region.get_level_display(),
        "ancestors": [{"code": node.code, "name": node.name} for node in ancestors],
        "child_count": region.child_count,
    }
