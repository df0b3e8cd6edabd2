"""Children under 14: their personal information is sensitive (个人信息保护法 第二十八条, 第三十一条).

A person is a minor under 14 while their birth date — recorded, or read from the 18-digit ID number
when the person is saved — lies less than 14 years back. For them:

- nothing of their phone, ID number or address is shown, not even partly masked, on pages and in exports;
- a reveal needs the right `organisations.reveal_minor_data`, granted account by account in the admin
  site (for example to the community party secretary or a county administrator), besides a reason;
  anyone else is refused and the refusal is logged; a granted reveal is logged marked as sensitive.

Whether someone is under 14 is computed from the stored birth date on the day asked, never stored as
a flag that would go stale on the fourteenth birthday.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core import pii
from core.validators import id_number_birth_date, id_number_error

from .models import Person

MINOR_AGE = 14
REVEAL_MINOR_PERMISSION = "organisations.reveal_minor_data"
# What pages and exports show instead of any part of a minor's personal data.
MINOR_MASK = "（未成年人，已隐藏）"
MINOR_LABEL = "未成年人（敏感）"
# Written into the audit row of a reveal or a refused reveal of a minor's data.
SENSITIVE_MARK = "minor_under_14"


def birth_date_from_id_number(id_number: str) -> dt.date | None:
    """The birth date in a valid 18-character resident ID number; None for anything else."""
    value = pii.normalise(id_number or "")
    if not value or id_number_error(value) is not None:
        return None
    return id_number_birth_date(value)


def minor_born_since(today: dt.date | None = None) -> dt.date:
    """People born on or after this date are under 14 on `today` (the local date by default).

    Ages in full years count as Chinese law counts them: someone is 已满十四周岁 from the day after
    their fourteenth birthday, so on the birthday itself they are still under 14.
    """
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - MINOR_AGE)
    except ValueError:  # 29 February: fourteen years back has no such day
        return today.replace(year=today.year - MINOR_AGE, day=28)


def is_minor(person: Person, today: dt.date | None = None) -> bool:
    """True while `person` is under 14 (by their recorded birth date)."""
    return person.birth_date is not None and person.birth_date >= minor_born_since(today)


def may_reveal_minor(user) -> bool:
    """Whether `user` holds the specific right to see a minor's personal data (superusers hold every right)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(REVEAL_MINOR_PERMISSION))


def masked_value(person: Person, field: str, today: dt.date | None = None) -> str:
    """`field` of `person` as pages and exports show it: partly masked, or wholly hidden for a minor."""
    value = getattr(person, field) or ""
    if not value:
        return ""
    if is_minor(person, today):
        return MINOR_MASK
    return pii.MASKERS[field](value)
