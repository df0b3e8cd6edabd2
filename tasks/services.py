"""Writes on task requests (社区工作事项准入), the tasks pushed down to communities and their ledgers.

Each runs in one transaction with its audit row. A request is claimed by compare-and-swap on its `version`,
so of two reviewers deciding it at once exactly one wins and the other gets `StaleVersion`. A request is
admitted only with its authority and its funds attached (权随责走、费随事转); without them nothing changes.

Money is `Decimal`, never a float: an amount with more than two decimals, a negative or zero amount and
spending beyond what the community has received are refused. Ledger writes lock the request's row, so two
spendings at once cannot together exceed what was received.

Permission: the county reviews (county staff over the request's region); the department that filed the
request (its handlers) resubmits, withdraws, pushes it down and records commitments and transfers; the
community's staff record its spending and may refuse a task pushed down without admission.

A dispatched team's head is appointed only with the community's consent to that person for that team
(征得同意权, `team_head_appoint`): the latest decision counts, and without a consent nothing changes.
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from cases.models import Case
from core import audit
from core.models import AuditEvent
from core.roles import Role
from core.text import IDEMPOTENCY_KEY, plain_text
from organisations.models import Organisation, Person, Position
from regions.models import Level, Region
from regions.permissions import can_manage_region
from regions.selectors import sees_everything

from .models import (
    CommunityTask,
    Consent,
    DispatchedTeam,
    LedgerEntry,
    ListItem,
    ListKind,
    TaskCategory,
    TaskRequest,
    TeamAssignment,
    TeamMember,
)
from .workflow import REASON_REQUIRED, Side, StaleVersion, Status, side_of, target_of

NO_PERMISSION = "您无权处理该事项准入申请"
TEXT_MAX_LENGTH = 4000
REASON_MAX_LENGTH = 1000
CONSENT_REASONS_MAX = 2000
MONEY_MAX = Decimal("999999999999.99")
ADMITTED_NOT_REFUSABLE = "该事项已经准入，随事项下放了权限和经费，社区不能拒绝承接"
ALREADY_REFUSED = "社区已拒绝承接该事项"
DEPARTMENT_KINDS = (Organisation.Kind.DEPARTMENT, Organisation.Kind.DISPATCHED_AGENCY)


def _check(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})


def _key(errors: dict[str, str], key: str | None) -> str | None:
    key = (key or "").strip() or None
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        errors["idempotency_key"] = "幂等键须为 1–64 个可见 ASCII 字符"
    return key


def parse_money(errors: dict[str, str], name: str, value: object, *, label: str, required: bool = False,
                positive: bool = False) -> Decimal | None:
    """`value` (text, an integer or a Decimal; never a float) as exact money in yuan, or None when empty.

    Records a Chinese message under `name` in `errors` for anything else: not a number, more than two
    decimals written (trailing zeros too: "10.000"), negative (or zero when `positive`), or beyond what the
    ledger holds."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = f"请填写{label}"
        return None
    if isinstance(value, float) or isinstance(value, bool):
        errors[name] = f"{label}须以文字形式的金额填写，如 1200.50"
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except decimal.InvalidOperation:
        errors[name] = f"{label}应为金额（元），如 1200.50"
        return None
    if not amount.is_finite():
        errors[name] = f"{label}应为金额（元），如 1200.50"
        return None
    # Judged on what was written: "10.000" claims a precision money does not have, even though it equals 10.00.
    if amount.as_tuple().exponent < -2:
        errors[name] = f"{label}最多保留两位小数（到分）"
        return None
    if amount < 0:
        errors[name] = f"{label}不能为负数"
        return None
    if positive and amount == 0:
        errors[name] = f"{label}必须大于 0"
        return None
    if amount > MONEY_MAX:
        errors[name] = f"{label}超出可登记的范围"
        return None
    return amount.quantize(Decimal("0.01"))


# --------------------------------------------------------------------------------------------------
# Who may do what
# --------------------------------------------------------------------------------------------------


def can_review(actor, request: TaskRequest) -> bool:
    """The county's review: county staff over the request's region, or those who see everything."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if sees_everything(actor):
        return True
    return actor.role == Role.COUNTY_STAFF and can_manage_region(actor, request.region)


def speaks_for_department(actor, department: Organisation) -> bool:
    """The department's own handlers, and the county's reviewers on its behalf."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.role == Role.DEPARTMENT_HANDLER:
        return actor.organisation_id == department.pk
    return sees_everything(actor) or (actor.role == Role.COUNTY_STAFF and can_manage_region(actor, None))


def may_take(actor, request: TaskRequest, action: str) -> bool:
    """Whether `actor` may take `action` on `request` now: the county or the department, as the table says."""
    side = side_of(action, request.status)
    if side == Side.COUNTY:
        return can_review(actor, request)
    return speaks_for_department(actor, request.department)


# --------------------------------------------------------------------------------------------------
# The request and its review
# --------------------------------------------------------------------------------------------------


def _clean_request(errors: dict[str, str], *, title: str, description: str, legal_basis: str, authority: str,
                   funds: object, people: object, training: str) -> dict:
    values = {
        "title": plain_text(errors, "title", title, label="事项名称", required=True, max_length=150, single_line=True),
        "description": plain_text(errors, "description", description, label="工作内容", max_length=TEXT_MAX_LENGTH),
        "legal_basis": plain_text(errors, "legal_basis", legal_basis, label="法律政策依据", required=True,
                                  max_length=TEXT_MAX_LENGTH),
        "authority": plain_text(errors, "authority", authority, label="随事项下放的权限", max_length=TEXT_MAX_LENGTH),
        "training": plain_text(errors, "training", training, label="培训安排", max_length=300, single_line=True),
        "funds": parse_money(errors, "funds", funds, label="随事项拨付的经费"),
    }
    try:
        count = int(people or 0)
    except (TypeError, ValueError):
        count = -1
    if isinstance(people, float) or not 0 <= count <= 100000:
        errors["people"] = "配备人员应为 0 到 100000 之间的整数"
    values["people"] = max(count, 0)
    return values


@transaction.atomic
def task_request_file(*, actor, region: Region, department: Organisation, category: TaskCategory, title: str,
                      legal_basis: str, authority: str = "", funds: object = None, people: object = 0,
                      description: str = "", training: str = "",
                      idempotency_key: str | None = None) -> tuple[TaskRequest, bool]:
    """File a department's request that the communities of `region` take on a task; returns (request, created).

    The authority and funds may be filled in later (the request is then returned for them), but the county
    admits nothing without them. The same key gives back the same request."""
    errors: dict[str, str] = {}
    key = _key(errors, idempotency_key)
    if key and not errors and (existing := TaskRequest.objects.filter(idempotency_key=key).first()) is not None:
        return existing, False
    if department.kind not in DEPARTMENT_KINDS:
        errors["department"] = "申请单位须为职能部门或派出机构"
    elif not speaks_for_department(actor, department):
        raise PermissionDenied(NO_PERMISSION)
    if region.level not in (Level.COUNTY, Level.STREET):
        errors["region"] = "适用区域须为县（区）或街道"
    if category.archived_at is not None:
        errors["category"] = "该事项类别已停用"
    values = _clean_request(errors, title=title, description=description, legal_basis=legal_basis,
                            authority=authority, funds=funds, people=people, training=training)
    _check(errors)
    request = TaskRequest(region=region, department=department, category=category, filed_by=actor,
                          idempotency_key=key, **values)
    try:
        with transaction.atomic():
            request.save(force_insert=True)
    except IntegrityError:  # the same key committed by a concurrent request a moment ago
        return TaskRequest.objects.get(idempotency_key=key), False
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=request, changes={
        "region": [None, str(region)], "department": [None, str(department)], "category": [None, str(category)],
        "funds": [None, str(values["funds"]) if values["funds"] is not None else None],
        "people": [None, values["people"]],
    })
    return request, True


def missing_for_admission(request: TaskRequest) -> dict[str, str]:
    """What the request lacks to be admitted, by field: the authority and the funds (权随责走、费随事转)."""
    missing: dict[str, str] = {}
    if not request.authority.strip():
        missing["authority"] = "准入须明确随事项下放的权限（权随责走），该申请未填写"
    if request.funds is None or request.funds <= 0:
        missing["funds"] = "准入须明确随事项拨付的经费（费随事转），该申请未填写"
    return missing


@transaction.atomic
def task_request_decide(*, actor, request: TaskRequest, action: str, expected_version: int,
                        reason: str = "") -> TaskRequest:
    """Take one edge of the review table (`tasks.workflow`): admit, refuse, return, withdraw or resubmit, at the
    version the caller read. Admitting needs the authority and funds attached; refusing and returning need the
    reason. A request decided by someone else since is `StaleVersion`; nothing is written then."""
    request = TaskRequest.objects.select_related("region", "department").get(pk=request.pk)
    if request.version != expected_version:  # decided since the caller read it: theirs is the older page
        raise StaleVersion()
    target = target_of(action, request.status)
    if not may_take(actor, request, action):
        raise PermissionDenied(NO_PERMISSION)
    errors: dict[str, str] = {}
    reason = plain_text(errors, "reason", reason, label="审核意见", required=action in REASON_REQUIRED,
                        max_length=REASON_MAX_LENGTH)
    if action == "admit" and not errors:
        errors.update(missing_for_admission(request))
    _check(errors)
    fields: dict = {"status": target}
    if side_of(action, request.status) == Side.COUNTY:
        fields.update(review_reason=reason, reviewed_by=actor, reviewed_at=timezone.now())
    if not TaskRequest.objects.filter(pk=request.pk, version=expected_version, status=request.status).update(
            version=F("version") + 1, updated_at=timezone.now(), **fields):
        raise StaleVersion()
    before = request.status
    request.refresh_from_db()
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=request, changes={
        "status": [before, request.status], "version": [expected_version, request.version],
    }, reason=f"{action}：{reason}" if reason else action)
    return request


@transaction.atomic
def task_request_amend(*, actor, request: TaskRequest, expected_version: int, title: str, legal_basis: str,
                       authority: str = "", funds: object = None, people: object = 0, description: str = "",
                       training: str = "") -> TaskRequest:
    """Change a request the county returned for more (退回补充), before it is resubmitted."""
    request = TaskRequest.objects.select_related("region", "department").get(pk=request.pk)
    if not speaks_for_department(actor, request.department):
        raise PermissionDenied(NO_PERMISSION)
    errors: dict[str, str] = {}
    if request.status != Status.RETURNED:
        errors["status"] = "只有退回补充的申请可以修改"
    values = _clean_request(errors, title=title, description=description, legal_basis=legal_basis,
                            authority=authority, funds=funds, people=people, training=training)
    _check(errors)
    names = list(values)
    before = audit.snapshot(request, names)
    if not TaskRequest.objects.filter(pk=request.pk, version=expected_version).update(
            version=F("version") + 1, updated_at=timezone.now(), **values):
        raise StaleVersion()
    request.refresh_from_db()
    changes = audit.diff(before, audit.snapshot(request, names))
    changes["version"] = [expected_version, request.version]
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=request, changes=changes, reason="补充申请材料")
    return request


# --------------------------------------------------------------------------------------------------
# Pushed down to communities
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def task_push(*, actor, request: TaskRequest, community: Region) -> tuple[CommunityTask, bool]:
    """Push the task down to `community` (in the request's region); returns (task, created). A task not
    admitted may be pushed too — it is then listed as such, and the community may refuse it."""
    request = TaskRequest.objects.select_related("region", "department").get(pk=request.pk)
    if not speaks_for_department(actor, request.department):
        raise PermissionDenied(NO_PERMISSION)
    errors: dict[str, str] = {}
    if community.level != Level.COMMUNITY or not request.region.contains(community):
        errors["community"] = "只能下派到申请适用区域内的社区"
    if request.status in (Status.REFUSED, Status.WITHDRAWN):
        errors["request"] = f"该申请{request.get_status_display()}，不能下派"
    _check(errors)
    existing = CommunityTask.objects.filter(request=request, community=community).first()
    if existing is not None:
        return existing, False
    task = CommunityTask.objects.create(request=request, community=community, pushed_by=actor)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=task, changes={
        "request": [None, request.pk], "community": [None, str(community)], "admitted": [None, request.admitted],
    })
    return task, True


@transaction.atomic
def community_task_refuse(*, actor, task: CommunityTask, reason: str) -> CommunityTask:
    """The community refuses a task pushed down without admission (未经准入), with its reason."""
    task = CommunityTask.objects.select_related("request", "community").get(pk=task.pk)
    if not can_manage_region(actor, task.community):
        raise PermissionDenied("您无权处理该社区的事项")
    errors: dict[str, str] = {}
    reason = plain_text(errors, "reason", reason, label="拒绝理由", required=True, max_length=REASON_MAX_LENGTH)
    if task.request.admitted:
        errors["reason"] = ADMITTED_NOT_REFUSABLE
    elif task.state == CommunityTask.State.REFUSED:
        errors["reason"] = ALREADY_REFUSED
    _check(errors)
    if not CommunityTask.objects.filter(pk=task.pk, state=CommunityTask.State.ASSIGNED).update(
            state=CommunityTask.State.REFUSED, refused_reason=reason, refused_at=timezone.now()):
        raise ValidationError({"reason": [ALREADY_REFUSED]})
    task.refresh_from_db()
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=task,
                 changes={"state": [CommunityTask.State.ASSIGNED, task.state]}, reason=f"拒绝承接：{reason}")
    return task


# --------------------------------------------------------------------------------------------------
# The ledger
# --------------------------------------------------------------------------------------------------


def community_totals(request: TaskRequest, community: Region) -> dict[str, Decimal]:
    """Committed, received and spent so far on `request` in `community`."""
    sums = dict(LedgerEntry.objects.filter(request=request, community=community).values_list("kind")
                .annotate(total=Sum("amount")).order_by())
    zero = Decimal("0.00")
    return {"committed": sums.get(LedgerEntry.Kind.COMMITMENT) or zero,
            "received": sums.get(LedgerEntry.Kind.TRANSFER) or zero,
            "spent": sums.get(LedgerEntry.Kind.SPENDING) or zero}


@transaction.atomic
def ledger_record(*, actor, request: TaskRequest, community: Region, kind: str, amount: object,
                  on: dt.date | None = None, note: str = "",
                  idempotency_key: str | None = None) -> tuple[LedgerEntry, bool]:
    """One line of an admitted task's ledger for `community`: a commitment or a transfer (拨付) by the
    department, or spending by the community. Spending beyond what the community has received is refused;
    a transfer beyond what was committed is recorded, and the ledger is then flagged as not balancing."""
    errors: dict[str, str] = {}
    key = _key(errors, idempotency_key)
    if key and not errors and (existing := LedgerEntry.objects.filter(idempotency_key=key).first()) is not None:
        return existing, False
    # Locked while the line is written, so two spendings at once see each other.
    request = TaskRequest.objects.select_for_update().select_related("region", "department").get(pk=request.pk)
    if kind not in LedgerEntry.Kind.values:
        errors["kind"] = "请选择类型：承诺经费、拨付或支出"
    elif kind == LedgerEntry.Kind.SPENDING:
        if not can_manage_region(actor, community):
            raise PermissionDenied("您无权登记该社区的支出")
    elif not speaks_for_department(actor, request.department):
        raise PermissionDenied(NO_PERMISSION)
    if not request.admitted:
        errors["request"] = "只有已准入的事项才有经费台账"
    if community.level != Level.COMMUNITY or not request.region.contains(community):
        errors["community"] = "该社区不在事项适用区域内"
    label = LedgerEntry.Kind(kind).label if kind in LedgerEntry.Kind.values else "金额"
    value = parse_money(errors, "amount", amount, label=f"{label}金额", required=True, positive=True)
    note = plain_text(errors, "note", note, label="说明", max_length=200, single_line=True)
    on = on or timezone.localdate()
    if on > timezone.localdate():
        errors["on"] = "日期不能晚于今天"
    if value is not None and kind == LedgerEntry.Kind.SPENDING and "community" not in errors and not errors:
        totals = community_totals(request, community)
        if totals["spent"] + value > totals["received"]:
            errors["amount"] = (f"支出超过已拨付的经费：已拨付 {totals['received']} 元，已支出 {totals['spent']} 元，"
                                f"最多还能支出 {totals['received'] - totals['spent']} 元")
    _check(errors)
    try:
        with transaction.atomic():
            entry = LedgerEntry.objects.create(request=request, community=community, kind=kind, amount=value, on=on,
                                               note=note, recorded_by=actor, idempotency_key=key)
    except IntegrityError:
        return LedgerEntry.objects.get(idempotency_key=key), False
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=entry, changes={
        "request": [None, request.pk], "community": [None, str(community)], "kind": [None, kind],
        "amount": [None, str(value)], "on": [None, on.isoformat()],
    })
    return entry, True


# --------------------------------------------------------------------------------------------------
# The community's lists (权力清单 and the three task lists), versioned
# --------------------------------------------------------------------------------------------------


def _clean_item(errors: dict[str, str], *, kind: str, title: str, item_type: str, legal_basis: str,
                responsible_unit: str, supporting_units: str, reason: str, effective_on: dt.date | None) -> dict:
    if kind not in ListKind.values:
        errors["kind"] = "请选择清单：权力清单、依法履职、协助办理或负面事项"
    effective_on = effective_on or timezone.localdate()
    return {
        "title": plain_text(errors, "title", title, label="事项名称", required=True, max_length=150, single_line=True),
        "item_type": plain_text(errors, "item_type", item_type, label="事项类型", required=True, max_length=40,
                                single_line=True),
        "legal_basis": plain_text(errors, "legal_basis", legal_basis, label="法律政策依据", required=True,
                                  max_length=TEXT_MAX_LENGTH),
        "responsible_unit": plain_text(errors, "responsible_unit", responsible_unit, label="责任单位", required=True,
                                       max_length=150, single_line=True),
        "supporting_units": plain_text(errors, "supporting_units", supporting_units, label="配合单位",
                                       max_length=300, single_line=True),
        "reason": plain_text(errors, "reason", reason, label="制定或调整理由", required=True,
                             max_length=REASON_MAX_LENGTH),
        "effective_on": effective_on,
    }


@transaction.atomic
def list_item_add(*, actor, region: Region, kind: str, title: str, item_type: str, legal_basis: str,
                  responsible_unit: str, reason: str, supporting_units: str = "",
                  effective_on: dt.date | None = None) -> ListItem:
    """Add an item (its first version) to one of `region`'s lists, with the date it takes effect and why."""
    if not can_manage_region(actor, region):
        raise PermissionDenied("您无权调整该区域的清单")
    errors: dict[str, str] = {}
    values = _clean_item(errors, kind=kind, title=title, item_type=item_type, legal_basis=legal_basis,
                         responsible_unit=responsible_unit, supporting_units=supporting_units, reason=reason,
                         effective_on=effective_on)
    _check(errors)
    item = ListItem.objects.create(region=region, kind=kind, recorded_by=actor, **values)
    ListItem.objects.filter(pk=item.pk).update(key=item.pk)
    item.key = item.pk
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=item, changes={
        "kind": [None, kind], "title": [None, values["title"]], "effective_on": [None, str(values["effective_on"])]},
        reason=values["reason"])
    return item


@transaction.atomic
def list_item_change(*, actor, item: ListItem, expected_version: int, title: str, item_type: str,
                     legal_basis: str, responsible_unit: str, reason: str, supporting_units: str = "",
                     effective_on: dt.date | None = None, retire: bool = False) -> ListItem:
    """Change an item (or, with `retire`, take it off the list): a new version with its date and reason; the
    current one is kept, superseded. Of two changes from the same version, the second is `StaleVersion`."""
    current = ListItem.objects.select_related("region").get(pk=item.pk)
    if not can_manage_region(actor, current.region):
        raise PermissionDenied("您无权调整该区域的清单")
    errors: dict[str, str] = {}
    values = _clean_item(errors, kind=current.kind, title=title, item_type=item_type, legal_basis=legal_basis,
                         responsible_unit=responsible_unit, supporting_units=supporting_units, reason=reason,
                         effective_on=effective_on)
    if current.retired:
        errors["reason"] = "该事项已取消"
    _check(errors)
    if current.version != expected_version or not ListItem.objects.filter(
            pk=current.pk, superseded_at__isnull=True).update(superseded_at=timezone.now()):
        raise StaleVersion("该事项已被他人调整，请刷新后重试")
    new = ListItem.objects.create(region=current.region, kind=current.kind, key=current.key,
                                  version=current.version + 1, retired=retire, recorded_by=actor, **values)
    changes = audit.diff(audit.snapshot(current, list(values)), audit.snapshot(new, list(values)))
    changes["version"] = [current.version, new.version]
    if retire:
        changes["retired"] = [False, True]
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=new, changes=changes, reason=values["reason"])
    return new


# --------------------------------------------------------------------------------------------------
# Dispatched forces (县派驻、单位管、社区用)
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def team_place(*, actor, community: Region, name: str, kind: str,
               home_unit: Organisation) -> tuple[DispatchedTeam, bool]:
    """Place a team of `home_unit` under `community`; returns (team, created). It has no head until one is
    appointed with the community's consent (`team_head_appoint`); a team of that name already there is given back."""
    if not can_manage_region(actor, community):
        raise PermissionDenied("您无权管理该社区的下沉力量")
    errors: dict[str, str] = {}
    name = plain_text(errors, "name", name, label="名称", required=True, max_length=100, single_line=True)
    if kind not in DispatchedTeam.Kind.values:
        errors["kind"] = "请选择类型"
    if community.level != Level.COMMUNITY:
        errors["community"] = "下沉力量须编入社区"
    if home_unit.kind not in DEPARTMENT_KINDS:
        errors["home_unit"] = "派出单位须为职能部门或派出机构"
    _check(errors)
    existing = DispatchedTeam.objects.filter(community=community, name=name).first()
    if existing is not None:
        return existing, False
    team = DispatchedTeam.objects.create(community=community, name=name, kind=kind, home_unit=home_unit)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=team, changes={
        "community": [None, str(community)], "kind": [None, kind], "home_unit": [None, str(home_unit)]})
    return team, True


@transaction.atomic
def consent_record(*, actor, team: DispatchedTeam, candidate: Person, consented: bool, decided_on: dt.date,
                   signatories: str, reasons: str) -> Consent:
    """The community's consent, or refusal, to appointing `candidate` head of `team` (征得同意权), with date,
    signatories and reasons (a refusal too). The latest decision on a person for a team is the one that counts."""
    if not can_manage_region(actor, team.community):
        raise PermissionDenied("您无权登记该社区的征得同意")
    errors: dict[str, str] = {}
    signatories = plain_text(errors, "signatories", signatories, label="签字人", required=True, max_length=300,
                             single_line=True)
    reasons = plain_text(errors, "reasons", reasons, label="理由", required=True, max_length=CONSENT_REASONS_MAX)
    if decided_on > timezone.localdate():
        errors["decided_on"] = "决定日期不能晚于今天"
    _check(errors)
    consent = Consent.objects.create(team=team, candidate=candidate, consented=consented, decided_on=decided_on,
                                     signatories=signatories, reasons=reasons, recorded_by=actor)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=consent,
                 changes={"candidate": [None, candidate.pk], "consented": [None, consented]}, reason=reasons)
    return consent


def consent_refusal(team: DispatchedTeam, person: Person) -> str:
    """Why `person` may not be appointed head of `team` now, in Chinese; empty when the community's latest decision
    on them for this team is a consent."""
    latest = Consent.objects.filter(team=team, candidate=person).order_by("-decided_on", "-id").first()
    if latest is None:
        return f"任命{team.name}负责人须先征得社区同意：社区尚未就{person.name}作出同意决定，不能任命"
    if not latest.consented:
        return (f"社区于 {latest.decided_on:%Y-%m-%d} 决定不同意{person.name}任{team.name}负责人，不能任命"
                f"（理由：{latest.reasons}）")
    return ""


@transaction.atomic
def team_head_appoint(*, actor, team: DispatchedTeam, seat: Position) -> DispatchedTeam:
    """Appoint the person holding `seat` (a current position in an organisation of the team's community) head of
    `team`. Needs the community's consent to that person for that team (征得同意权): without it, or after a
    refusal, nothing changes."""
    team = DispatchedTeam.objects.select_for_update().select_related("community").get(pk=team.pk)
    if not can_manage_region(actor, team.community):
        raise PermissionDenied("您无权管理该社区的下沉力量")
    seat = Position.objects.select_related("person", "organisation__region").get(pk=seat.pk)
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if (seat.archived_at is not None or seat.started_on > today
            or (seat.ended_on is not None and seat.ended_on < today)):
        errors["seat"] = "该席位不是现任职务"
    elif not team.community.contains(seat.organisation.region):
        errors["seat"] = "负责人的席位须在本社区的组织中"
    elif team.head_seat_id == seat.pk:
        errors["seat"] = "该席位已是本下沉力量的负责人席位"
    elif refusal := consent_refusal(team, seat.person):
        errors["seat"] = refusal
    _check(errors)
    before = team.head_seat_id
    DispatchedTeam.objects.filter(pk=team.pk).update(head_seat=seat, updated_at=timezone.now())
    team.refresh_from_db()
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=team,
                 changes={"head_seat": [before, seat.pk]}, reason=f"任命负责人：{seat.person.name}（已征得社区同意）")
    return team


@transaction.atomic
def team_member_add(*, actor, team: DispatchedTeam, person: Person, role: str = "",
                    joined_on: dt.date | None = None) -> tuple[TeamMember, bool]:
    """A person of the home unit joins the team; returns (member, created)."""
    if not can_manage_region(actor, team.community):
        raise PermissionDenied("您无权管理该社区的下沉力量")
    errors: dict[str, str] = {}
    role = plain_text(errors, "role", role, label="岗位", max_length=40, single_line=True)
    _check(errors)
    member, created = TeamMember.objects.get_or_create(
        team=team, person=person, defaults={"role": role, "joined_on": joined_on or timezone.localdate()})
    if created:
        audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=member,
                     changes={"team": [None, team.pk], "person": [None, person.pk], "role": [None, role]})
    return member, created


@transaction.atomic
def team_assign(*, actor, team: DispatchedTeam, title: str, due_on: dt.date,
                case: Case | None = None) -> TeamAssignment:
    """The community gives the team work: from a case of the community, or (without a case) from a patrol plan."""
    if not can_manage_region(actor, team.community):
        raise PermissionDenied("您无权给该下沉力量派单")
    errors: dict[str, str] = {}
    title = plain_text(errors, "title", title, label="工作内容", required=True, max_length=150, single_line=True)
    if case is not None and not team.community.contains(case.region):
        errors["case"] = "该事项不在本社区"
    if due_on < timezone.localdate() - dt.timedelta(days=366):
        errors["due_on"] = "完成期限不正确"
    _check(errors)
    assignment = TeamAssignment.objects.create(
        team=team, source=TeamAssignment.Source.CASE if case else TeamAssignment.Source.PATROL, case=case,
        title=title, due_on=due_on, assigned_by=actor)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=assignment, changes={
        "team": [None, team.pk], "source": [None, assignment.source], "case": [None, case.pk if case else None]})
    return assignment


@transaction.atomic
def team_assignment_report(*, actor, assignment: TeamAssignment, what_was_done: str) -> TeamAssignment:
    """The team records what it did; the assignment is then done, once (its record feeds the head's evidence)."""
    assignment = TeamAssignment.objects.select_related("team__community").get(pk=assignment.pk)
    if not can_manage_region(actor, assignment.team.community):
        raise PermissionDenied("您无权登记该派单")
    errors: dict[str, str] = {}
    what_was_done = plain_text(errors, "what_was_done", what_was_done, label="工作情况", required=True,
                               max_length=TEXT_MAX_LENGTH)
    _check(errors)
    if not TeamAssignment.objects.filter(pk=assignment.pk, done_at__isnull=True).update(
            done_at=timezone.now(), what_was_done=what_was_done):
        raise ValidationError({"what_was_done": ["该派单已完成"]})
    assignment.refresh_from_db()
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=assignment,
                 changes={"done_at": [None, str(assignment.done_at)]}, reason="登记工作情况")
    return assignment
