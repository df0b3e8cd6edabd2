"""Display helpers of the case pages: deadline states and countdowns as words, masked contact data.

Colour is never the only signal: every state these give has a text label the templates print.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from core.pii import mask_address, mask_phone

from ..models import Case, Kind
from ..selectors import soon_due_window

register = template.Library()


def countdown_text(remaining: dt.timedelta | None) -> str:
    """“剩余 3 小时”, “已超期 2 天 4 小时”, “剩余 25 分钟”; empty for no deadline."""
    if remaining is None:
        return ""
    seconds = int(remaining.total_seconds())
    prefix = "剩余" if seconds >= 0 else "已超期"
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        amount = f"{days} 天" + (f" {hours} 小时" if hours else "")
    elif hours:
        amount = f"{hours} 小时"
    else:
        amount = f"{max(minutes, 1)} 分钟"
    return f"{prefix} {amount}"


@register.filter
def countdown(remaining: dt.timedelta | None) -> str:
    return countdown_text(remaining)


def due_state_of(due: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """“overdue” when `due` has passed, “soon” when it falls within the soon-due window, else ''."""
    if due is None:
        return ""
    now = now or timezone.now()
    if due < now:
        return "overdue"
    if due < now + soon_due_window():
        return "soon"
    return ""


@register.filter
def due_state(due: dt.datetime | None) -> str:
    return due_state_of(due)


@register.filter
def masked_phone(value: str) -> str:
    return mask_phone(value or "")


@register.filter
def case_address(case: Case) -> str:
    """A difficulty's address is usually someone's home, so it is masked like other personal data."""
    if case.kind == Kind.DIFFICULTY:
        return mask_address(case.address)
    return case.address


@register.filter
def until(due: dt.datetime | None) -> dt.timedelta | None:
    """Time left until `due` (negative once it has passed)."""
    if due is None:
        return None
    return due - timezone.now()
