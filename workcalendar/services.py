"""Writes on the working-day calendar. Every deadline of every case is counted on it, so each change
is validated and audited like any other record, whoever makes it (the admin site included)."""

from __future__ import annotations

from typing import Any

from core.services import record_delete, record_save

from .models import CalendarDay, CalendarYear


def calendar_year_save(*, actor, calendar_year: CalendarYear) -> dict[str, list[Any]]:
    """Create or change a year of the calendar (its source, and whether it is complete); returns what changed.

    A year marked complete is trusted for deadlines; until then deadlines in it are approximate.
    """
    return record_save(calendar_year, actor=actor)


def calendar_day_save(*, actor, day: CalendarDay) -> dict[str, list[Any]]:
    """Create or change one holiday or make-up working day; returns what changed."""
    return record_save(day, actor=actor)


def calendar_day_delete(*, actor, day: CalendarDay) -> None:
    """Remove one holiday or make-up working day (entered by mistake), audited with what it was."""
    record_delete(day, actor=actor, reason="删除节假日安排")
