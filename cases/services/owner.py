"""首问责任: the first community staff member to act owns the case until closure."""

from __future__ import annotations

from accounts.models import User
from regions.permissions import MANAGER_ROLES

from ..models import (
    Case,
)
from ..permissions import is_case_staff
from ._base import _begin, _check, _edge, _text, _writes


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


