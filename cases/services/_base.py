"""Plumbing of every case service: retries on SQLite lock conflicts, the compare-and-swap claim, the
move along the table with its event, notice and audit row, and the checks of plain text."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts.models import Role, User
from core import audit
from core.db import retry_sqlite_locks
from core.models import AuditEvent
from core.text import IDEMPOTENCY_KEY, plain_text
from regions.models import Level
from workcalendar.limits import Deadline, TimeLimit
from workcalendar.selectors import deadline_after

from .. import workflow
from ..assignment_workflow import ASSIGNMENT_TABLE, assignment_step, extension_step, step_for
from ..models import (
    TEXT_MAX_LENGTH,
    Assignment,
    Case,
    CaseEvent,
    Extension,
    ReporterNotice,
    WhistleSummons,
)
from ..permissions import actor_kinds
from ..signals import case_changed, case_written
from ..workflow import Edge, StaleVersion, TransitionNotAllowed, Who

# Intake limits.
TITLE_MAX_LENGTH = 100
MAX_PHOTOS_PER_CASE = 6
MAX_PHOTO_BYTES = 5 * 1024 * 1024
CASE_LEVELS = (Level.COMMUNITY, Level.GRID, Level.BUILDING)

# Tracking codes: no 0/O, 1/I/L, so a code read out over the phone or copied by hand stays right.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10

_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
_IDEMPOTENCY_KEY = IDEMPOTENCY_KEY
logger = logging.getLogger("gongzhi.cases")

# Photos of the current service call, as (storage name, bytes): written only once its transaction has
# committed, so a failed or killed transaction leaves no file behind.
_new_files: ContextVar[list[tuple[str, bytes]] | None] = ContextVar("cases_new_files", default=None)






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
    max_length: int = TEXT_MAX_LENGTH, single_line: bool = False,
) -> str:
    """`core.text.plain_text`, with the case texts' length limit unless another is given."""
    return plain_text(errors, name, value, label=label, required=required, max_length=max_length,
                      single_line=single_line)


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
