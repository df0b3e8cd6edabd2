"""Writes on cases: intake, and one service per edge of the transition table in `cases.workflow`.

Every transition service takes keyword-only arguments, among them `actor` (a user, or None for a
resident holding a tracking code) and `expected_version` (the version the caller read), and:

1. bumps the case's version with a compare-and-swap UPDATE … WHERE id = … AND version = …, as the
   very first statement of its transaction: a caller holding an old version gets `StaleVersion`, and
   of two concurrent moves exactly one wins, on SQLite and PostgreSQL alike, across processes;
2. finds the edge for the action from the current status (`TransitionNotAllowed` if there is none);
3. checks the actor against the edge's `who` (`PermissionDenied`);
4. validates the inputs (`ValidationError` with Chinese messages keyed by field);
5. writes the change, its `CaseEvent` (and `ReporterNotice` when the edge tells the reporters) and an
   `AuditEvent`, all in the same transaction; `case_changed` is sent once it has committed.

Each returns the case as it stands afterwards, with its new `version`.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import secrets
import uuid
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts.models import REGION_STAFF_ROLES, Role, User
from categories.models import HANDLER_KINDS, Category, UrgencyLevel
from categories.selectors import category_by_code, departments_for, public_categories, urgency_for
from core import audit, pii
from core.db import retry_sqlite_locks
from core.models import AuditEvent
from organisations.models import Organisation, PartyMember
from regions.models import CODE_LENGTHS, Facility, Level, Region
from regions.permissions import MANAGER_ROLES
from regions.selectors import facilities_visible_to, scope_root
from workcalendar.limits import Deadline, TimeLimit
from workcalendar.selectors import deadline_after

from . import workflow
from .assignment_workflow import ASSIGNMENT_TABLE, EXTENSION_TABLE, assignment_step, extension_step, step_for
from .images import ImageRefused, reencode_image
from .models import (
    DESCRIPTION_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Assignment,
    AssignmentRole,
    Attachment,
    Case,
    CaseEvent,
    CaseReporter,
    Channel,
    Extension,
    Kind,
    Meeting,
    Rating,
    RatingResult,
    ReporterNotice,
    RequestType,
    TargetGroup,
    Whistle,
    WhistleReason,
    WhistleSummons,
)
from .permissions import actor_kinds, is_case_staff
from .signals import case_changed, case_written
from .workflow import Edge, StaleVersion, Status, TransitionNotAllowed, Who

__all__ = [
    "AssigneeSpec", "StaleVersion", "TransitionNotAllowed", "TRANSITIONS",
    "case_submit", "case_classify", "case_reject", "case_merge", "case_dispatch", "case_accept", "case_return",
    "case_arbitrate", "case_request_extension", "case_grant_extension", "case_refuse_extension", "case_note",
    "case_reply", "case_verify", "case_rework", "case_close", "case_rate", "case_escalate", "case_resume",
    "case_whistle", "case_report_in", "case_score", "case_transfer_owner",
]

# Intake limits.
TITLE_MAX_LENGTH = 100
MAX_PHOTOS_PER_CASE = 6
MAX_PHOTO_BYTES = 5 * 1024 * 1024
CASE_LEVELS = (Level.COMMUNITY, Level.GRID, Level.BUILDING)

# Tracking codes: no 0/O, 1/I/L, so a code read out over the phone or copied by hand stays right.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10

# How long SQLite may keep a lock before a transaction gives up (settings' `timeout` is the same idea).

_HTML = re.compile(
    r"<\s*/?\s*[a-zA-Z!?][^<>]*>"  # any tag, comment or declaration
    r"|<\s*/?\s*(script|style|iframe|object|embed|svg|img|link|meta)\b"  # an unterminated dangerous tag
    r"|javascript\s*:|on[a-z]+\s*=\s*[\"']",
    re.IGNORECASE,
)
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,64}$")
logger = logging.getLogger("gongzhi.cases")

# Photos of the current service call, as (storage name, bytes): written only once its transaction has
# committed, so a failed or killed transaction leaves no file behind.
_new_files: ContextVar[list[tuple[str, bytes]] | None] = ContextVar("cases_new_files", default=None)


# --------------------------------------------------------------------------------------------------
# Plumbing: retries on SQLite lock conflicts, the compare-and-swap claim, events and audit rows.
# --------------------------------------------------------------------------------------------------




def _writes(func: Callable) -> Callable:
    """One transaction per service call; the photos it took in are written to storage after it commits."""
    atomic = transaction.atomic(func)

    @functools.wraps(func)
    def run(*args, **kwargs):
        token = _new_files.set([])
        try:
            result = atomic(*args, **kwargs)
            _write_files(_new_files.get() or [])
            return result
        finally:
            _new_files.reset(token)

    return retry_sqlite_locks(run)


def _actor_label(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "反映人（凭查询码）"
    role = Role(actor.role).label if actor.role in Role.values else ""
    return f"{actor.display_name}（{role}）" if role else actor.display_name


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(item) for item in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _check(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})


def _deadline(start: dt.datetime, limit: TimeLimit) -> Deadline:
    return deadline_after(start, limit)


def _step_assignment(assignment: Assignment, action: str, **values: Any) -> None:
    """Move `assignment` along `ASSIGNMENT_TABLE` (StepNotAllowed if the table has no such edge) and save
    its new status with `values`."""
    assignment.status = assignment_step(assignment.status, action).target
    for name, value in values.items():
        setattr(assignment, name, value)
    assignment.save(update_fields=["status", *values])


def _step_extension(extension: Extension, action: str, **values: Any) -> None:
    """Move `extension` along `EXTENSION_TABLE` and save its new status with `values`."""
    extension.status = extension_step(extension.status, action).target
    for name, value in values.items():
        setattr(extension, name, value)
    extension.save(update_fields=["status", *values])


def _cannot(assignment: Assignment, action: str, what: str) -> str:
    """The refusal shown when the assignment's table has no `action` from its status, else ""."""
    if step_for(ASSIGNMENT_TABLE, action, assignment.status) is not None:
        return ""
    return f"该派遣当前为“{assignment.get_status_display()}”，不能{what}"


@dataclass
class _Move:
    """One service call on one case: the claimed case, who acts, and the events written so far."""

    case: Case
    actor: User | None
    action: str
    now: dt.datetime
    kinds: set[Who] = field(default_factory=set)
    events: list[CaseEvent] = field(default_factory=list)
    next_seq: int = 0

    def authorise(
        self, edge: Edge, *, assignment: Assignment | None = None, summons: WhistleSummons | None = None,
        tracking_code: str | None = None,
    ) -> set[Who]:
        """Raise PermissionDenied unless the actor is one of the kinds the edge allows."""
        self.kinds = actor_kinds(
            self.actor, self.case, assignment=assignment, summons=summons, tracking_code=tracking_code,
            wanted=edge.who,
        )
        if not self.kinds & edge.who:
            who = "、".join(workflow.WHO_LABELS[w] for w in sorted(edge.who))
            raise PermissionDenied(f"只有{who}可以执行“{edge.label}”")
        return self.kinds

    def apply(
        self, edge: Edge, *, fields: dict[str, Any] | None = None, note: str = "", data: dict | None = None,
        assignment: Assignment | None = None, notice_args: dict | None = None,
    ) -> CaseEvent:
        """Move the case along `edge`, save `fields`, and write the event, the notice and the audit row."""
        case = self.case
        fields = dict(fields or {})
        data = dict(data or {})
        from_status = case.status
        to_status = edge.target_from(from_status)
        actor = self.actor
        # An automatic edge that follows another in the same call (返工 or 上会 after a rating) is shown as
        # the system's step; the person whose move set it off stays on the event and the audit row.
        follow_up = edge.automatic and bool(self.events)
        # 首问责任制: the first community staff member to act on an unowned case owns it.
        if (
            not edge.automatic and case.owner_id is None and Who.STAFF in self.kinds
            and getattr(actor, "role", None) == Role.COMMUNITY_STAFF
        ):
            fields["owner"] = actor
            data["owner_taken"] = actor.pk
        before = audit.snapshot(case, list(fields))
        Case.objects.filter(pk=case.pk).update(status=to_status, updated_at=self.now, **fields)
        for name, value in fields.items():
            setattr(case, name, value)
        case.status = to_status
        if self.next_seq == 0:
            self.next_seq = (CaseEvent.objects.filter(case_id=case.pk).aggregate(m=Max("seq"))["m"] or 0) + 1
        event = CaseEvent.objects.create(
            case=case, seq=self.next_seq, created_at=self.now,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_label="系统" if follow_up else _actor_label(actor),
            action=edge.action, from_status=from_status, to_status=to_status, assignment=assignment,
            note=note, data=_json({"edge": edge.label, **data}),
        )
        self.next_seq += 1
        self.events.append(event)
        if edge.notice:
            message = edge.notice.format(code=case.tracking_code, note=note, **(notice_args or {}))
            ReporterNotice.objects.create(case=case, event=event, message=message, created_at=self.now)
        changes = audit.diff(before, audit.snapshot(case, list(fields)))
        if from_status != to_status:
            changes["status"] = [from_status, to_status]
        changes["version"] = [case.version - 1, case.version]
        audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=case, changes=changes, reason=edge.label)
        return event

    def finish(self) -> Case:
        """Schedule the `case_changed` signal for after the commit and return the fresh case."""
        case_id, action = self.case.pk, self.action
        event_ids = [event.pk for event in self.events]
        case_written.send(sender=Case, case_id=case_id, action=action)
        transaction.on_commit(
            lambda: case_changed.send(sender=Case, case_id=case_id, action=action, event_ids=event_ids)
        )
        return _fresh(case_id)


def _fresh(case_id: int) -> Case:
    return Case.objects.select_related("region", "category", "urgency", "owner", "merged_into").get(pk=case_id)


def _claim(case: Case, *, actor, expected_version: int, action: str, now: dt.datetime | None = None) -> _Move:
    """Bump the case's version from `expected_version` (compare-and-swap); StaleVersion if it moved on."""
    now = now or timezone.now()
    claimed = Case.objects.filter(pk=case.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=now
    )
    if not claimed:
        current = Case.objects.filter(pk=case.pk).values_list("version", flat=True).first()
        raise StaleVersion(expected_version, current)
    return _Move(case=_fresh(case.pk), actor=actor, action=action, now=now)


def _begin(case: Case, *, actor, expected_version: int, action: str) -> _Move:
    """Claim the case at `expected_version` (first statement of the transaction), then check the table."""
    move = _claim(case, actor=actor, expected_version=expected_version, action=action)
    if not workflow.is_allowed(action, move.case.status):
        raise TransitionNotAllowed(action, move.case.status)
    return move


def _edge(move: _Move, *, when: str = "", automatic: bool = False, action: str | None = None) -> Edge:
    return workflow.edge_for(action or move.action, move.case.status, when=when, automatic=automatic)


def _text(
    errors: dict[str, str], name: str, value: str | None, *, label: str, required: bool = False,
    max_length: int = TEXT_MAX_LENGTH,
) -> str:
    """Plain text as entered, trimmed; HTML and scripts are refused, never stored or rewritten."""
    value = (value or "").strip()
    if not value:
        if required:
            errors[name] = f"请填写{label}"
    elif len(value) > max_length:
        errors[name] = f"{label}不能超过 {max_length} 个字（现有 {len(value)} 个字）"
    elif _HTML.search(value):
        errors[name] = f"{label}不能包含 HTML 标签或脚本，请只填写文字"
    return value


def _own(errors: dict[str, str], name: str, obj, case: Case, label: str):
    """`obj` if it belongs to `case`; records an error otherwise (never reveals another case's records)."""
    if obj is None:
        errors[name] = f"请指定{label}"
        return None
    case_id = obj.whistle.case_id if isinstance(obj, WhistleSummons) else (
        obj.assignment.case_id if isinstance(obj, Extension) else obj.case_id
    )
    if case_id != case.pk:
        errors[name] = f"{label}不属于此事项"
        return None
    return obj


# --------------------------------------------------------------------------------------------------
# Photos
# --------------------------------------------------------------------------------------------------


def sniff_image(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a JPEG, PNG or WebP image judged by its first bytes, else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


@dataclass(frozen=True)
class _Photo:
    content: bytes
    content_type: str
    extension: str


def _write_files(files: list[tuple[str, bytes]]) -> None:
    # The rows are committed: a file that cannot be written is logged (its photo then answers 404)
    # rather than failing a request whose case exists.
    for name, content in files:
        try:
            saved = default_storage.save(name, ContentFile(content))
        except OSError:
            logger.exception("照片文件 %s 写入失败", name)
            continue
        if saved != name:
            logger.error("照片文件 %s 已存在，新文件存为 %s", name, saved)


def _read_photos(errors: dict[str, str], photos: Sequence[Any], *, already: int = 0) -> list[_Photo]:
    photos = list(photos or ())
    if not photos:
        return []
    if already + len(photos) > MAX_PHOTOS_PER_CASE:
        errors["photos"] = f"每个事项最多上传 {MAX_PHOTOS_PER_CASE} 张照片"
        return []
    result: list[_Photo] = []
    for number, upload in enumerate(photos, start=1):
        if hasattr(upload, "seek"):
            upload.seek(0)
        content = upload.read(MAX_PHOTO_BYTES + 1)
        if len(content) > MAX_PHOTO_BYTES:
            errors["photos"] = f"第 {number} 张照片超过 5 MB，请压缩后再上传"
            return []
        kind = sniff_image(content[:16])
        if kind is None:
            errors["photos"] = f"第 {number} 张照片不是 JPEG、PNG 或 WebP 格式的图片"
            return []
        # Stored is the picture drawn afresh: no EXIF (GPS position), comments or trailing bytes.
        try:
            clean = reencode_image(content, kind[0])
        except ImageRefused as exc:
            errors["photos"] = f"第 {number} 张照片{exc}"
            return []
        result.append(_Photo(clean.content, *kind))
    return result


def _store_photos(case: Case, photos: list[_Photo], *, actor, now: dt.datetime,
                  assignment: Assignment | None = None) -> list[Attachment]:
    stored = []
    written = _new_files.get()
    for photo in photos:
        attachment = Attachment(
            case=case, content_type=photo.content_type, size=len(photo.content), created_at=now,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None, assignment=assignment,
        )
        attachment.file.name = attachment.file.field.generate_filename(
            attachment, f"{uuid.uuid4().hex}.{photo.extension}"
        )
        if written is None:
            raise RuntimeError("photos are stored only inside a case service")
        written.append((attachment.file.name, photo.content))
        attachment.save()
        stored.append(attachment)
    return stored


# --------------------------------------------------------------------------------------------------
# Intake
# --------------------------------------------------------------------------------------------------


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
    if kind not in Kind.values:
        errors["kind"] = "请选择类型：问题或困难"
    if request_type and request_type not in RequestType.values:
        errors["request_type"] = "诉求类型不正确"
    if kind == Kind.DIFFICULTY and target_group not in TargetGroup.values:
        errors["target_group"] = "请选择帮扶对象"
    elif kind == Kind.PROBLEM and target_group:
        errors["target_group"] = "只有困难类事项需要填写帮扶对象"
    title = _text(errors, "title", title, label="标题", required=True, max_length=TITLE_MAX_LENGTH)
    description = _text(
        errors, "description", description, label="内容", required=True, max_length=DESCRIPTION_MAX_LENGTH
    )
    address = _text(errors, "address", address, label="地点", max_length=200)
    contact_name = _text(errors, "contact_name", contact_name, label="联系人", max_length=50)
    contact_phone = re.sub(r"\s+", "", contact_phone or "")
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
def _submit_insert(*, actor, values: dict[str, Any], photos: list[_Photo]) -> Case:
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


# --------------------------------------------------------------------------------------------------
# 受理 → 立案, 不予受理, 合并
# --------------------------------------------------------------------------------------------------


@_writes
def case_classify(
    *, case: Case, actor: User | None, expected_version: int, category: Category | None = None,
    urgency: UrgencyLevel | None = None, request_type: str = "", note: str = "",
) -> Case:
    """立案: file a received case under a function category and an urgency (the category's by default).

    Starts the case's clocks from now on the working-day calendar: `response_due` and `finish_due`
    from the urgency's limits (flagged approximate when they run into a year without holiday data).
    The category's lead and assisting bodies are recorded in the event as the dispatch suggestion.
    """
    move = _begin(case, actor=actor, expected_version=expected_version, action="classify")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    if category is None:
        errors["category"] = "请选择问题分类"
    elif category.is_archived:
        errors["category"] = "该问题分类已停用"
    if request_type and request_type not in RequestType.values:
        errors["request_type"] = "诉求类型不正确"
    note = _text(errors, "note", note, label="说明")
    _check(errors)
    urgency = urgency or urgency_for(category)
    if urgency is None:
        raise ValidationError({"urgency": ["请选择紧急程度"]})
    response = _deadline(move.now, urgency.response_limit)
    finish = _deadline(move.now, urgency.finish_limit)
    responsibles = departments_for(category)
    fields: dict[str, Any] = dict(
        category=category, urgency=urgency, response_due=response.due, finish_due=finish.due,
        deadline_approximate=response.approximate or finish.approximate,
    )
    if request_type:
        fields["request_type"] = request_type
    move.apply(edge, fields=fields, note=note, data={
        "category": category.code, "urgency": urgency.code,
        "response_due": response.due, "finish_due": finish.due,
        "suggested_lead": responsibles.lead.pk if responsibles.lead else None,
        "suggested_assisting": [org.pk for org in responsibles.assisting],
    })
    return move.finish()


@_writes
def case_reject(*, case: Case, actor: User | None, expected_version: int, reason: str = "") -> Case:
    """不予受理: refuse a received case with a reason, which the reporters see on the tracking page and
    receive as a notice."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="reject")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, label="不予受理的原因", required=True)
    _check(errors)
    move.apply(edge, fields={"public_note": reason}, note=reason)
    return move.finish()


@_writes
def case_merge(
    *, case: Case, actor: User | None, expected_version: int, survivor: Case | None = None, note: str = ""
) -> Case:
    """合并: a duplicate (received or registered) is merged into `survivor`, an open case in the actor's scope.

    The duplicate's reporters (its own, and those merged into it earlier) are linked to the survivor,
    so each can follow and rate the survivor with their own tracking code. The survivor's version is
    bumped and an event is written on it too.
    """
    move = _begin(case, actor=actor, expected_version=expected_version, action="merge")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, label="说明")
    if survivor is None:
        errors["survivor"] = "请选择要合并到的事项"
    elif survivor.pk == case.pk:
        errors["survivor"] = "不能合并到事项本身"
    else:
        survivor = Case.objects.select_related("region").filter(pk=survivor.pk).first()
        if survivor is None or not is_case_staff(actor, survivor):
            errors["survivor"] = "要合并到的事项不存在或不在您的辖区内"
        elif survivor.status not in workflow.OPEN_STATUSES:
            errors["survivor"] = "只能合并到尚未办结的事项"
    _check(errors)
    for assignment in move.case.assignments.filter(status__in=Assignment.ACTIVE):
        _step_assignment(assignment, "withdraw", withdrawn_at=move.now)
    moved = 0
    for reporter in CaseReporter.objects.filter(case=move.case):
        _, created = CaseReporter.objects.get_or_create(
            case=survivor, origin_case_id=reporter.origin_case_id,
            defaults=dict(
                user=reporter.user, contact_name=reporter.contact_name, contact_phone=reporter.contact_phone,
                contact_phone_hash=reporter.contact_phone_hash, public_anonymous=reporter.public_anonymous,
                created_at=move.now,
            ),
        )
        moved += int(created)
    move.apply(
        edge, fields={"merged_into": survivor}, note=note,
        data={"survivor": survivor.pk, "survivor_code": survivor.tracking_code, "reporters_moved": moved},
        notice_args={"survivor": survivor.tracking_code},
    )
    # The survivor changed too (new reporters): it moves along the table's automatic merge edge, with its
    # own version, event and audit row, in this transaction.
    kept = _claim(survivor, actor=actor, expected_version=survivor.version, action="merge", now=move.now)
    kept.apply(_edge(kept, when="survivor", automatic=True), note=note, data={
        "merged": move.case.pk, "merged_code": move.case.tracking_code, "reporters_moved": moved,
    })
    kept.finish()
    return move.finish()


# --------------------------------------------------------------------------------------------------
# 派遣, 报到, 退回, 裁定
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssigneeSpec:
    """One body to dispatch to: exactly one of `organisation`, `facility` or `party_member`.

    `finish_due` overrides the case's finish deadline for this body (it may not lie in the past).
    """

    organisation: Organisation | None = None
    facility: Facility | None = None
    party_member: PartyMember | None = None
    role: str = AssignmentRole.LEAD
    finish_due: dt.datetime | None = None

    @property
    def key(self) -> tuple[str, int]:
        if self.organisation is not None:
            return ("organisation", self.organisation.pk)
        if self.facility is not None:
            return ("facility", self.facility.pk)
        return ("party_member", self.party_member.pk if self.party_member else 0)


# Service stations, facilities and helpers a difficulty can be matched to.
ASSIGNABLE_FACILITY_KINDS = (
    Facility.Kind.VOLUNTEER_STATION, Facility.Kind.LEGAL_STATION, Facility.Kind.LABOUR_STATION,
    Facility.Kind.WOMEN_CHILDREN_HOME, Facility.Kind.ELDERLY_UNIVERSITY, Facility.Kind.DAY_CARE_CENTER,
    Facility.Kind.AFTER_SCHOOL_CENTER, Facility.Kind.SERVICE_HALL,
)


def serves_case_place(organisation: Organisation, case: Case) -> bool:
    """Whether `organisation` works where the case is.

    A body placed above the case (a county department, a street's dispatched agency) or inside the
    case's community (a property company of one of its grids) serves it; a body of another street or
    community does not, so a case cannot be sent or a whistle blown across the county by mistake.
    """
    community_code = case.region.code[:CODE_LENGTHS[Level.COMMUNITY]]
    place = organisation.region.code
    return case.region.code.startswith(place) or place.startswith(community_code)


def _assignee_error(spec: AssigneeSpec, case: Case, actor) -> str:
    chosen = [x for x in (spec.organisation, spec.facility, spec.party_member) if x is not None]
    if len(chosen) != 1:
        return "每个承办对象须且只能是一个单位、服务站点或帮扶党员"
    if spec.role not in AssignmentRole.values:
        return "承办角色应为主办或协办"
    if spec.organisation is not None:
        org = spec.organisation
        if org.is_archived or org.kind not in HANDLER_KINDS:
            return f"“{org.name}”不能作为承办单位"
        if not serves_case_place(org, case):
            return f"“{org.name}”不负责该事项所在区域"
    elif spec.facility is not None:
        facility = spec.facility
        if facility.is_archived or facility.kind not in ASSIGNABLE_FACILITY_KINDS:
            return f"“{facility.name}”不能承办事项"
        if not facilities_visible_to(actor).filter(pk=facility.pk).exists():
            return "所选服务站点不在您的辖区内"
    else:
        member = spec.party_member
        if case.kind != Kind.DIFFICULTY:
            return "帮扶党员只能承办困难类事项"
        community = member.registered_community
        if member.is_archived or community is None or not community.contains(case.region):
            return "所选党员未在本社区报到"
    if spec.finish_due is not None and spec.finish_due <= timezone.now():
        return "办结期限不能早于现在"
    return ""


def _new_assignments(
    move: _Move, specs: Sequence[AssigneeSpec], errors: dict[str, str], *, arbitrated: bool = False
) -> list[Assignment]:
    """Validate `specs` against the case's live assignments, then create them with their clocks."""
    case = move.case
    specs = list(specs or ())
    if not specs:
        errors["assignees"] = "请至少指定一个承办对象"
        return []
    live = list(case.assignments.filter(status__in=Assignment.ACTIVE))
    taken = {
        ("organisation", a.organisation_id) if a.organisation_id else
        ("facility", a.facility_id) if a.facility_id else ("party_member", a.party_member_id)
        for a in live
    }
    has_lead = any(a.role == AssignmentRole.LEAD for a in live)
    new_leads = sum(1 for spec in specs if spec.role == AssignmentRole.LEAD)
    seen: set[tuple[str, int]] = set()
    for spec in specs:
        problem = _assignee_error(spec, case, move.actor)
        if not problem and (spec.key in taken or spec.key in seen):
            problem = f"“{spec.organisation or spec.facility or spec.party_member}”已在承办此事项"
        if problem:
            errors["assignees"] = problem
            return []
        seen.add(spec.key)
    if new_leads > 1 or (has_lead and new_leads):
        errors["assignees"] = "每个事项只能有一个主办单位"
        return []
    if not has_lead and not new_leads:
        errors["assignees"] = "请指定一个主办单位"
        return []
    if case.urgency is None:
        errors["assignees"] = "事项尚未立案分类，不能派遣"
        return []
    report_in = _deadline(move.now, case.urgency.response_limit)
    finish_default = case.finish_due or _deadline(move.now, case.urgency.finish_limit).due
    created = []
    for spec in specs:
        created.append(Assignment.objects.create(
            case=case, organisation=spec.organisation, facility=spec.facility, party_member=spec.party_member,
            role=spec.role, dispatched_at=move.now, dispatched_by=move.actor, report_in_due=report_in.due,
            finish_due=spec.finish_due or finish_default, arbitrated=arbitrated,
        ))
    return created


def _assignment_data(assignments: Sequence[Assignment]) -> list[dict]:
    return [
        {"id": a.pk, "assignee": a.assignee_name, "role": a.role,
         "report_in_due": a.report_in_due, "finish_due": a.finish_due}
        for a in assignments
    ]


@_writes
def case_dispatch(
    *, case: Case, actor: User | None, expected_version: int, assignees: Sequence[AssigneeSpec] = (), note: str = ""
) -> Case:
    """派遣: dispatch a registered case to one lead (主办) and any assisting bodies (协办).

    Later, while the case is being handled, more bodies can be added (追加派遣) and a new lead named
    once the previous lead has returned it. Each assignment gets a report-in deadline from the
    urgency's response limit and the case's finish deadline unless the spec sets its own.
    """
    move = _begin(case, actor=actor, expected_version=expected_version, action="dispatch")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, label="派遣说明")
    created = _new_assignments(move, assignees, errors)
    _check(errors)
    move.apply(edge, note=note, data={"assignments": _assignment_data(created)})
    return move.finish()


def _assignment_for(move: _Move, assignment: Assignment | None, errors: dict[str, str]) -> Assignment | None:
    found = _own(errors, "assignment", assignment, move.case, "派遣")
    if found is None:
        return None
    return Assignment.objects.select_related(
        "case__region", "organisation", "facility", "party_member__person"
    ).get(pk=found.pk)


@_writes
def case_accept(*, case: Case, actor: User | None, expected_version: int, assignment: Assignment | None = None,
                note: str = "") -> Case:
    """报到: the dispatched body reports in and starts handling; the case is then 处置中."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="accept")
    errors: dict[str, str] = {}
    assignment = _assignment_for(move, assignment, errors)
    _check(errors)
    edge = _edge(move)
    move.authorise(edge, assignment=assignment)
    note = _text(errors, "note", note, label="说明")
    if refusal := _cannot(assignment, "accept", "报到"):
        errors["assignment"] = refusal
    _check(errors)
    _step_assignment(assignment, "accept", accepted_at=move.now)
    move.apply(edge, assignment=assignment, note=note, data={
        "assignment": assignment.pk, "on_time": move.now <= assignment.report_in_due,
    })
    return move.finish()


@_writes
def case_return(*, case: Case, actor: User | None, expected_version: int, assignment: Assignment | None = None,
                reason: str = "") -> Case:
    """退回: a body returns a mis-dispatched assignment with a reason.

    When the lead returns it, the case goes back to 已立案 for the community to dispatch again (or for
    the street to arbitrate); an assisting body's return leaves the case as it is. A body the street
    has named by arbitration cannot return the case again.
    """
    move = _begin(case, actor=actor, expected_version=expected_version, action="return")
    errors: dict[str, str] = {}
    assignment = _assignment_for(move, assignment, errors)
    _check(errors)
    edge = _edge(move, when=assignment.role)
    move.authorise(edge, assignment=assignment)
    reason = _text(errors, "reason", reason, label="退回原因", required=True)
    if refusal := _cannot(assignment, "return", "退回"):
        errors["assignment"] = refusal
    elif assignment.arbitrated:
        errors["assignment"] = "街道已裁定由本单位办理，不能再退回"
    _check(errors)
    _step_assignment(assignment, "return", returned_at=move.now, return_reason=reason)
    move.apply(edge, assignment=assignment, note=reason, data={"assignment": assignment.pk, "role": assignment.role})
    return move.finish()


@_writes
def case_arbitrate(
    *, case: Case, actor: User | None, expected_version: int, assignment: Assignment | None = None,
    organisation: Organisation | None = None, note: str = "",
) -> Case:
    """裁定: street staff decide a disputed return by naming the body that must lead the case.

    `assignment` is the returned lead assignment under dispute; `organisation` defaults to the body
    that returned it (the return is overruled) and may name another (the return stands). The new lead
    assignment is binding: it cannot be returned again.
    """
    move = _begin(case, actor=actor, expected_version=expected_version, action="arbitrate")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, label="裁定意见", required=True)
    assignment = _assignment_for(move, assignment, errors)
    if assignment is not None and (
        assignment.status != Assignment.Status.RETURNED or assignment.role != AssignmentRole.LEAD
    ):
        errors["assignment"] = "只能对主办单位的退回进行裁定"
    organisation = organisation or (assignment.organisation if assignment else None)
    if organisation is None and "assignment" not in errors:
        errors["organisation"] = "请指定承办单位"
    _check(errors)
    # A body already assisting that the street names as lead leaves its assisting role for the lead one.
    promoted = list(move.case.assignments.filter(
        organisation=organisation, role=AssignmentRole.ASSIST, status__in=Assignment.ACTIVE
    ))
    for assist in promoted:
        _step_assignment(assist, "withdraw", withdrawn_at=move.now)
    created = _new_assignments(
        move, [AssigneeSpec(organisation=organisation, role=AssignmentRole.LEAD)], errors, arbitrated=True
    )
    if "assignees" in errors:
        errors["organisation"] = errors.pop("assignees")
    _check(errors)
    move.apply(edge, assignment=created[0], note=note, data={
        "disputed_assignment": assignment.pk, "upheld_return": organisation.pk != assignment.organisation_id,
        "assignments": _assignment_data(created), "withdrawn_assist": [a.pk for a in promoted],
    })
    return move.finish()


# --------------------------------------------------------------------------------------------------
# 延期, 办理记录, 答复
# --------------------------------------------------------------------------------------------------


@_writes
def case_request_extension(
    *, case: Case, actor: User | None, expected_version: int, assignment: Assignment | None = None,
    requested_due: dt.datetime | None = None, reason: str = "",
) -> Case:
    """申请延期: a body still working on its assignment asks for a later finish deadline, with a reason."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="request_extension")
    errors: dict[str, str] = {}
    assignment = _assignment_for(move, assignment, errors)
    _check(errors)
    edge = _edge(move)
    move.authorise(edge, assignment=assignment)
    reason = _text(errors, "reason", reason, label="延期理由", required=True)
    if assignment.status not in Assignment.ACTIVE:
        errors["assignment"] = f"该派遣当前为“{assignment.get_status_display()}”，不能申请延期"
    elif assignment.extensions.filter(status=Extension.Status.REQUESTED).exists():
        errors["assignment"] = "已有一项延期申请待审批"
    if requested_due is None:
        errors["requested_due"] = "请填写申请延至的时间"
    elif requested_due <= max(assignment.finish_due, move.now):
        errors["requested_due"] = "申请延至的时间应晚于现有办结期限"
    _check(errors)
    extension = Extension.objects.create(
        assignment=assignment, previous_due=assignment.finish_due, requested_due=requested_due, reason=reason,
        requested_by=actor, requested_at=move.now,
    )
    move.apply(edge, assignment=assignment, note=reason, data={
        "extension": extension.pk, "previous_due": assignment.finish_due, "requested_due": requested_due,
    })
    return move.finish()


def _extension_for(move: _Move, extension: Extension | None, errors: dict[str, str]) -> Extension | None:
    found = _own(errors, "extension", extension, move.case, "延期申请")
    if found is None:
        return None
    found = Extension.objects.select_related("assignment").get(pk=found.pk)
    if step_for(EXTENSION_TABLE, "grant", found.status) is None:  # granting and refusing start alike
        errors["extension"] = f"该延期申请已{found.get_status_display().removeprefix('已')}"
    elif not found.assignment.is_active:
        errors["extension"] = "该派遣已结束，无需延期"
    return found


@_writes
def case_grant_extension(
    *, case: Case, actor: User | None, expected_version: int, extension: Extension | None = None, note: str = ""
) -> Case:
    """同意延期: the assignment's finish deadline moves to the requested time (and the case's, for the lead)."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="grant_extension")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, label="审批意见")
    extension = _extension_for(move, extension, errors)
    _check(errors)
    _step_extension(extension, "grant", decided_by=actor, decided_at=move.now, decision_note=note)
    assignment = extension.assignment
    assignment.finish_due = extension.requested_due
    assignment.save(update_fields=["finish_due"])
    fields = {}
    if assignment.role == AssignmentRole.LEAD and (
        move.case.finish_due is None or extension.requested_due > move.case.finish_due
    ):
        fields["finish_due"] = extension.requested_due
    move.apply(edge, fields=fields, assignment=assignment, note=note, data={
        "extension": extension.pk, "previous_due": extension.previous_due, "finish_due": extension.requested_due,
    })
    return move.finish()


@_writes
def case_refuse_extension(
    *, case: Case, actor: User | None, expected_version: int, extension: Extension | None = None, reason: str = ""
) -> Case:
    """不同意延期: the request is refused with a reason; the deadline stays."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="refuse_extension")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, label="不同意的理由", required=True)
    extension = _extension_for(move, extension, errors)
    _check(errors)
    _step_extension(extension, "refuse", decided_by=actor, decided_at=move.now, decision_note=reason)
    move.apply(edge, assignment=extension.assignment, note=reason, data={"extension": extension.pk})
    return move.finish()


@_writes
def case_note(
    *, case: Case, actor: User | None, expected_version: int, note: str = "", assignment: Assignment | None = None
) -> Case:
    """办理记录: a handling note by staff in scope, an assigned body (on its assignment) or a summoned one."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="note")
    errors: dict[str, str] = {}
    if assignment is not None:
        assignment = _assignment_for(move, assignment, errors)
        _check(errors)
    else:
        # A body writing without naming its assignment writes on its own live one, if it has one.
        for candidate in move.case.assignments.filter(status__in=Assignment.LIVE).select_related(
            "case__region", "facility", "party_member"
        ):
            if actor_kinds(actor, move.case, assignment=candidate, wanted=frozenset({Who.ASSIGNEE})):
                assignment = candidate
                break
    edge = _edge(move)
    move.authorise(edge, assignment=assignment)
    note = _text(errors, "note", note, label="办理记录", required=True)
    _check(errors)
    move.apply(edge, assignment=assignment, note=note, data={"assignment": assignment.pk if assignment else None})
    return move.finish()


@_writes
def case_reply(
    *, case: Case, actor: User | None, expected_version: int, assignment: Assignment | None = None, reply: str = "",
    photos: Sequence[Any] = (),
) -> Case:
    """答复: a body that reported in replies with what it did (and photos of the result).

    The lead's reply is the case's answer (反馈), shown to the reporters; an assisting body's reply is
    recorded on its assignment only.
    """
    move = _begin(case, actor=actor, expected_version=expected_version, action="reply")
    errors: dict[str, str] = {}
    assignment = _assignment_for(move, assignment, errors)
    _check(errors)
    edge = _edge(move, when=assignment.role)
    move.authorise(edge, assignment=assignment)
    reply = _text(errors, "reply", reply, label="答复内容", required=True, max_length=DESCRIPTION_MAX_LENGTH)
    if step_for(ASSIGNMENT_TABLE, "reply", assignment.status) is None:
        errors["assignment"] = f"该派遣当前为“{assignment.get_status_display()}”，报到后才能答复"
    stored = _read_photos(errors, photos, already=move.case.attachments.count())
    _check(errors)
    _step_assignment(assignment, "reply", replied_at=move.now, reply=reply)
    fields = {"public_note": reply} if assignment.role == AssignmentRole.LEAD else {}
    move.apply(edge, fields=fields, assignment=assignment, note=reply, data={
        "assignment": assignment.pk, "on_time": move.now <= assignment.finish_due, "photos": len(stored),
    })
    _store_photos(move.case, stored, actor=actor, now=move.now, assignment=assignment)
    return move.finish()


# --------------------------------------------------------------------------------------------------
# 核查, 返工, 结案, 评价
# --------------------------------------------------------------------------------------------------


@_writes
def case_verify(*, case: Case, actor: User | None, expected_version: int, note: str = "") -> Case:
    """核查: the community checks the lead's reply on the spot and finds the problem solved."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="verify")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, label="核查意见")
    _check(errors)
    move.apply(edge, note=note)
    return move.finish()


def _reopen_lead(move: _Move, errors: dict[str, str]) -> tuple[Assignment | None, dict[str, Any]]:
    """Send the case back to its lead for rework: the lead's reply is reopened with a fresh finish deadline."""
    case = move.case
    lead = (
        case.assignments.filter(role=AssignmentRole.LEAD, status=Assignment.Status.REPLIED)
        .order_by("-replied_at", "-id").first()
    )
    if lead is None or case.urgency is None:
        errors["reason"] = "没有已答复的主办单位，不能返工"
        return None, {}
    finish = _deadline(move.now, case.urgency.finish_limit)
    _step_assignment(lead, "reopen", replied_at=None, finish_due=finish.due)
    fields = {
        "rework_count": case.rework_count + 1, "finish_due": finish.due, "closed_at": None,
        "deadline_approximate": case.deadline_approximate or finish.approximate,
    }
    return lead, fields


@_writes
def case_rework(*, case: Case, actor: User | None, expected_version: int, reason: str = "") -> Case:
    """返工: the check fails; the case goes back to its lead with a fresh finish deadline."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="rework")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, label="返工原因", required=True)
    _check(errors)
    lead, fields = _reopen_lead(move, errors)
    _check(errors)
    move.apply(edge, fields=fields, assignment=lead, note=reason, data={
        "assignment": lead.pk, "finish_due": fields["finish_due"], "rework_count": fields["rework_count"],
    })
    return move.finish()


@_writes
def case_close(*, case: Case, actor: User | None, expected_version: int, note: str = "") -> Case:
    """结案: a verified case is closed; bodies still working on it are withdrawn; reporters are asked to rate."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="close")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, label="结案说明")
    _check(errors)
    withdrawn = []
    for assignment in move.case.assignments.filter(status__in=Assignment.ACTIVE):
        _step_assignment(assignment, "withdraw", withdrawn_at=move.now)
        withdrawn.append(assignment.pk)
    move.apply(edge, fields={"closed_at": move.now}, note=note, data={"withdrawn": withdrawn})
    return move.finish()


def unsatisfied_escalation_meeting() -> str:
    """The meeting a case goes to after a second 不满意 (settings.CASE_UNSATISFIED_MEETING, default 联席会议)."""
    meeting = getattr(settings, "CASE_UNSATISFIED_MEETING", Meeting.JOINT_MEETING)
    return meeting if meeting in Meeting.values else Meeting.JOINT_MEETING


@_writes
def case_rate(
    *, case: Case, actor: User | None, expected_version: int, result: str = "", comment: str = "",
    tracking_code: str | None = None,
) -> Case:
    """评价: the reporter rates a closed case (满意 / 基本满意 / 不满意), by account or tracking code;
    staff may record a rating taken on a return call (回访).

    A first 不满意 sends the case back to its lead at once (返工, rework_count + 1); a second one puts it
    on the agenda of a meeting (上会). Both follow-ups are automatic edges of the table, written as
    their own events in the same transaction.
    """
    move = _begin(case, actor=actor, expected_version=expected_version, action="rate")
    edge = _edge(move)
    kinds = move.authorise(edge, tracking_code=tracking_code)
    errors: dict[str, str] = {}
    if result not in RatingResult.values:
        errors["result"] = "请选择评价结果：满意、基本满意或不满意"
    comment = _text(errors, "comment", comment, label="评价意见")
    _check(errors)
    earlier_unsatisfied = move.case.ratings.filter(result=RatingResult.UNSATISFIED).count()
    rating = Rating.objects.create(
        case=move.case, result=result, comment=comment, rated_at=move.now,
        rated_by=actor if getattr(actor, "is_authenticated", False) else None,
        recorded_by_staff=Who.REPORTER not in kinds,
    )
    move.apply(edge, note=comment, data={"rating": rating.pk, "result": result})
    if result == RatingResult.UNSATISFIED:
        if earlier_unsatisfied == 0:
            follow = _edge(move, action="rework", when="first_unsatisfied", automatic=True)
            lead, fields = _reopen_lead(move, errors)
            _check(errors)
            move.apply(follow, fields=fields, assignment=lead, note=comment, data={
                "rating": rating.pk, "assignment": lead.pk, "finish_due": fields["finish_due"],
            })
        else:
            follow = _edge(move, action="escalate", when="repeat_unsatisfied", automatic=True)
            meeting = unsatisfied_escalation_meeting()
            move.apply(follow, fields={"escalated_to": meeting, "closed_at": None}, note=comment, data={
                "rating": rating.pk, "meeting": meeting,
            })
    return move.finish()


# --------------------------------------------------------------------------------------------------
# 上会, 恢复办理
# --------------------------------------------------------------------------------------------------


@_writes
def case_escalate(*, case: Case, actor: User | None, expected_version: int, meeting: str = "", note: str = "") -> Case:
    """上会: put a case one body cannot solve on the agenda of a 党建联席会议, 居民代表会议 or 党员大会."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="escalate")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    if meeting not in Meeting.values:
        errors["meeting"] = "请选择会议：党建联席会议、居民代表会议或党员大会"
    note = _text(errors, "note", note, label="上会说明")
    _check(errors)
    move.apply(edge, fields={"escalated_to": meeting}, note=note, data={"meeting": meeting})
    return move.finish()


RESUME_DECISIONS = {"redispatch": "重新派遣", "continue": "原承办单位继续办理"}


@_writes
def case_resume(*, case: Case, actor: User | None, expected_version: int, decision: str = "", note: str = "") -> Case:
    """恢复办理: record the meeting's decision on an escalated case.

    `redispatch`: every body still on the case is withdrawn and the case is back at 已立案 to be
    dispatched anew. `continue`: the bodies on the case (a lead among them) carry on and must report
    in again, with fresh report-in and finish deadlines; the case is 已派遣.
    """
    move = _begin(case, actor=actor, expected_version=expected_version, action="resume")
    edge = _edge(move, when=decision if decision in RESUME_DECISIONS else "redispatch")
    move.authorise(edge)
    errors: dict[str, str] = {}
    if decision not in RESUME_DECISIONS:
        raise ValidationError({"decision": ["请选择会议决定：重新派遣或继续办理"]})
    note = _text(errors, "note", note, label="会议决定", required=True)
    live = list(move.case.assignments.filter(status__in=Assignment.LIVE))
    if decision == "continue" and (
        move.case.urgency is None or not any(a.role == AssignmentRole.LEAD for a in live)
    ):
        errors["decision"] = "没有可继续办理的主办单位，请选择重新派遣"
    _check(errors)
    fields: dict[str, Any] = {}
    changed = []
    if decision == "redispatch":
        for assignment in live:
            if assignment.status in Assignment.ACTIVE:
                _step_assignment(assignment, "withdraw", withdrawn_at=move.now)
                changed.append(assignment.pk)
    else:
        report_in = _deadline(move.now, move.case.urgency.response_limit)
        finish = _deadline(move.now, move.case.urgency.finish_limit)
        for assignment in live:
            _step_assignment(
                assignment, "restart", accepted_at=None, replied_at=None,
                report_in_due=report_in.due, finish_due=finish.due,
            )
            changed.append(assignment.pk)
        fields = {"finish_due": finish.due, "closed_at": None}
    move.apply(edge, fields=fields, note=note, data={"decision": decision, "assignments": changed})
    return move.finish()


# --------------------------------------------------------------------------------------------------
# 社区吹哨、部门报到
# --------------------------------------------------------------------------------------------------


def whistle_report_in_minutes(reasons: Sequence[str]) -> int:
    """Minutes a summoned department has to report in: 30 for emergencies, otherwise 120, both from settings
    (WHISTLE_EMERGENCY_REPORT_IN_MINUTES, WHISTLE_REPORT_IN_MINUTES)."""
    if WhistleReason.EMERGENCY in reasons:
        return int(getattr(settings, "WHISTLE_EMERGENCY_REPORT_IN_MINUTES", 30))
    return int(getattr(settings, "WHISTLE_REPORT_IN_MINUTES", 120))


@_writes
def case_whistle(
    *, case: Case, actor: User | None, expected_version: int, reasons: Sequence[str] = (),
    organisations: Sequence[Organisation] = (), note: str = "",
) -> Case:
    """吹哨: community staff summon departments to the case, each with a report-in deadline."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="whistle")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    reasons = list(dict.fromkeys(reasons or ()))
    if not reasons or any(reason not in WhistleReason.values for reason in reasons):
        errors["reasons"] = "请选择吹哨原因：超出社区职权、需要执法、涉及多部门或紧急情况"
    organisations = list({org.pk: org for org in organisations or ()}.values())
    if not organisations:
        errors["organisations"] = "请选择要召集的部门"
    else:
        refused = [org.name for org in organisations if org.is_archived or org.kind not in HANDLER_KINDS]
        elsewhere = [org.name for org in organisations if not serves_case_place(org, case)]
        if refused:
            errors["organisations"] = f"“{'、'.join(refused)}”不能被召集报到"
        elif elsewhere:
            errors["organisations"] = f"“{'、'.join(elsewhere)}”不负责该事项所在区域"
    note = _text(errors, "note", note, label="吹哨说明")
    _check(errors)
    due = move.now + dt.timedelta(minutes=whistle_report_in_minutes(reasons))
    whistle = Whistle.objects.create(case=move.case, reasons=reasons, note=note, blown_by=actor, blown_at=move.now)
    summons = [
        WhistleSummons.objects.create(whistle=whistle, organisation=org, report_in_due=due) for org in organisations
    ]
    move.apply(edge, note=note, data={
        "whistle": whistle.pk, "reasons": reasons, "report_in_due": due,
        "summons": [{"id": s.pk, "organisation": s.organisation_id} for s in summons],
    })
    return move.finish()


def _summons_for(move: _Move, summons: WhistleSummons | None, errors: dict[str, str]) -> WhistleSummons | None:
    found = _own(errors, "summons", summons, move.case, "吹哨报到")
    if found is None:
        return None
    return WhistleSummons.objects.select_related("whistle", "organisation").get(pk=found.pk)


@_writes
def case_report_in(
    *, case: Case, actor: User | None, expected_version: int, summons: WhistleSummons | None = None, note: str = ""
) -> Case:
    """部门报到: a summoned department reports in (recorded by its handler, or by community staff on arrival)."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="report_in")
    errors: dict[str, str] = {}
    summons = _summons_for(move, summons, errors)
    _check(errors)
    edge = _edge(move)
    move.authorise(edge, summons=summons)
    note = _text(errors, "note", note, label="说明")
    if summons.reported_at is not None:
        errors["summons"] = f"“{summons.organisation}”已于 {timezone.localtime(summons.reported_at):%m-%d %H:%M} 报到"
    _check(errors)
    summons.reported_at, summons.reported_by = move.now, actor
    summons.save(update_fields=["reported_at", "reported_by"])
    move.apply(edge, note=note, data={
        "summons": summons.pk, "organisation": summons.organisation_id, "on_time": move.now <= summons.report_in_due,
    })
    return move.finish()


@_writes
def case_score(
    *, case: Case, actor: User | None, expected_version: int, summons: WhistleSummons | None = None,
    score: int | None = None, comment: str = "",
) -> Case:
    """评分: after closure the community scores each summoned department, 1 to 5, once."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="score")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    summons = _summons_for(move, summons, errors)
    comment = _text(errors, "comment", comment, label="评价意见")
    if summons is not None and summons.score is not None:
        errors["summons"] = f"已对“{summons.organisation}”评过分"
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        errors["score"] = "评分应为 1 到 5 的整数"
    _check(errors)
    summons.score, summons.score_comment, summons.scored_by, summons.scored_at = score, comment, actor, move.now
    summons.save(update_fields=["score", "score_comment", "scored_by", "scored_at"])
    move.apply(edge, note=comment, data={
        "summons": summons.pk, "organisation": summons.organisation_id, "score": score,
    })
    return move.finish()


# --------------------------------------------------------------------------------------------------
# 首问责任
# --------------------------------------------------------------------------------------------------


@_writes
def case_transfer_owner(
    *, case: Case, actor: User | None, expected_version: int, owner: User | None = None, reason: str = ""
) -> Case:
    """移交首问责任: the owner (or staff in scope) hands the case to another staff member of its place."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="transfer_owner")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, label="移交原因", required=True)
    if owner is None:
        errors["owner"] = "请选择新的首问责任人"
    elif not owner.is_active or owner.role not in MANAGER_ROLES or not is_case_staff(owner, move.case):
        errors["owner"] = "新的首问责任人应为事项所在辖区的工作人员"
    elif owner.pk == move.case.owner_id:
        errors["owner"] = "该工作人员已是首问责任人"
    _check(errors)
    previous = move.case.owner_id
    move.apply(edge, fields={"owner": owner}, note=reason, data={"from_owner": previous, "to_owner": owner.pk})
    return move.finish()


# Every action of the table and the service that takes it (the API dispatches through this).
TRANSITIONS: dict[str, Callable[..., Case]] = {
    "classify": case_classify,
    "reject": case_reject,
    "merge": case_merge,
    "dispatch": case_dispatch,
    "accept": case_accept,
    "return": case_return,
    "arbitrate": case_arbitrate,
    "request_extension": case_request_extension,
    "grant_extension": case_grant_extension,
    "refuse_extension": case_refuse_extension,
    "note": case_note,
    "reply": case_reply,
    "verify": case_verify,
    "rework": case_rework,
    "close": case_close,
    "rate": case_rate,
    "escalate": case_escalate,
    "resume": case_resume,
    "whistle": case_whistle,
    "report_in": case_report_in,
    "score": case_score,
    "transfer_owner": case_transfer_owner,
}
