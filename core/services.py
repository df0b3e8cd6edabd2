"""Generic writes shared by the apps' services: create, update and archive with an audit row.

Each runs in one transaction with its audit row and validates the model first (so a database
constraint is never the first line of defence). Records are archived, never deleted; only rows that
are settings (a day of the working calendar) may be deleted, through `record_delete`, audited.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from . import audit
from .models import AuditEvent

M = TypeVar("M", bound=models.Model)


def _editable_fields(instance: models.Model) -> list[str]:
    return [
        f.name for f in instance._meta.concrete_fields
        if f.editable and not f.primary_key and f.name not in {"created_at", "updated_at"}
    ]


@transaction.atomic
def record_create(model: type[M], *, actor, **values: Any) -> M:
    """Validate and save a new `model` row from `values`, and audit it."""
    instance = model(**values)
    instance.full_clean()
    instance.save()
    fields = [name for name in _editable_fields(instance) if name in values or f"{name}_id" in values]
    audit.record(
        actor=actor, action=AuditEvent.Action.CREATE, target=instance,
        changes=audit.diff({}, audit.snapshot(instance, fields)),
    )
    return instance


@transaction.atomic
def record_update(instance: M, *, actor, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Apply `values` to `instance`, validate, save and audit what changed; returns the changes."""
    fields = [name for name in _editable_fields(instance) if name in values]
    before = audit.snapshot(instance, fields)
    for name, value in values.items():
        setattr(instance, name, value)
    instance.full_clean()
    changes = audit.diff(before, audit.snapshot(instance, fields))
    if changes:
        instance.save()
        audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=instance, changes=changes)
    return changes


@transaction.atomic
def record_archive(instance: M, *, actor, reason: str = "") -> M:
    """Archive `instance` (it stays in the database and in history) and audit it."""
    if getattr(instance, "archived_at", None) is None:
        instance.archived_at = timezone.now()
        instance.save(update_fields=["archived_at", "updated_at"])
        audit.record(actor=actor, action=AuditEvent.Action.ARCHIVE, target=instance, reason=reason)
    return instance


@transaction.atomic
def record_save(instance: M, *, actor, fields: list[str] | None = None, reason: str = "") -> dict[str, list[Any]]:
    """Save `instance` as it has been edited (a new row, or changes to a stored one), validated, with an
    audit row of what changed from the stored row; returns the changes.

    For the back office: a ModelAdmin hands over the object its form has filled in. `fields` limits what
    is compared and logged (never a password hash: secret fields show only that they changed).
    """
    fields = fields if fields is not None else _editable_fields(instance)
    creating = instance._state.adding
    stored = None if creating else type(instance)._base_manager.filter(pk=instance.pk).first()
    before = {} if stored is None else audit.snapshot(stored, fields)
    instance.full_clean()
    instance.save()
    changes = audit.diff(before, audit.snapshot(instance, fields))
    if creating or changes:
        audit.record(
            actor=actor, action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE,
            target=instance, changes=changes, reason=reason,
        )
    return changes


@transaction.atomic
def record_delete(instance: models.Model, *, actor, reason: str = "") -> None:
    """Delete a settings row and audit it with the values it had."""
    fields = _editable_fields(instance)
    audit.record(
        actor=actor, action=AuditEvent.Action.DELETE, target=instance,
        changes=audit.diff(audit.snapshot(instance, fields), dict.fromkeys(fields)), reason=reason,
    )
    instance.delete()


# Masked personal data is shown whole only on request, with a reason, and every such request is logged.
REVEAL_REASON_REQUIRED = "请填写查看事由"


def record_reveal(*, actor, target: models.Model, reason: str, changes: dict[str, str]) -> None:
    """Log that `actor` was shown `target`'s masked personal data (`changes` names the field), with the reason.

    The caller has already decided that `actor` may see it; a blank reason is refused, keyed `reason`.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REVEAL_REASON_REQUIRED})
    with transaction.atomic():
        audit.record(actor=actor, action=AuditEvent.Action.REVEAL, target=target, changes=changes, reason=reason)


def record_reveal_refused(*, actor, target: models.Model, changes: dict[str, str], message: str) -> PermissionDenied:
    """Log a refused reveal of `target`'s personal data and return the exception to raise.

    Called outside any transaction, so that raising the exception cannot roll the record back.
    """
    audit.record(actor=actor, action=AuditEvent.Action.DENIED, target=target, changes=changes, outcome="denied")
    return PermissionDenied(message)
