"""Reporting periods: a month, a quarter, a year or any range of days, in Beijing time.

A period runs from 00:00 of its first day to 00:00 after its last day (the last day is included).
Pages name a period by a token: ``2026-11`` (a month), ``2026-Q4`` (a quarter), ``2026`` (a year).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone

QUARTER_NAMES = ("第一季度", "第二季度", "第三季度", "第四季度")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MIN_YEAR = 2000
MAX_YEAR = 2100


class PeriodError(ValueError):
    """A period that cannot be read; `fields` maps each bad parameter to a Chinese message."""

    def __init__(self, fields: dict[str, str]):
        self.fields = fields
        super().__init__("；".join(fields.values()))


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # included
    label: str = ""
    token: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period cannot end before it starts")

    @property
    def start_at(self) -> dt.datetime:
        """00:00 of the first day, in the current time zone."""
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_at(self) -> dt.datetime:
        """00:00 after the last day (the first moment not in the period)."""
        return timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))

    @property
    def title(self) -> str:
        return self.label or f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"


def month(year: int, number: int) -> Period:
    start = dt.date(year, number, 1)
    following = dt.date(year + (number == 12), number % 12 + 1, 1)
    return Period(start, following - dt.timedelta(days=1), f"{year}年{number}月", f"{year}-{number:02d}")


def quarter(year: int, number: int) -> Period:
    first = month(year, 3 * number - 2)
    last = month(year, 3 * number)
    return Period(first.start, last.end, f"{year}年{QUARTER_NAMES[number - 1]}", f"{year}-Q{number}")


def year(number: int) -> Period:
    return Period(dt.date(number, 1, 1), dt.date(number, 12, 31), f"{number}年", str(number))


def from_token(token: str | None, *, today: dt.date) -> Period:
    """The period a token names (the month of `today` when empty); raises PeriodError if unreadable."""
    token = (token or "").strip()
    if not token:
        return month(today.year, today.month)
    for pattern, build in ((_MONTH, month), (_QUARTER, quarter)):
        found = pattern.match(token)
        if found:
            y, n = int(found.group(1)), int(found.group(2))
            if MIN_YEAR <= y <= MAX_YEAR and (build is quarter or 1 <= n <= 12):
                return build(y, n)
    found = _YEAR.match(token)
    if found and MIN_YEAR <= int(found.group(1)) <= MAX_YEAR:
        return year(int(found.group(1)))
    raise PeriodError({"period": "统计周期应为月（2026-11）、季度（2026-Q4）或年（2026）"})


def choices(*, today: dt.date) -> list[tuple[str, list[Period]]]:
    """Periods offered by a picker, grouped: the last 12 months, the last 8 quarters, the last 3 years."""
    months, y, m = [], today.year, today.month
    for _ in range(12):
        months.append(month(y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    quarters, y, q = [], today.year, (today.month - 1) // 3 + 1
    for _ in range(8):
        quarters.append(quarter(y, q))
        y, q = (y, q - 1) if q > 1 else (y - 1, 4)
    years = [year(today.year - back) for back in range(3)]
    return [("按月", months), ("按季度", quarters), ("按年", years)]


def _date(fields: dict[str, str], name: str, raw: str | None, label: str) -> dt.date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        if not _DATE.match(raw):
            raise ValueError(raw)
        value = dt.date.fromisoformat(raw)
    except ValueError:
        fields[name] = f"{label}应为 YYYY-MM-DD 格式的日期"
        return None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        fields[name] = f"{label}应在 {MIN_YEAR} 年至 {MAX_YEAR} 年之间"
        return None
    return value


def from_range(raw_from: str | None, raw_to: str | None, *, today: dt.date) -> Period:
    """The days from `raw_from` to `raw_to` (YYYY-MM-DD, both included).

    Without `raw_from` the period starts on the first of `today`'s month; without `raw_to` it ends
    `today`. Raises PeriodError naming the bad parameter (`from`, `to`).
    """
    fields: dict[str, str] = {}
    start = _date(fields, "from", raw_from, "开始日期")
    end = _date(fields, "to", raw_to, "结束日期")
    if fields:
        raise PeriodError(fields)
    end = end or today
    start = start or (end.replace(day=1) if raw_to else today.replace(day=1))
    if end < start:
        raise PeriodError({"to": "结束日期不能早于开始日期"})
    return Period(start, end)
