"""Working days and deadlines on the Chinese public-holiday calendar.

A day is a working day when the calendar says so: a 法定节假日 row makes it a day off, a 调休上班日
row makes a weekend day a working day, and otherwise Monday to Friday work. Only years marked
complete are trusted; for any other year Monday to Friday is assumed and every deadline that
touches such a year says it is approximate. Nothing here raises for a missing year.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from .limits import Deadline, TimeLimit
from .models import CalendarDay, CalendarYear

__all__ = [
    "Deadline", "TimeLimit", "WorkingCalendar", "deadline_after", "end_of_working_day", "is_working_day",
    "year_is_known",
]

# Slack added to the span loaded up front so one query nearly always covers the whole count.
_SPAN_SLACK_DAYS = 40


def calendar_timezone() -> ZoneInfo:
    """The zone in which working days begin and end (GONGZHI_CALENDAR_TIME_ZONE, default Asia/Shanghai)."""
    return ZoneInfo(getattr(settings, "GONGZHI_CALENDAR_TIME_ZONE", "Asia/Shanghai"))


def workday_end() -> dt.time:
    """The local time a working day ends (GONGZHI_WORKDAY_END, default 18:00)."""
    value = getattr(settings, "GONGZHI_WORKDAY_END", dt.time(18, 0))
    return dt.time.fromisoformat(value) if isinstance(value, str) else value


def _local(moment: dt.datetime) -> dt.datetime:
    zone = calendar_timezone()
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def end_of_working_day(day: dt.date) -> dt.datetime:
    """The aware moment `day`'s working day ends in the calendar's zone."""
    return dt.datetime.combine(day, workday_end(), tzinfo=calendar_timezone())


class WorkingCalendar:
    """The holiday rows of a range of years, loaded in one query and answered from memory.

    Reuse one instance to compute many deadlines (a periodic clock run, a report) without a
    query per case; years outside the loaded range are fetched on first use, one query per call.
    """

    def __init__(self, first_year: int | None = None, last_year: int | None = None) -> None:
        self._loaded: set[int] = set()
        self._known: set[int] = set()
        self._days: dict[dt.date, str] = {}
        if first_year is not None:
            self.load(first_year, last_year if last_year is not None else first_year)

    def load(self, first_year: int, last_year: int) -> None:
        """Fetch the complete years in [first_year, last_year] not loaded yet, with their days, in one query."""
        wanted = [year for year in range(first_year, last_year + 1) if year not in self._loaded]
        if not wanted:
            return
        # One LEFT JOIN: a complete year with no day rows still comes back once, with null date and kind.
        rows = CalendarYear.objects.filter(year__in=wanted, complete=True).values_list(
            "year", "days__date", "days__kind"
        )
        for year, date, kind in rows:
            self._known.add(year)
            if date is not None:
                self._days[date] = kind
        self._loaded.update(wanted)

    def year_is_known(self, year: int) -> bool:
        """Whether `year` is marked complete (its holidays and make-up days are all entered)."""
        self.load(year, year)
        return year in self._known

    def is_working_day(self, day: dt.date) -> bool:
        """Whether `day` is a working day; Monday to Friday in a year that is not complete."""
        self.load(day.year, day.year)
        if day.year in self._known:
            kind = self._days.get(day)
            if kind == CalendarDay.Kind.HOLIDAY:
                return False
            if kind == CalendarDay.Kind.WORKDAY:
                return True
        return day.weekday() < 5

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        day += dt.timedelta(days=1)
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def deadline_after(self, start: dt.datetime, limit: TimeLimit) -> Deadline:
        """See the module-level `deadline_after`."""
        if limit.unit in ("minutes", "hours"):
            delta = dt.timedelta(**{limit.unit: limit.amount})
            return Deadline(due=_local(start) + delta, approximate=False)

        start_day = _local(start).date()
        # Load every year the count can reach in one query: N working days never span more than
        # about 1.4 N calendar days plus the holidays in between.
        self.load(start_day.year, (start_day + dt.timedelta(days=2 * limit.amount + _SPAN_SLACK_DAYS)).year)
        if limit.amount == 0:
            day = start_day if self.is_working_day(start_day) else self.next_working_day(start_day)
            approximate = not self.year_is_known(day.year)
            if end_of_working_day(day) < _local(start):
                day = self.next_working_day(day)
                approximate = approximate or not self.year_is_known(day.year)
            return Deadline(due=end_of_working_day(day), approximate=approximate)

        day = start_day
        for _ in range(limit.amount):
            day = self.next_working_day(day)
        # The days counted run from the day after the start day to the due day.
        first_counted = start_day + dt.timedelta(days=1)
        approximate = any(not self.year_is_known(year) for year in range(first_counted.year, day.year + 1))
        return Deadline(due=end_of_working_day(day), approximate=approximate)


def is_working_day(day: dt.date | dt.datetime) -> bool:
    """Whether `day` (a date, or an aware datetime taken in the calendar's zone) is a working day.

    Years not marked complete fall back to Monday to Friday.
    """
    if isinstance(day, dt.datetime):
        day = _local(day).date()
    return WorkingCalendar().is_working_day(day)


def year_is_known(year: int) -> bool:
    """Whether the holiday arrangement of `year` has been entered and marked complete."""
    return CalendarYear.objects.filter(year=year, complete=True).exists()


def deadline_after(start: dt.datetime, limit: TimeLimit, *, calendar: WorkingCalendar | None = None) -> Deadline:
    """When something started at `start` with time limit `limit` is due.

    - Minutes and hours run on the wall clock, nights and holidays included (emergencies: 2 h,
      utilities: 24 h): due = start + limit, never approximate.
    - Working days: the count starts with the first working day after the day of `start`, whatever
      the hour and whether or not that day is itself a working day; the deadline is the end of the
      Nth such day (GONGZHI_WORKDAY_END, 18:00 by default, in the calendar's zone). Received on
      Friday 2026-02-13 with 7 working days, the count skips 春节 (2-15…2-23), works the make-up
      Saturday 2-14 and the make-up Saturday 2-28, and ends on Monday 3-2 at 18:00.
      Zero working days means the end of the current working day, or of the next if that has passed.
    - If any day counted lies in a year with no complete arrangement, Monday to Friday is assumed
      for that year and the result has `approximate=True`.

    Pass a shared `calendar` when computing many deadlines; otherwise one query is made per call.
    A naive `start` is read in the calendar's zone; `due` is always aware, in that zone.
    """
    return (calendar or WorkingCalendar()).deadline_after(start, limit)
