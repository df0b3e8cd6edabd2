"""REST endpoints for organisations (/api/v1/organisations) and party members (/api/v1/party-members).

Both are scoped exactly as the console pages are (`organisations.selectors.organisations_visible_to`,
`party_members_visible_to`): a row outside the caller's scope is not found (404), never forbidden.
A party member's personal data (phone, ID number) is masked; the API never reveals it — a reveal is a
logged act on the console page, with a reason.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Query, Router, Schema

from core.api.errors import not_found
from core.api.pagination import BY_ID, cursor_param, limit_param, paginate
from core.api.schemas import ErrorOut, OrganisationBrief, RegionBrief, choices_enum, organisation_ref, region_ref
from organisations.minors import masked_value
from organisations.models import Organisation, PartyMember, Person
from organisations.selectors import organisations_visible_to, party_members_filtered, party_members_visible_to

OrganisationKind = choices_enum("OrganisationKind", Organisation.Kind)
Gender = choices_enum("Gender", Person.Gender)

router = Router(tags=["organisations"])
members_router = Router(tags=["party members"])


class OrganisationOut(Schema):
    id: int
    name: str
    kind: OrganisationKind
    kind_label: str
    region: RegionBrief
    parent: OrganisationBrief | None
    credit_code: str = Field(description="统一社会信用代码")
    address: str = Field(description="办公地址")
    description: str


class OrganisationListOut(Schema):
    items: list[OrganisationOut]
    next_cursor: str | None


def _organisation_out(org: Organisation) -> dict:
    return {
        "id": org.pk, "name": org.name, "kind": org.kind, "kind_label": org.get_kind_display(),
        "region": region_ref(org.region), "parent": organisation_ref(org.parent), "credit_code": org.credit_code,
        "address": org.address, "description": org.description,
    }


def _in_region(qs, code: str, field: str):
    """Rows whose region (through `field`) lies under the region with this code (a code prefix range)."""
    return qs.filter(**{f"{field}code__gte": code, f"{field}code__lt": code + ":"})


@router.get("", response={200: OrganisationListOut, 400: ErrorOut})
def list_organisations(
    request,
    kind: Annotated[OrganisationKind | None, Query(None, description="组织类型")] = None,
    region: str | None = Query(None, max_length=18, description="区域编码：只列出该区域及其下级的组织"),
    parent: int | None = Query(None, ge=1, description="上级组织 id：只列出其直属下级组织"),
    q: str | None = Query(None, max_length=50, description="名称包含的文字"),
    cursor: str | None = cursor_param(),
    limit: int = limit_param(),
):
    """Organisations in the caller's scope, by id; filter by `kind`, `region`, `parent` or name (`q`)."""
    qs = organisations_visible_to(request.user).select_related("parent")
    if kind:
        qs = qs.filter(kind=kind.value)
    if region:
        qs = _in_region(qs, region, "region__")
    if parent is not None:
        qs = qs.filter(parent_id=parent)
    if q:
        qs = qs.filter(name__icontains=q)
    page = paginate(qs, BY_ID, cursor=cursor, limit=limit)
    return {"items": [_organisation_out(org) for org in page.rows], "next_cursor": page.next_cursor}


@router.get("/{organisation_id}", response={200: OrganisationOut, 404: ErrorOut})
def get_organisation(request, organisation_id: int):
    """One organisation in the caller's scope."""
    org = organisations_visible_to(request.user).select_related("parent").filter(pk=organisation_id).first()
    if org is None:
        raise not_found("组织不存在或无权访问")
    return _organisation_out(org)


class PartyMemberOut(Schema):
    id: int
    name: str
    gender: Gender | None
    phone: str = Field(description="联系电话（已脱敏）")
    id_number: str = Field(description="身份证号（已脱敏）")
    branch: OrganisationBrief = Field(description="所在党组织")
    joined_on: dt.date | None = Field(description="入党日期")
    registered_community: RegionBrief | None = Field(description="双报到社区")
    registered_on: dt.date | None = Field(description="报到日期")
    grid: RegionBrief | None = Field(description="所在网格")
    is_central_household: bool = Field(description="党员中心户")
    skills: str = Field(description="特长")


class PartyMemberListOut(Schema):
    items: list[PartyMemberOut]
    next_cursor: str | None


def _member_out(member: PartyMember) -> dict:
    person = member.person
    return {
        "id": member.pk, "name": person.name, "gender": person.gender or None, "phone": masked_value(person, "phone"),
        "id_number": masked_value(person, "id_number"), "branch": organisation_ref(member.branch),
        "joined_on": member.joined_on, "registered_community": region_ref(member.registered_community),
        "registered_on": member.registered_on, "grid": region_ref(member.grid),
        "is_central_household": member.is_central_household, "skills": member.skills,
    }


@members_router.get("", response={200: PartyMemberListOut, 400: ErrorOut})
def list_party_members(
    request,
    community: str | None = Query(None, max_length=18, description="社区编码：在该社区报到、居住或所在党组织在该社区"),
    grid: str | None = Query(None, max_length=18, description="网格编码"),
    branch: int | None = Query(None, ge=1, description="所在党组织 id"),
    registered: Annotated[bool | None, Query(None, description="true 已双报到，false 未报到")] = None,
    central_household: Annotated[bool | None, Query(None, description="true 只列出党员中心户")] = None,
    name: str | None = Query(None, max_length=50, description="姓名包含的文字"),
    cursor: str | None = cursor_param(),
    limit: int = limit_param(),
):
    """Party members in the caller's scope, by id, with phone and ID number masked."""
    qs = party_members_filtered(
        party_members_visible_to(request.user), community_code=community or "", grid_code=grid or "",
        branch_id=branch, registered=registered, central_household=central_household, name=name or "",
    )
    page = paginate(qs, BY_ID, cursor=cursor, limit=limit)
    return {"items": [_member_out(member) for member in page.rows], "next_cursor": page.next_cursor}


@members_router.get("/{member_id}", response={200: PartyMemberOut, 404: ErrorOut})
def get_party_member(request, member_id: int):
    """One party member in the caller's scope, with phone and ID number masked."""
    member = party_members_visible_to(request.user).filter(pk=member_id).first()
    if member is None:
        raise not_found("党员不存在或无权访问")
    return _member_out(member)
