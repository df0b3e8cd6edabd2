"""REST API of the catalogue (办事指南) and service requests (办件), with the scoping, error shape and cursor
paging of the rest of /api/v1/.

- `GET /service-items?q=` (words of the name, the code, or pinyin initials: `zm` finds 证明开具) and
  `GET /service-items/{code}`: the guide as published now;
- `POST /service-requests` (taken at a window by staff, or applied for online; the same
  `idempotency_key` stores one request);
- `POST /service-requests/{id}/transitions` (`{"action", "version", …}`): a move the table forbids
  answers 400 `transition_not_allowed`, a stale version 409 `stale_version`.

- `GET /service-providers?community=&kind=`: the social service organisations (社会服务组织) registered in
  the caller's scope or serving a community in it, the phone masked, with the average rating.

A request outside the caller's scope is 404, like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Path, Query, Router, Schema, Status

from core.api.errors import ApiError, not_found, service_errors
from core.api.pagination import BY_ID, cursor_param, limit_param, paginate
from core.api.schemas import ErrorOut, RecordId, RegionBrief, region_ref
from core.pii import mask_name, mask_phone
from halls.models import ServiceWindow
from organisations.models import Organisation
from regions.models import Facility, Level, Region
from regions.selectors import region_visible_by_code

from . import selectors, services
from .models import Item, Provider, ServiceRequest
from .workflow import ACTIONS

items_router = Router(tags=["service-items"])
requests_router = Router(tags=["service-requests"])
providers_router = Router(tags=["service-providers"])

NOT_FOUND = "办件不存在或无权访问"
ITEM_NOT_FOUND = "服务事项不存在"
ItemCode = Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]


class MaterialOut(Schema):
    name: str
    sample: str = ""
    original: bool = False
    copies: int = 1


class ServiceItemOut(Schema):
    code: str
    name: str
    category: str
    initials: str
    version: int
    authority: str = Field(description="实施机关")
    legal_basis: str = Field(description="设定和实施依据")
    conditions: str = Field(description="申请条件")
    materials: list[MaterialOut]
    fee: str
    fee_basis: str
    legal_days: int = Field(description="法定时限（工作日）")
    promised_days: int = Field(description="承诺时限（工作日）")
    kind: str = Field(description="immediate（即办件）或 promised（承诺件）")
    visits: int = Field(description="到现场次数")
    handled_locally: bool
    forwarded_to: str
    forms: list[dict]
    questions: list[dict]


class ServiceItemListOut(Schema):
    items: list[ServiceItemOut]
    next_cursor: str | None


def _item_out(item: Item) -> dict:
    v = item.current
    return {"code": item.code, "name": item.name, "category": item.category.name, "initials": item.initials,
            "version": v.number, **{field: getattr(v, field) for field in services.GUIDE_FIELDS}}


@items_router.get("", auth=None, response={200: ServiceItemListOut, 400: ErrorOut})
def list_service_items(request, q: str = Query("", max_length=100, description="事项名称、编码或拼音首字母"),
                       cursor: str | None = cursor_param(), limit: int = limit_param()):
    """Items of the catalogue matching `q`, by id."""
    page = paginate(selectors.item_search(q), BY_ID, cursor=cursor, limit=limit)
    return {"items": [_item_out(item) for item in page.rows], "next_cursor": page.next_cursor}


@items_router.get("/{code}", auth=None, response={200: ServiceItemOut, 404: ErrorOut})
def get_service_item(request, code: ItemCode):
    """One item's guide, as published now."""
    item = selectors.public_item(code)
    if item is None:
        raise not_found(ITEM_NOT_FOUND)
    return _item_out(item)


class ServiceRequestOut(Schema):
    id: int
    tracking_code: str
    item: str
    item_version: int
    region: RegionBrief
    hall: int | None
    window: int | None = Field(description="受理窗口 id")
    channel: str
    applicant_name: str = Field(description="申请人（只显示第一个字）")
    assisted: bool
    status: str
    status_label: str
    version: int
    allowed_actions: list[str]
    first_receiver: str | None = Field(description="首问责任人")
    handler: str | None = Field(description="首办责任人")
    department: int | None
    missing: list[str]
    reason: str
    result: str
    submitted_at: dt.datetime
    accepted_at: dt.datetime | None
    due_at: dt.datetime | None
    completed_at: dt.datetime | None


def _request_out(r: ServiceRequest) -> dict:
    return {
        "id": r.pk, "tracking_code": r.tracking_code, "item": r.item_version.item.code,
        "item_version": r.item_version.number, "region": region_ref(r.region), "hall": r.hall_id,
        "window": r.window_id,
        "channel": r.channel, "applicant_name": mask_name(r.applicant_name), "assisted": r.assisted,
        "status": r.status, "status_label": r.get_status_display(), "version": r.version,
        "allowed_actions": selectors.request_actions(r),
        "first_receiver": r.first_receiver.username if r.first_receiver else None,
        "handler": r.handler.username if r.handler else None, "department": r.department_id,
        "missing": r.missing, "reason": r.reason, "result": r.result, "submitted_at": r.submitted_at,
        "accepted_at": r.accepted_at, "due_at": r.due_at, "completed_at": r.completed_at,
    }


class ServiceRequestIn(Schema):
    item: str = Field(max_length=32, description="事项编码")
    region: str = Field(max_length=18, description="社区的区域编码")
    channel: str = Field("online", max_length=10, description="window（窗口受理，工作人员）或 online（网上申请）")
    applicant_name: str = Field(max_length=50)
    hall: RecordId | None = Field(None, description="受理大厅（阵地）id")
    window: RecordId | None = Field(None, description="受理窗口 id（须属于该大厅）")
    assisted: bool = Field(False, description="帮办代办")
    consent: str = Field("", max_length=200, description="帮办代办时申请人本人同意的记录")
    idempotency_key: str | None = Field(None, max_length=64)


def _bad(field: str, message: str) -> ApiError:
    return ApiError(400, "invalid", "请求参数不正确", {field: [message]})


@requests_router.post("", response={201: ServiceRequestOut, 200: ServiceRequestOut, 400: ErrorOut, 403: ErrorOut})
def create_service_request(request, payload: ServiceRequestIn):
    """Register a request under the item's current version. A retry with the same `idempotency_key`
    answers 200 with the request made the first time."""
    item = selectors.public_item(payload.item)
    if item is None:
        raise _bad("item", "未找到该事项编码")
    region = region_visible_by_code(user=request.user, code=payload.region)
    if region is None and payload.channel == ServiceRequest.Channel.ONLINE:
        # Anyone may apply online in any community; taking a request at a window needs the scope.
        region = Region.objects.filter(code=payload.region, level=Level.COMMUNITY).first()
    if region is None:
        raise _bad("region", "未找到该区域编码，或该区域不在您的管辖范围内")
    hall = None
    if payload.hall is not None:
        hall = Facility.objects.filter(pk=payload.hall, archived_at__isnull=True).select_related("region").first()
        if hall is None or not (region.contains(hall.region) or hall.region.contains(region)):
            raise _bad("hall", "该大厅不在所选社区")
    window = None
    if payload.window is not None:
        window = ServiceWindow.objects.active().filter(pk=payload.window).select_related("hall__region").first()
        if window is None or (hall is not None and window.hall_id != hall.pk):
            raise _bad("window", "该窗口不在所选大厅")
    with service_errors():
        created_request, created = services.request_create(
            actor=request.user, item=item, region=region, channel=payload.channel,
            applicant_name=payload.applicant_name, hall=hall, window=window, assisted=payload.assisted,
            consent=payload.consent, idempotency_key=payload.idempotency_key)
    return Status(201 if created else 200, _request_out(created_request))


class ServiceRequestTransitionIn(Schema):
    action: str = Field(max_length=40, description="、".join(ACTIONS))
    version: int = Field(ge=1, le=2**31 - 1)
    reason: str = Field("", max_length=2000, description="不予受理：理由")
    missing: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=50, description="补正：一次列出的全部缺少材料")
    handler: RecordId | None = Field(None, description="转办：承办人（用户）id")
    department: RecordId | None = Field(None, description="转办：职能部门（组织）id")
    result: str = Field("", max_length=2000, description="办结：办理结果")


@requests_router.post("/{request_id}/transitions", response={200: ServiceRequestOut, 400: ErrorOut, 403: ErrorOut,
                                                             404: ErrorOut, 409: ErrorOut})
def service_request_transition(request, request_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
                               payload: ServiceRequestTransitionIn):
    """Move the request by one edge of the table at the `version` the caller read."""
    found = selectors.requests_visible_to(request.user).filter(pk=request_id).first()
    if found is None:
        raise not_found(NOT_FOUND)
    if payload.action not in ACTIONS:
        raise ApiError(400, "unknown_action", f"未知的操作：{payload.action[:40]}", {"action": ["未知的操作"]})
    handler = department = None
    if payload.handler is not None:
        handler = services.handler_candidates().filter(pk=payload.handler).first()
        if handler is None:
            raise _bad("handler", "请选择承办人")
    if payload.department is not None:
        department = Organisation.objects.filter(pk=payload.department, kind=Organisation.Kind.DEPARTMENT,
                                                 archived_at__isnull=True).first()
        if department is None:
            raise _bad("department", "请选择职能部门")
    with service_errors():
        moved = services.request_transition(
            actor=request.user, request=found, action=payload.action, expected_version=payload.version,
            reason=payload.reason, missing=payload.missing, handler=handler, department=department,
            result=payload.result)
    return _request_out(moved)



class ServiceProviderOut(Schema):
    id: int
    name: str
    kind: str = Field(description="、".join(f"{value}（{label}）" for value, label in Provider.Kind.choices))
    kind_label: str
    services: str = Field(description="服务内容")
    hours: str = Field(description="服务时间")
    phone: str = Field(description="联系电话（部分隐去）")
    address: str
    region: RegionBrief = Field(description="登记地")
    communities: list[RegionBrief] = Field(description="服务社区")
    rating_average: float | None = Field(description="居民评价平均分（1–5）")
    rating_count: int


class ServiceProviderListOut(Schema):
    items: list[ServiceProviderOut]
    next_cursor: str | None


def _provider_out(p: Provider) -> dict:
    return {
        "id": p.pk, "name": p.name, "kind": p.kind, "kind_label": p.get_kind_display(), "services": p.services,
        "hours": p.hours, "phone": mask_phone(p.phone), "address": p.address, "region": region_ref(p.region),
        "communities": [region_ref(c) for c in sorted(p.communities.all(), key=lambda c: c.code)],
        "rating_average": round(p.rating_average, 2) if p.rating_average is not None else None,
        "rating_count": p.rating_count,
    }


@providers_router.get("", response={200: ServiceProviderListOut, 400: ErrorOut})
def list_service_providers(request, community: str = Query("", max_length=18, description="服务社区的区域编码"),
                           kind: str = Query("", max_length=16, description="服务类别"),
                           cursor: str | None = cursor_param(), limit: int = limit_param()):
    """Providers in the caller's scope, by id; a community outside it gives an empty list."""
    qs = selectors.providers_visible_to(request.user)
    if community:
        qs = qs.filter(pk__in=Provider.communities.through.objects.filter(region__code=community)
                       .values("provider_id"))
    if kind:
        if kind not in Provider.Kind.values:
            raise _bad("kind", "服务类别不正确")
        qs = qs.filter(kind=kind)
    page = paginate(qs, BY_ID, cursor=cursor, limit=limit)
    return {"items": [_provider_out(p) for p in page.rows], "next_cursor": page.next_cursor}
