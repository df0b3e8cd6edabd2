"""Writes on the region tree and facilities."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.services import record_archive, record_create, record_update

from .models import CODE_LENGTHS, LEVEL_BY_LENGTH, Facility, Region


def validate_region_code(*, code: str, parent: Region | None) -> str:
    """The level that `code` has under `parent`; raises ValidationError when it does not fit the tree."""
    if not code.isdigit():
        raise ValidationError({"code": "区域编码只能由数字组成"})
    level = LEVEL_BY_LENGTH.get(len(code))
    if level is None:
        raise ValidationError({"code": "区域编码长度应为 2、4、6、9、12、15 或 18 位"})
    if parent is not None:
        if not code.startswith(parent.code):
            raise ValidationError({"code": f"下级区域编码必须以上级编码 {parent.code} 开头"})
        if CODE_LENGTHS[parent.level] >= len(code):
            raise ValidationError({"code": "下级区域编码必须比上级编码长"})
    return level


@transaction.atomic
def region_create(*, actor, code: str, name: str, parent: Region | None = None) -> Region:
    """Add a region under `parent`; its level follows from the length of its code."""
    level = validate_region_code(code=code, parent=parent)
    return record_create(Region, actor=actor, code=code, name=name, level=level, parent=parent)


def facility_create(*, actor, **values: Any) -> Facility:
    """Place a new facility (阵地) in the region tree."""
    return record_create(Facility, actor=actor, **values)


def facility_update(*, actor, facility: Facility, values: dict[str, Any]) -> Facility:
    """Change a facility's details and audit the change."""
    record_update(facility, actor=actor, values=values)
    return facility


def facility_archive(*, actor, facility: Facility, reason: str = "") -> Facility:
    """Take a facility out of use; it stays in history."""
    return record_archive(facility, actor=actor, reason=reason)
