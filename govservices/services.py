"""Writes of the catalogue (办事指南), service requests (办件) and their ratings (好差评).

Each runs in one transaction with its audit row. A request is claimed by compare-and-swap on its
`version`, so of two staff members moving it at once exactly one wins and the other gets `StaleVersion`.
A request created with an idempotency key is stored once however often the call is repeated.

Permission: the catalogue is published by county staff; a request is taken and moved by staff who
manage its community (`regions.permissions.can_manage_region`), and by the handler (首办) it was
passed to. The 首问 (who took it first) is written once and never changed. A social service
organisation (社会服务组织) is registered, changed and archived by staff who manage the place it is
registered at; it is rated by residents signed in with their own account, once a month each.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from pypinyin import Style, lazy_pinyin

from core import audit
from core.models import AuditEvent
from core.roles import STAFF_ROLES, Role
from core.services import record_archive
from core.text import IDEMPOTENCY_KEY, ascii_digits, plain_text
from core.workflow import StaleRecord
from halls.models import ServiceWindow
from organisations.excel import phone_error
from organisations.models import Organisation
from regions.models import Facility, Level, Region
from regions.permissions import can_manage_region
from regions.selectors import sees_everything
from workcalendar.limits import TimeLimit
from workcalendar.selectors import WorkingCalendar, deadline_after

from .models import (
    Category,
    FollowUp,
    Item,
    ItemVersion,
    Provider,
    ProviderRating,
    Rating,
    RequestStep,
    ServiceRequest,
)
from .workflow import StaleVersion, Status, target_of

NO_PERMISSION = "您无权办理该社区的办件"
NO_CATALOGUE_PERMISSION = "只有县级工作人员可以发布办事指南"
FOLLOW_UP_DAYS = 5
TEXT_MAX_LENGTH = 2000
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GUIDE_FIELDS = ("authority", "legal_basis", "conditions", "materials", "fee", "fee_basis", "legal_days",
                "promised_days", "kind", "visits", "handled_locally", "forwarded_to", "forms", "questions")


def initials_of(text: str) -> str:
    """The pinyin initials of `text`, lower case, letters and digits only (证明开具 → zmkj)."""
    letters = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default"))
    return "".join(ch for ch in letters.lower() if ch.isascii() and ch.isalnum())


def _check(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})


def _can_publish(actor) -> bool:
    return actor.is_authenticated and (sees_everything(actor) or actor.role == Role.COUNTY_STAFF)


# --------------------------------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def category_ensure(*, actor, name: str, order: int = 0) -> tuple[Category, bool]:
    """The category called `name`, created if missing; returns (category, created)."""
    if not _can_publish(actor):
        raise PermissionDenied(NO_CATALOGUE_PERMISSION)
    errors: dict[str, str] = {}
    name = plain_text(errors, "name", name, label="类别名称", required=True, max_length=50, single_line=True)
    _check(errors)
    category, created = Category.objects.get_or_create(name=name, defaults={"order": order})
    if created:
        audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=category, changes={"name": [None, name]})
    return category, created


@transaction.atomic
def item_publish(*, actor, category: Category, code: str, name: str, guide: dict) -> tuple[ItemVersion, bool]:
    """Publish the guide of item `code`: a new version when anything in it changed, else the current one.

    `guide` carries the fields of `GUIDE_FIELDS`. Requests already made keep the version they were made
    under; new ones take the new version. Returns (version, created).
    """
    if not _can_publish(actor):
        raise PermissionDenied(NO_CATALOGUE_PERMISSION)
    errors: dict[str, str] = {}
    code = plain_text(errors, "code", code, label="事项编码", required=True, max_length=32, single_line=True)
    name = plain_text(errors, "name", name, label="事项名称", required=True, max_length=100, single_line=True)
    unknown = set(guide) - set(GUIDE_FIELDS)
    if unknown:
        errors["guide"] = f"办事指南没有这些栏目：{'、'.join(sorted(unknown))}"
    materials = guide.get("materials") or []
    if not all(isinstance(m, dict) and m.get("name") for m in materials):
        errors["materials"] = "每项申请材料须有名称"
    if int(guide.get("promised_days", 0)) > int(guide.get("legal_days", 0)):
        errors["promised_days"] = "承诺时限不能长于法定时限"
    _check(errors)
    item = Item.objects.select_for_update().filter(code=code).first()
    if item is None:
        item = Item.objects.create(category=category, code=code, name=name, initials=initials_of(name))
        audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=item,
                     changes={"code": [None, code], "name": [None, name]})
    elif item.name != name or item.category_id != category.pk:
        Item.objects.filter(pk=item.pk).update(name=name, initials=initials_of(name), category=category)
        item.refresh_from_db()
    current = item.current
    if current is not None and all(getattr(current, field) == guide.get(field, getattr(current, field))
                                   for field in GUIDE_FIELDS):
        return current, False
    version = ItemVersion(item=item, number=(current.number + 1 if current else 1), created_by=actor, **guide)
    try:
        version.full_clean(exclude=["item", "created_by"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    version.save()
    Item.objects.filter(pk=item.pk).update(current=version, updated_at=timezone.now())
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=version,
                 changes={"item": [None, code], "number": [None, version.number]})
    return version, True


# --------------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------------


def _tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def _due(start: dt.datetime, days: int) -> dt.datetime:
    return deadline_after(start, TimeLimit(days, "working_days")).due


def _days_left(now: dt.datetime, due: dt.datetime) -> int:
    """Working days from the day after today to the due day, both counted."""
    calendar = WorkingCalendar()
    today, last = timezone.localtime(now).date(), timezone.localtime(due).date()
    days, day = 0, today
    while day < last:
        day = calendar.next_working_day(day)
        if day <= last:
            days += 1
    return days


def _step(request: ServiceRequest, *, actor, action: str, before: str, note: str = "") -> None:
    RequestStep.objects.create(request=request, action=action, from_status=before, to_status=request.status,
                               actor=actor if getattr(actor, "is_authenticated", False) else None, note=note)


def request_create(*, actor, item: Item, region: Region, channel: str, applicant_name: str,
                   hall: Facility | None = None, window: ServiceWindow | None = None, assisted: bool = False,
                   consent: str = "", idempotency_key: str | None = None) -> tuple[ServiceRequest, bool]:
    """Register a request under the item's current version; returns (request, created).

    `window` is the hall's window it was taken at (its hall is the request's hall when none is given).

    At a window the clerk who takes it becomes its 首问 and it is accepted at once (its clock starts);
    online it waits for a clerk's 受理. 帮办代办 (`assisted`) needs the resident's consent recorded.
    The same idempotency key gives back the same request.
    """
    errors: dict[str, str] = {}
    key = (idempotency_key or "").strip() or None
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        errors["idempotency_key"] = "幂等键须为 1–64 个可见 ASCII 字符"
    if key and not errors and (existing := ServiceRequest.objects.filter(idempotency_key=key).first()):
        return existing, False
    try:
        with transaction.atomic():
            return _create(actor=actor, item=item, region=region, channel=channel, applicant_name=applicant_name,
                           hall=hall, window=window, assisted=assisted, consent=consent, key=key,
                           errors=errors), True
    except IntegrityError:
        if key and (existing := ServiceRequest.objects.filter(idempotency_key=key).first()):
            return existing, False
        raise


def _create(*, actor, item, region, channel, applicant_name, hall, window, assisted, consent, key, errors):
    at_window = channel == ServiceRequest.Channel.WINDOW
    if channel not in ServiceRequest.Channel.values:
        errors["channel"] = "受理渠道不正确"
    if (at_window or assisted) and not can_manage_region(actor, region):
        raise PermissionDenied(NO_PERMISSION)
    applicant_name = plain_text(errors, "applicant_name", applicant_name, label="申请人", required=True,
                                max_length=50, single_line=True)
    consent = plain_text(errors, "consent", consent, label="本人同意记录", max_length=200, single_line=True)
    if assisted and not consent:
        errors["consent"] = "帮办代办须记录申请人本人的同意（如“本人口头同意，家属王某在场”）"
    if item.current_id is None or item.archived_at is not None:
        errors["item"] = "该事项暂不受理"
    if region.level != "community":
        errors["region"] = "请选择社区"
    if window is not None:
        if hall is None:
            hall = window.hall
        if window.hall_id != hall.pk or window.archived_at is not None:
            errors["window"] = "该窗口不在所选大厅"
    if hall is not None and not region.contains(hall.region) and not hall.region.contains(region):
        errors["hall"] = "该大厅不在所选社区"
    _check(errors)
    now = timezone.now()
    request = ServiceRequest.objects.create(
        item_version=item.current, region=region, hall=hall, window=window, channel=channel,
        tracking_code=_tracking_code(), applicant_name=applicant_name,
        applicant=actor if actor.is_authenticated and not at_window else None,
        assisted=assisted, consent=consent, submitted_at=now, idempotency_key=key,
        first_receiver=actor if at_window else None,
    )
    _step(request, actor=actor, action="create", before="")
    if at_window:
        _accept(request, actor, now)
        _step(request, actor=actor, action="accept", before=Status.SUBMITTED)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=request, changes={
        "item": [None, item.code], "version": [None, item.current.number], "channel": [None, channel],
        "status": [None, request.status], **({"window": [None, window.name]} if window else {}),
        **({"consent": [None, consent]} if assisted else {}),
    })
    return request


def _accept(request: ServiceRequest, actor, now: dt.datetime) -> None:
    ServiceRequest.objects.filter(pk=request.pk).update(
        status=Status.ACCEPTED, accepted_at=now, due_at=_due(now, request.item_version.promised_days),
        first_receiver=request.first_receiver or actor)
    request.refresh_from_db()


def handler_candidates():
    """Who may be handed a request: active staff (a department's handler included)."""
    return get_user_model().objects.filter(is_active=True, role__in=STAFF_ROLES).order_by("username")


def may_act(actor, request: ServiceRequest) -> bool:
    """Staff managing the request's community, or its current handler."""
    return can_manage_region(actor, request.region) or (actor.is_authenticated and request.handler_id == actor.pk)


@transaction.atomic
def request_transition(*, actor, request: ServiceRequest, action: str, expected_version: int, reason: str = "",
                       missing: list[str] | None = None, handler=None, department: Organisation | None = None,
                       result: str = "") -> ServiceRequest:
    """Move `request` by `action` of the table (`govservices.workflow.TABLE`).

    - `accept` (受理): the actor becomes the 首问 unless one is recorded; the clock starts;
    - `reject` (不予受理) needs `reason`;
    - `correct` (一次性告知补正) needs `missing`, every missing material at once; the clock stops;
    - `supplement` (补齐) starts it again with the working days that were left;
    - `handle` (首办): the actor takes it; `transfer` (转办) passes it to `handler` (and `department`);
    - `complete` (办结) needs `result`; `deliver` (出件).
    """
    if not may_act(actor, request):
        raise PermissionDenied(NO_PERMISSION)
    target = target_of(action, request.status)
    if not ServiceRequest.objects.filter(pk=request.pk, version=expected_version).update(version=F("version") + 1):
        raise StaleVersion()
    request = ServiceRequest.objects.select_related("item_version", "region").get(pk=request.pk)
    before = request.status
    errors: dict[str, str] = {}
    now = timezone.now()
    fields: dict = {"status": target}
    note = ""
    if action == "accept":
        fields |= {"accepted_at": now, "due_at": _due(now, request.item_version.promised_days),
                   "first_receiver": request.first_receiver or actor}
    elif action == "reject":
        reason = plain_text(errors, "reason", reason, label="不予受理理由", required=True, max_length=TEXT_MAX_LENGTH)
        fields["reason"] = note = reason
    elif action == "correct":
        names = [plain_text(errors, "missing", name, label="补正材料", max_length=200, single_line=True)
                 for name in (missing or [])]
        names = list(dict.fromkeys(name for name in names if name))
        if not names and "missing" not in errors:
            errors["missing"] = "请一次列出需要补正的全部材料"
        fields["missing"] = names
        note = "需补正：" + "、".join(names)
        if request.due_at is not None:
            fields["paused_days_left"] = _days_left(now, request.due_at)
    elif action == "supplement":
        if request.accepted_at is None:
            fields |= {"accepted_at": now, "due_at": _due(now, request.item_version.promised_days),
                       "first_receiver": request.first_receiver or actor}
        else:
            fields["due_at"] = _due(now, request.paused_days_left or 0)
        fields["paused_days_left"] = None
        fields["handler"] = request.handler or actor
    elif action == "handle":
        fields["handler"] = actor
    elif action == "transfer":
        if handler is None or not handler_candidates().filter(pk=handler.pk).exists():
            errors["handler"] = "请选择承办人"
        elif handler.pk == request.handler_id:
            errors["handler"] = "该办件已由此人承办"
        if department is not None and department.kind != Organisation.Kind.DEPARTMENT:
            errors["department"] = "请选择职能部门"
        fields |= {"handler": handler, "department": department or request.department}
        note = f"转办给 {getattr(handler, 'username', '')}" + (f"（{department.name}）" if department else "")
    elif action == "complete":
        result = plain_text(errors, "result", result, label="办理结果", required=True, max_length=TEXT_MAX_LENGTH)
        fields |= {"result": result, "completed_at": now, "handler": request.handler or actor}
        note = result
    elif action == "deliver":
        fields["delivered_at"] = now
    _check(errors)
    names = sorted(set(fields) | {"status"})
    snap = audit.snapshot(request, names)
    ServiceRequest.objects.filter(pk=request.pk).update(**fields)
    request.refresh_from_db()
    _step(request, actor=actor, action=action, before=before, note=note)
    changes = audit.diff(snap, audit.snapshot(request, names))
    changes["version"] = [expected_version, request.version]
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=request, changes=changes, reason=action)
    return request


# --------------------------------------------------------------------------------------------------
# 好差评 and follow-ups
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def rating_add(*, request: ServiceRequest, level: int, comment: str = "", actor=None) -> Rating:
    """The resident's rating of a finished request, once. 不满意 or 非常不满意 opens a follow-up (整改)
    due in FOLLOW_UP_DAYS working days."""
    errors: dict[str, str] = {}
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    if request.status not in (Status.COMPLETED, Status.DELIVERED):
        errors["level"] = "办结后才能评价"
    elif Rating.objects.filter(request=request).exists():
        errors["level"] = "该办件已评价"
    if level not in Rating.Level.values:
        errors["level"] = "请选择评价等级"
    comment = plain_text(errors, "comment", comment, label="评价内容", max_length=TEXT_MAX_LENGTH)
    if level in (Rating.Level.DISSATISFIED, Rating.Level.VERY_DISSATISFIED) and not comment and "level" not in errors:
        errors["comment"] = "请说明不满意的原因，以便整改"
    _check(errors)
    rating = Rating.objects.create(request=request, level=level, comment=comment)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=rating, changes={"level": [None, level]})
    if rating.is_bad:
        follow_up = FollowUp.objects.create(rating=rating, due_at=_due(timezone.now(), FOLLOW_UP_DAYS))
        audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=follow_up,
                     changes={"due_at": [None, follow_up.due_at.isoformat()]})
    return rating


@transaction.atomic
def follow_up_reply(*, actor, follow_up: FollowUp, reply: str, expected_version: int) -> FollowUp:
    """Answer a 差评: what was put right, read by the resident on the request's page."""
    if not may_act(actor, follow_up.rating.request):
        raise PermissionDenied(NO_PERMISSION)
    errors: dict[str, str] = {}
    reply = plain_text(errors, "reply", reply, label="整改答复", required=True, max_length=TEXT_MAX_LENGTH)
    if follow_up.replied_at is not None:
        errors["reply"] = "该差评已答复"
    _check(errors)
    if not FollowUp.objects.filter(pk=follow_up.pk, version=expected_version).update(
            version=F("version") + 1, reply=reply, replied_at=timezone.now(), replied_by=actor):
        raise StaleVersion()
    follow_up.refresh_from_db()
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=follow_up, changes={"reply": [None, reply]})
    return follow_up


# --------------------------------------------------------------------------------------------------
# Social service organisations (社会服务组织) and their ratings
# --------------------------------------------------------------------------------------------------

NO_PROVIDER_PERMISSION = "您无权登记或修改该地的社会服务组织"
PROVIDER_STALE = "该服务组织已被他人修改，请查看最新内容后重试（您填写的内容已保留）"
RATE_SIGN_IN = "请用居民账号登录后评价"
RATED_THIS_MONTH = "您本月已评价过该服务组织，下月可再次评价"
PROVIDER_LEVELS = (Level.COUNTY, Level.STREET, Level.COMMUNITY)
SERVICES_MAX_LENGTH = 1000
RATING_COMMENT_MAX_LENGTH = 500


def _phone(errors: dict[str, str], value: str, *, required: bool) -> str:
    """A phone as typed with a Chinese input method (full-width digits, spaces) made plain, and checked."""
    phone = "".join(ascii_digits(value).split())
    if not phone:
        if required:
            errors["phone"] = "请填写联系电话"
    elif (message := phone_error(phone)) is not None:
        errors["phone"] = message
    return phone


def _provider_values(errors: dict[str, str], *, name: str, kind: str, services: str, hours: str,
                     address: str) -> dict:
    values = {
        "name": plain_text(errors, "name", name, label="名称", required=True, max_length=100, single_line=True),
        "services": plain_text(errors, "services", services, label="服务内容", required=True,
                               max_length=SERVICES_MAX_LENGTH),
        "hours": plain_text(errors, "hours", hours, label="服务时间", required=True, max_length=100,
                            single_line=True),
        "address": plain_text(errors, "address", address, label="服务地址", max_length=200, single_line=True),
        "kind": kind,
    }
    if kind not in Provider.Kind.values:
        errors["kind"] = "请选择服务类别"
    return values


def _communities(errors: dict[str, str], region: Region, communities) -> list[Region]:
    chosen = list(dict.fromkeys(communities or []))
    if not chosen:
        errors["communities"] = "请至少选择一个服务社区"
    elif any(c.level != Level.COMMUNITY or c.archived_at is not None or not region.contains(c) for c in chosen):
        errors["communities"] = f"服务社区须是{region.name}辖区内的社区"
    return chosen


def _name_taken(name: str, *, other_than: int | None = None) -> bool:
    qs = Provider.objects.filter(name=name, archived_at__isnull=True)
    return (qs.exclude(pk=other_than) if other_than else qs).exists()


@transaction.atomic
def provider_register(*, actor, name: str, kind: str, services: str, hours: str, phone: str, region: Region,
                      communities: list[Region], address: str = "",
                      organisation: Organisation | None = None) -> Provider:
    """Register a social service organisation at `region` (county, street or community) for the
    `communities` of that place it serves. The phone is stored encrypted; the audit row never holds it."""
    if not can_manage_region(actor, region):
        raise PermissionDenied(NO_PROVIDER_PERMISSION)
    errors: dict[str, str] = {}
    values = _provider_values(errors, name=name, kind=kind, services=services, hours=hours, address=address)
    phone = _phone(errors, phone, required=True)
    if region.level not in PROVIDER_LEVELS:
        errors["region"] = "登记地须是县、街道或社区"
    chosen = _communities(errors, region, communities)
    if values["name"] and "name" not in errors and _name_taken(values["name"]):
        errors["name"] = "该名称的服务组织已登记"
    _check(errors)
    provider = Provider.objects.create(**values, phone=phone, region=region, organisation=organisation,
                                       registered_by=actor if actor.is_authenticated else None)
    provider.communities.set(chosen)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=provider, changes={
        **{field: [None, value] for field, value in values.items() if value}, "phone": [None, "***"],
        "region": [None, region.code], "communities": [None, sorted(c.code for c in chosen)],
    })
    return provider


@transaction.atomic
def provider_update(*, actor, provider: Provider, expected_version: int, name: str, kind: str, services: str,
                    hours: str, communities: list[Region], address: str = "", phone: str = "") -> Provider:
    """Change a provider as two staff may at once: compare-and-swap on `version` (`StaleVersion` for the
    one who read an older page). A blank `phone` keeps the stored one."""
    provider = Provider.objects.select_related("region").get(pk=provider.pk)
    if not can_manage_region(actor, provider.region):
        raise PermissionDenied(NO_PROVIDER_PERMISSION)
    errors: dict[str, str] = {}
    if provider.archived_at is not None:
        errors["name"] = "该服务组织已归档，不能修改"
    values = _provider_values(errors, name=name, kind=kind, services=services, hours=hours, address=address)
    phone = _phone(errors, phone, required=False)
    chosen = _communities(errors, provider.region, communities)
    if values["name"] and "name" not in errors and _name_taken(values["name"], other_than=provider.pk):
        errors["name"] = "该名称的服务组织已登记"
    _check(errors)
    if phone:
        values["phone"] = phone
    names = sorted(values)
    before = audit.snapshot(provider, names)
    before_communities = sorted(provider.communities.values_list("code", flat=True))
    if not Provider.objects.filter(pk=provider.pk, version=expected_version).update(
            version=F("version") + 1, updated_at=timezone.now(), **values):
        raise StaleRecord(PROVIDER_STALE)
    provider.refresh_from_db()
    provider.communities.set(chosen)
    changes = audit.diff(before, audit.snapshot(provider, names))
    if "phone" in changes:
        changes["phone"] = ["***", "***"]
    after_communities = sorted(c.code for c in chosen)
    if after_communities != before_communities:
        changes["communities"] = [before_communities, after_communities]
    changes["version"] = [expected_version, provider.version]
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=provider, changes=changes)
    return provider


def provider_archive(*, actor, provider: Provider, reason: str = "") -> Provider:
    """Retire a provider: it leaves the residents' list and the staff list, and stays in history."""
    if not can_manage_region(actor, provider.region):
        raise PermissionDenied(NO_PROVIDER_PERMISSION)
    errors: dict[str, str] = {}
    reason = plain_text(errors, "reason", reason, label="归档原因", max_length=200, single_line=True)
    _check(errors)
    return record_archive(provider, actor=actor, reason=reason)


def _month_of(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date().replace(day=1)


def provider_rate(*, actor, provider: Provider, level: int, comment: str = "") -> ProviderRating:
    """A resident's rating of a provider on the five national levels, with their own account and once a
    calendar month per provider: a second rating in the month is refused, so repeating it counts nothing."""
    if not (getattr(actor, "is_authenticated", False) and actor.role == Role.RESIDENT):
        raise PermissionDenied(RATE_SIGN_IN)
    errors: dict[str, str] = {}
    if level not in Rating.Level.values:
        errors["level"] = "请选择评价等级"
    comment = plain_text(errors, "comment", comment, label="评价内容", max_length=RATING_COMMENT_MAX_LENGTH)
    if provider.archived_at is not None:
        errors["level"] = "该服务组织已停止服务，不能评价"
    month = _month_of(timezone.now())
    if "level" not in errors and ProviderRating.objects.filter(provider=provider, rater=actor, month=month).exists():
        errors["level"] = RATED_THIS_MONTH
    _check(errors)
    try:
        with transaction.atomic():
            rating = ProviderRating.objects.create(provider=provider, rater=actor, month=month, level=level,
                                                   comment=comment)
            audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=rating,
                         changes={"provider": [None, provider.pk], "level": [None, level]})
    except IntegrityError as exc:  # the same resident's second request of the same moment
        raise ValidationError({"level": [RATED_THIS_MONTH]}) from exc
    return rating
