"""REST endpoints for facilities (阵地: halls, rooms, centres, stations), mounted at /api/v1/facilities.

Scoped like the console's facility pages (`regions.selectors.facilities_visible_to`): the facilities
placed in the caller's region subtree.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from ninja import Field, Query, Router, Schema

from core.api.errors import not_found
from core.api.pagination import BY_ID, cursor_param, limit_param, paginate
from core.api.schemas import ErrorOut, OrganisationBrief, RegionBrief, choices_enum, organisation_ref, region_ref
from regions.models import Facility
from regions.selectors import FACILITY_GROUPS, facilities_filtered

router = Router(tags=["facilities"])

FacilityKind = choices_enum("FacilityKind", Facility.Kind)
FacilityGroup = Enum("FacilityGroup", {name: name for name in FACILITY_GROUPS}, type=str)


class FacilityOut(Schema):
    id: int
    name: str
    kind: FacilityKind
    kind_label: str
    region: RegionBrief
    address: str
    capacity: int | None = Field(description="容纳人数")
    opening_hours: str
    host_organisation: OrganisationBrief | None = Field(description="提供单位")


class FacilityListOut(Schema):
    items: list[FacilityOut]
    next_cursor: str | None


def _out(facility: Facility) -> dict:
    return {
        "id": facility.pk, "name": facility.name, "kind": facility.kind, "kind_label": facility.get_kind_display(),
        "region": region_ref(facility.region), "address": facility.address, "capacity": facility.capacity,
        "opening_hours": facility.opening_hours, "host_organisation": organisation_ref(facility.host_organisation),
    }


@router.get("", response={200: FacilityListOut, 400: ErrorOut})
def list_facilities(
    request,
    kind: Annotated[FacilityKind | None, Query(None, description="阵地类型")] = None,
    group: Annotated[FacilityGroup | None, Query(None, description="stations 服务站，rooms 接待室与调解室")] = None,
    region: str | None = Query(None, max_length=18, description="区域编码：只列出该区域及其下级的阵地"),
    cursor: str | None = cursor_param(),
    limit: int = limit_param(),
):
    """Facilities in the caller's scope, by id; filter by `kind`, `group` or `region`."""
    qs = facilities_filtered(user=request.user, kind=kind.value if kind else "", group=group.value if group else "")
    if region:
        qs = qs.filter(region__code__gte=region, region__code__lt=region + ":")
    page = paginate(qs, BY_ID, cursor=cursor, limit=limit)
    return {"items": [_out(facility) for facility in page.rows], "next_cursor": page.next_cursor}


@router.get("/{facility_id}", response={200: FacilityOut, 404: ErrorOut})
def get_facility(request, facility_id: int):
    """One facility in the caller's scope."""
    facility = facilities_filtered(user=request.user).filter(pk=facility_id).first()
    if facility is None:
        raise not_found("阵地不存在或无权访问")
    return _out(facility)
