"""回访: the reporter's phone, masked on the case page, shown whole to those who call them back."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.models import User
from core.services import record_reveal, record_reveal_refused

from ..models import Case
from ..permissions import may_reveal_contact

CONTACT_FIELD = "contact_phone"
_CHANGES = {"field": CONTACT_FIELD}


def case_contact_reveal_refused(*, actor: User, case: Case) -> PermissionDenied:
    """Log a refused reveal of the reporter's phone and return the exception to raise (outside a transaction)."""
    return record_reveal_refused(actor=actor, target=case, changes=_CHANGES, message="无权查看反映人的联系电话")


def case_contact_reveal(*, actor: User, case: Case, reason: str) -> str:
    """The reporter's phone on `case` unmasked, logged with `reason` against the case.

    The caller found `case` through the scoped selectors; this checks `may_reveal_contact` (a refusal is
    logged too) and that a reason was given (`ValidationError` keyed `reason` otherwise).
    """
    if not may_reveal_contact(actor, case):
        raise case_contact_reveal_refused(actor=actor, case=case)
    record_reveal(actor=actor, target=case, reason=reason, changes=_CHANGES)
    return case.contact_phone or ""
