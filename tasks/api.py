"""REST API of task admission (社区工作事项准入) and the ledgers of admitted tasks, with the scoping, error shape
and cursor paging of the rest of /api/v1/.

- `GET /task-requests`, `POST /task-requests`, `GET /task-requests/{id}`;
- `POST /task-requests/{id}/transitions` (`{"action", "version", "reason"}`: admit, refuse, return, withdraw,
  resubmit): a move the table forbids answers 400 `transition_not_allowed`, a stale version 409
  `stale_version`; admitting without authority or funds answers 400 `admission_incomplete` naming the field;
- `POST /task-requests/{id}/communities` (push the task down to a community);
- `POST /task-requests/{id}/communities/{code}/refusal` (`{"reason"}`: the community refuses a task pushed down
  without admission; an admitted task answers 400 `task_admitted`, a second refusal 400 `already_refused`);
- `GET /tasks/{id}/ledger`, `POST /tasks/{id}/ledger` (a commitment, transfer or spending; amounts are text,
  never floats).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from ninja import Field, Path, Query, Router, Schema, Status

from core.api.errors import ApiError, not_found, service_errors
from core.api.pagination import BY_ID, cursor_param, limit_param, paginate
from core.api.schemas import ErrorOut, OrganisationBrief, RecordId, RegionBrief, organisation_ref, region_ref
from core.pii import mask_text
from organisations.models import Organisation
from regions.selectors import region_visible_by_code, regions_visible_to

from . import selectors, services
from .models import CommunityTask, LedgerEntry, TaskRequest
from .workflow import ACTIONS

requests_router = Router(tags=["tasks"])
tasks_router = Router(tags=["tasks"])

NOT_FOUND = "事项准入申请不存在或无权访问"
ID = dict(ge=1, le=2**63 - 1)


@contextlib.contextmanager
def _admission_errors() -> Iterator[None]:
    """The services' refusals in the API's shape; a decision missing authority or funds has its own code."""
    try:
        with service_errors():
            yield
    except ApiError as exc:
        missing = [label for name, label in (("authority", "权限"), ("funds", "经费")) if name in exc.fields]
        if exc.code != "invalid" or not missing:
            raise
        raise ApiError(400, "admission_incomplete", f"准入须随事项明确{'、'.join(missing)}，申请未作改动",
                       exc.fields) from exc


class CategoryBrief(Schema):
    code: str
    name: str


class TaskRequestOut(Schema):
    id: int
    title: str
    region: RegionBrief
    department: OrganisationBrief
    category: CategoryBrief
    description: str
    legal_basis: str
    authority: str
    funds: str | None = Field(description="随事项拨付的经费（元/年），十进制文本，保留两位小数")
    people: int
    training: str
    status: str
    status_label: str
    version: int
    allowed_actions: list[str]
    missing_for_admission: list[str] = Field(description="准入还缺的项（authority、funds）")
    review_reason: str
    filed_at: dt.datetime
    reviewed_at: dt.datetime | None


class TaskRequestListOut(Schema):
    items: list[TaskRequestOut]
    next_cursor: str | None


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _out(request: TaskRequest) -> dict:
    return {
        "id": request.pk, "title": mask_text(request.title), "region": region_ref(request.region),
        "department": organisation_ref(request.department),
        "category": {"code": request.category.code, "name": request.category.name},
        "description": mask_text(request.description), "legal_basis": mask_text(request.legal_basis),
        "authority": mask_text(request.authority),
        "funds": _money(request.funds), "people": request.people, "training": mask_text(request.training),
        "status": request.status, "status_label": request.get_status_display(), "version": request.version,
        "allowed_actions": selectors.request_actions(request),
        "missing_for_admission": sorted(services.missing_for_admission(request)),
        "review_reason": mask_text(request.review_reason), "filed_at": request.filed_at,
        "reviewed_at": request.reviewed_at,
    }


def _visible(request, request_id: int) -> TaskRequest:
    found = selectors.task_requests_visible_to(request.user).filter(pk=request_id).first()
    if found is None:
        raise not_found(NOT_FOUND)
    return found


@requests_router.get("", response={200: TaskRequestListOut, 400: ErrorOut})
def list_task_requests(request, status: str | None = Query(None, max_length=12, description="状态"),
                       cursor: str | None = cursor_param(), limit: int = limit_param()):
    """Task requests the caller may read (refused and withdrawn ones too), by id."""
    qs = selectors.task_requests_visible_to(request.user)
    if status:
        qs = qs.filter(status=status)
    page = paginate(qs, BY_ID, cursor=cursor, limit=limit)
    return {"items": [_out(row) for row in page.rows], "next_cursor": page.next_cursor}


class TaskRequestIn(Schema):
    region: str = Field(max_length=18, description="适用区域（县或街道）的区域编码")
    department: RecordId = Field(description="申请部门 id")
    category: str = Field(max_length=40, description="事项类别代码")
    title: str = Field(max_length=150)
    legal_basis: str = Field(max_length=4000, description="法律政策依据")
    authority: str = Field("", max_length=4000, description="随事项下放的权限")
    funds: str | None = Field(None, max_length=20, description="经费（元/年），文本，最多两位小数")
    people: int = Field(0, ge=0, le=100000)
    description: str = Field("", max_length=4000)
    training: str = Field("", max_length=300)
    idempotency_key: str | None = Field(None, max_length=64)


@requests_router.post("", response={201: TaskRequestOut, 200: TaskRequestOut, 400: ErrorOut, 403: ErrorOut})
def file_task_request(request, payload: TaskRequestIn):
    """File a task request (status `filed`). A retry with the same `idempotency_key` answers 200 with the first."""
    region = region_visible_by_code(user=request.user, code=payload.region)
    if region is None:
        raise ApiError(400, "invalid", "请求参数不正确", {"region": ["未找到该区域编码，或该区域不在您的管辖范围内"]})
    department = Organisation.objects.filter(pk=payload.department, archived_at__isnull=True).first()
    if department is None or not services.speaks_for_department(request.user, department):
        raise ApiError(400, "invalid", "请求参数不正确", {"department": ["部门不存在或无权代其申请"]})
    category = selectors.categories().filter(code=payload.category).first()
    if category is None:
        raise ApiError(400, "invalid", "请求参数不正确", {"category": ["未知的事项类别"]})
    with service_errors():
        found, created = services.task_request_file(
            actor=request.user, region=region, department=department, category=category, title=payload.title,
            legal_basis=payload.legal_basis, authority=payload.authority, funds=payload.funds,
            people=payload.people, description=payload.description, training=payload.training,
            idempotency_key=payload.idempotency_key,
        )
    return Status(201 if created else 200, _out(found))


@requests_router.get("/{request_id}", response={200: TaskRequestOut, 400: ErrorOut, 404: ErrorOut})
def get_task_request(request, request_id: int = Path(..., **ID)):
    """One task request, with the moves its review allows now and what it lacks to be admitted."""
    return _out(_visible(request, request_id))


class TaskTransitionIn(Schema):
    action: str = Field(max_length=40, description="、".join(ACTIONS))
    version: int = Field(ge=0, le=2**31)
    reason: str = Field("", max_length=1000, description="审核意见；不予准入、退回补充时必填")


@requests_router.post("/{request_id}/transitions",
                      response={200: TaskRequestOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut})
def task_request_transition(request, payload: TaskTransitionIn, request_id: int = Path(..., **ID)):
    """Admit, refuse, return, withdraw or resubmit at the `version` the caller read."""
    found = _visible(request, request_id)
    if payload.action not in ACTIONS:
        raise ApiError(400, "unknown_action", f"未知的操作：{payload.action[:40]}", {"action": ["未知的操作"]})
    with _admission_errors() if payload.action == "admit" else service_errors():
        found = services.task_request_decide(actor=request.user, request=found, action=payload.action,
                                             expected_version=payload.version, reason=payload.reason)
    return _out(found)


class PushIn(Schema):
    community: str = Field(max_length=18, description="社区的区域编码")


class CommunityTaskOut(Schema):
    id: int
    request: int
    community: RegionBrief
    admitted: bool = Field(description="false：未经准入下派，社区可拒绝承接")
    state: str
    state_label: str
    refused_reason: str


@requests_router.post("/{request_id}/communities",
                      response={201: CommunityTaskOut, 200: CommunityTaskOut, 400: ErrorOut, 403: ErrorOut,
                                404: ErrorOut})
def push_task(request, payload: PushIn, request_id: int = Path(..., **ID)):
    """Push the task down to a community; a task not admitted is listed as such, and the community may refuse it."""
    found = _visible(request, request_id)
    community = regions_visible_to(request.user).filter(code=payload.community).first()
    if community is None:
        raise ApiError(400, "invalid", "请求参数不正确", {"community": ["未找到该社区，或不在您的管辖范围内"]})
    with service_errors():
        task, created = services.task_push(actor=request.user, request=found, community=community)
    return Status(201 if created else 200, _pushed_out(task, found))


def _pushed_out(task: CommunityTask, found: TaskRequest) -> dict:
    return {"id": task.pk, "request": found.pk, "community": region_ref(task.community), "admitted": found.admitted,
            "state": task.state, "state_label": task.get_state_display(),
            "refused_reason": mask_text(task.refused_reason)}


class RefusalIn(Schema):
    reason: str = Field("", max_length=1000, description="拒绝理由，必填")


@requests_router.post("/{request_id}/communities/{code}/refusal",
                      response={200: CommunityTaskOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def refuse_task(request, payload: RefusalIn, request_id: int = Path(..., **ID),
                code: str = Path(..., max_length=18, description="社区的区域编码")):
    """The community refuses, with its reason, a task pushed down to it without admission. Refusing an admitted
    task answers 400 `task_admitted`, refusing again 400 `already_refused`; nothing changes then."""
    found = _visible(request, request_id)
    pushed = selectors.community_tasks_visible_to(request.user).filter(request=found, community__code=code).first()
    if pushed is None:
        raise not_found("该事项未下派到该社区，或无权访问")
    with service_errors({services.ALREADY_REFUSED: "already_refused",
                         services.ADMITTED_NOT_REFUSABLE: "task_admitted"}):
        task = services.community_task_refuse(actor=request.user, task=pushed, reason=payload.reason)
    return _pushed_out(task, found)


class LedgerEntryOut(Schema):
    id: int
    kind: str
    kind_label: str
    amount: str
    on: dt.date
    note: str


class LedgerLineOut(Schema):
    community: RegionBrief
    committed: str
    received: str
    spent: str
    balanced: bool = Field(description="支出 ≤ 拨付 ≤ 承诺")
    entries: list[LedgerEntryOut]


class LedgerOut(Schema):
    task: int
    title: str
    balanced: bool = Field(description="每个社区都满足 支出 ≤ 拨付 ≤ 承诺")
    communities: list[LedgerLineOut]


def _entry_out(entry: LedgerEntry) -> dict:
    return {"id": entry.pk, "kind": entry.kind, "kind_label": entry.get_kind_display(),
            "amount": _money(entry.amount), "on": entry.on, "note": mask_text(entry.note)}


def _ledger_out(user, found: TaskRequest) -> dict:
    lines = selectors.ledger_of(user, found)
    return {
        "task": found.pk, "title": mask_text(found.title), "balanced": all(line.balanced for line in lines),
        "communities": [
            {"community": region_ref(line.community), "committed": _money(line.committed),
             "received": _money(line.received), "spent": _money(line.spent), "balanced": line.balanced,
             "entries": [_entry_out(entry) for entry in line.entries]}
            for line in lines
        ],
    }


def _admitted(request, task_id: int) -> TaskRequest:
    found = selectors.task_requests_visible_to(request.user).filter(pk=task_id).first()
    if found is None or not found.admitted:
        raise not_found("事项不存在、未经准入或无权访问")
    return found


@tasks_router.get("/{task_id}/ledger", response={200: LedgerOut, 400: ErrorOut, 404: ErrorOut})
def get_ledger(request, task_id: int = Path(..., **ID)):
    """The ledger of an admitted task: per community in the caller's scope, committed, received and spent, each
    line flagged when it does not balance (spent ≤ received ≤ committed)."""
    return _ledger_out(request.user, _admitted(request, task_id))


class LedgerEntryIn(Schema):
    community: str = Field(max_length=18, description="社区的区域编码")
    kind: str = Field(max_length=12, description="commitment（承诺经费）、transfer（拨付）或 spending（支出）")
    amount: str = Field(max_length=20, description="金额（元），文本，最多两位小数，须大于 0")
    on: dt.date | None = Field(None, description="日期，默认今天")
    note: str = Field("", max_length=200)
    idempotency_key: str | None = Field(None, max_length=64)


@tasks_router.post("/{task_id}/ledger",
                   response={201: LedgerEntryOut, 200: LedgerEntryOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def add_ledger_entry(request, payload: LedgerEntryIn, task_id: int = Path(..., **ID)):
    """Record a commitment or a transfer (the department) or spending (the community). Spending beyond what was
    received, negative amounts and more than two decimals answer 400 and record nothing."""
    found = _admitted(request, task_id)
    community = regions_visible_to(request.user).filter(code=payload.community).first()
    if community is None:
        raise ApiError(400, "invalid", "请求参数不正确", {"community": ["未找到该社区，或不在您的管辖范围内"]})
    with service_errors():
        entry, created = services.ledger_record(actor=request.user, request=found, community=community,
                                                kind=payload.kind, amount=payload.amount, on=payload.on,
                                                note=payload.note, idempotency_key=payload.idempotency_key)
    return Status(201 if created else 200, _entry_out(entry))
