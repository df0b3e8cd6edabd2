"""Intake (受理登记): a case from any channel, with an idempotency key so a retry never creates a second."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from categories.models import Category
from categories.selectors import category_by_code, public_categories
from core import audit, pii
from core.db import retry_sqlite_locks
from core.models import AuditEvent
from core.roles import REGION_STAFF_ROLES, STAFF_ROLES, Role
from core.text import ascii_digits
from regions.models import Region
from regions.selectors import scope_root

from ..models import (
    DESCRIPTION_MAX_LENGTH,
    Case,
    CaseEvent,
    CaseReporter,
    Channel,
    Kind,
    RequestType,
    TargetGroup,
)
from ..signals import case_changed
from ..workflow import Status
from ._base import (
    _IDEMPOTENCY_KEY,
    _PHONE,
    CASE_LEVELS,
    TITLE_MAX_LENGTH,
    TRACKING_ALPHABET,
    TRACKING_LENGTH,
    _actor_label,
    _check,
    _json,
    _text,
    _writes,
)
from .photos import CleanPhoto, _read_photos, _store_photos

# Who enters a case decides which channels it may name: the article's figures count cases by channel (283
# problems collected at the 民意征求窗口), so a resident or an anonymous caller must not be able to file as a
# window, a meeting or a patrol. Residents and party members report on the web; machine clients (Open311, the
# REST API) as `api`; every other channel is staff taking a report in person, by phone or on their rounds.
PUBLIC_CHANNELS = frozenset({Channel.WEB, Channel.API})


def new_tracking_code() -> str:
    """A random code of 10 unambiguous characters (31^10 ≈ 8·10^14 codes: not guessable, not sequential)."""
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def _resolve_region(errors: dict[str, str], region: Region | str | None, actor) -> Region | None:
    if region is None or region == "":
        errors["region"] = "请选择事项所在的社区、网格或楼栋"
        return None
    if isinstance(region, str):
        found = Region.objects.active().filter(code=region.strip()).first()
        if found is None:
            errors["region"] = f"区域编码 {region.strip()[:18]} 不存在"
            return None
        region = found
    if region.is_archived:
        errors["region"] = "该区域已撤销"
        return None
    if region.level not in CASE_LEVELS:
        errors["region"] = "请选择到社区、网格或楼栋一级"
        return None
    if getattr(actor, "is_authenticated", False) and actor.role in REGION_STAFF_ROLES:
        root = scope_root(actor)
        if root is None or not root.contains(region):
            errors["region"] = "该区域不在您的辖区内"
            return None
    return region


def _resolve_category(errors: dict[str, str], category: Category | str | None, *, public: bool) -> Category | None:
    if category is None or category == "":
        return None
    if isinstance(category, str):
        found = category_by_code(category)
        if found is None:
            errors["category"] = f"问题分类 {category.strip()[:40]} 不存在"
            return None
        category = found
    if category.is_archived:
        errors["category"] = "该问题分类已停用"
        return None
    if public and not public_categories().filter(pk=category.pk).exists():
        errors["category"] = "该问题分类不接受居民直接反映，请选择其他分类"
        return None
    return category


def _coordinate(errors: dict[str, str], name: str, value, limit: int, label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors[name] = f"{label}必须是数字"
        return None
    if not number.is_finite() or not -limit <= number <= limit:
        errors[name] = f"{label}应在 -{limit} 到 {limit} 之间"
        return None
    return number.quantize(Decimal("0.000001"))


def _existing_for_key(key: str, actor) -> Case | None:
    existing = Case.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    submitter = actor.pk if getattr(actor, "is_authenticated", False) else None
    if existing.created_by_id != submitter:
        # A key belongs to one submitter; another's reuse must never reveal their case.
        raise ValidationError({"idempotency_key": ["该幂等键已被其他提交使用，请换一个"]})
    return existing


@retry_sqlite_locks
def case_submit(
    *, actor: User | None, channel: str, kind: str, title: str, description: str, region: Region | str | None,
    request_type: str = "", category: Category | str | None = None, address: str = "",
    latitude: Decimal | float | str | None = None, longitude: Decimal | float | str | None = None,
    contact_name: str = "", contact_phone: str = "", public_anonymous: bool = False, target_group: str = "",
    reporter_user: User | None = None, idempotency_key: str | None = None, photos: Sequence[Any] = (),
) -> tuple[Case, bool]:
    """Take in a problem or difficulty (受理): returns `(case, created)`.

    `actor` is who enters it: None for an anonymous web report, a resident (who is then its reporter),
    or staff at a window, on the phone, on patrol or from a meeting. A community staff member who
    enters a case becomes its 首问责任人. `region` and `category` may be given as codes. Everything is
    validated before anything is written (photos by content, ≤ 5 MB, ≤ 6; texts ≤ their limits and
    free of HTML), so a refused intake stores nothing. With an `idempotency_key`, a repeat by the same
    submitter returns the first case with `created=False`, also when two requests race.
    """
    key = (idempotency_key or "").strip() or None
    if key is not None and not _IDEMPOTENCY_KEY.match(key):
        raise ValidationError({"idempotency_key": ["幂等键应为 1 到 64 个可见 ASCII 字符"]})
    # A repeat is found by the unique index on the key when its insert fails (below), so a first
    # submission, the usual case, costs no look-up.

    authenticated = getattr(actor, "is_authenticated", False)
    public = not authenticated or actor.role == Role.RESIDENT
    errors: dict[str, str] = {}
    if channel not in Channel.values:
        errors["channel"] = "来源渠道不正确"
    elif channel not in PUBLIC_CHANNELS and not (authenticated and actor.role in STAFF_ROLES):
        errors["channel"] = f"“{Channel(channel).label}”渠道只能由工作人员登记，请选择“网上”"
    if kind not in Kind.values:
        errors["kind"] = "请选择类型：问题或困难"
    if request_type and request_type not in RequestType.values:
        errors["request_type"] = "诉求类型不正确"
    if kind == Kind.DIFFICULTY and target_group not in TargetGroup.values:
        errors["target_group"] = "请选择帮扶对象"
    elif kind == Kind.PROBLEM and target_group:
        errors["target_group"] = "只有困难类事项需要填写帮扶对象"
    title = _text(errors, "title", title, label="标题", required=True, max_length=TITLE_MAX_LENGTH, single_line=True)
    description = _text(
        errors, "description", description, label="内容", required=True, max_length=DESCRIPTION_MAX_LENGTH
    )
    address = _text(errors, "address", address, label="地点", max_length=200, single_line=True)
    contact_name = _text(errors, "contact_name", contact_name, label="联系人", max_length=50, single_line=True)
    contact_phone = re.sub(r"\s+", "", ascii_digits(contact_phone))
    if contact_phone and not _PHONE.match(contact_phone):
        errors["contact_phone"] = "联系电话格式不正确（11 位手机号，或区号加座机号）"
    elif not contact_phone and not authenticated:
        errors["contact_phone"] = "请留下联系电话，便于答复您"
    region = _resolve_region(errors, region, actor)
    category = _resolve_category(errors, category, public=public)
    lat = _coordinate(errors, "lat", latitude, 90, "纬度")
    lng = _coordinate(errors, "long", longitude, 180, "经度")
    if (lat is None) != (lng is None) and "lat" not in errors and "long" not in errors:
        errors["lat"] = "纬度和经度须同时填写"
    if authenticated and actor.role == Role.RESIDENT:
        reporter_user = actor
    elif reporter_user is not None and reporter_user.role != Role.RESIDENT:
        errors["reporter_user"] = "反映人账号应为居民账号"
    stored_photos = _read_photos(errors, photos)
    if errors and key is not None:
        # A repeat answers the first case even when this copy of the request would no longer pass.
        existing = _existing_for_key(key, actor)
        if existing is not None:
            return existing, False
    _check(errors)

    values = dict(
        kind=kind, request_type=request_type, channel=channel, title=title, description=description,
        region=region, address=address, latitude=lat, longitude=lng, reporter_user=reporter_user,
        created_by=actor if authenticated else None, contact_name=contact_name, contact_phone=contact_phone,
        contact_phone_hash=pii.lookup_hash(contact_phone), public_anonymous=bool(public_anonymous),
        target_group=target_group if kind == Kind.DIFFICULTY else "", category=category,
        owner=actor if authenticated and actor.role == Role.COMMUNITY_STAFF else None, idempotency_key=key,
    )
    for attempt in range(3):
        try:
            return _submit_insert(actor=actor, values=values, photos=stored_photos), True
        except IntegrityError:
            if key is not None:
                existing = _existing_for_key(key, actor)
                if existing is not None:
                    return existing, False
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@_writes
def _submit_insert(*, actor, values: dict[str, Any], photos: list[CleanPhoto]) -> Case:
    now = timezone.now()
    # The insert is the transaction's first statement, so SQLite takes its write lock before any read.
    case = Case.objects.create(tracking_code=new_tracking_code(), received_at=now, created_at=now, **values)
    CaseReporter.objects.create(
        case=case, origin_case=case, user=case.reporter_user, contact_name=case.contact_name,
        contact_phone=case.contact_phone, contact_phone_hash=case.contact_phone_hash,
        public_anonymous=case.public_anonymous, created_at=now,
    )
    event = CaseEvent.objects.create(
        case=case, seq=1, created_at=now, actor=values["created_by"],
        actor_label=_actor_label(actor) if values["created_by"] else "反映人",
        action="submit", from_status="", to_status=Status.RECEIVED,
        data=_json({
            "channel": case.channel, "kind": case.kind, "photos": len(photos),
            "owner": case.owner_id, "category": case.category.code if case.category else "",
        }),
    )
    changes = audit.diff({}, audit.snapshot(case, [
        "tracking_code", "kind", "channel", "title", "region", "category", "status", "owner", "contact_name",
    ]))
    if case.contact_phone:
        changes["contact_phone"] = ["***", "***"]
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=case, changes=changes)
    _store_photos(case, photos, actor=actor, now=now)
    # The new case goes along, so receivers need not read back what this transaction just wrote.
    transaction.on_commit(
        lambda: case_changed.send(sender=Case, case_id=case.pk, action="submit", event_ids=[event.pk], case=case)
    )
    return case


