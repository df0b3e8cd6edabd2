"""Reporting periods: tokens, ranges, bounds in Beijing time, and the picker's choices."""

from __future__ import annotations

import datetime as dt

import pytest

from reports import periods
from reports.periods import Period, PeriodError
from tests.case_world import at

TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize("token, start, end, label", [
    ("2026-11", "2026-11-01", "2026-11-30", "2026年11月"),
    ("2026-2", "2026-02-01", "2026-02-28", "2026年2月"),
    ("2026-12", "2026-12-01", "2026-12-31", "2026年12月"),
    ("2026-Q1", "2026-01-01", "2026-03-31", "2026年第一季度"),
    ("2026-q4", "2026-10-01", "2026-12-31", "2026年第四季度"),
    ("2025", "2025-01-01", "2025-12-31", "2025年"),
    ("", "2026-11-01", "2026-11-30", "2026年11月"),
])
def test_tokens_name_months_quarters_and_years(token, start, end, label):
    period = periods.from_token(token, today=TODAY)
    assert (period.start.isoformat(), period.end.isoformat(), period.label) == (start, end, label)


@pytest.mark.parametrize("token", ["2026-13", "2026-Q5", "26-11", "1999", "next month", "2026-00"])
def test_bad_tokens_are_refused(token):
    with pytest.raises(PeriodError) as error:
        periods.from_token(token, today=TODAY)
    assert list(error.value.fields) == ["period"]


def test_a_period_runs_from_midnight_to_midnight_beijing_time():
    period = periods.month(2026, 11)
    assert period.start_at == at(2026, 11, 1, 0) and period.end_at == at(2026, 12, 1, 0)
    with pytest.raises(ValueError):
        Period(dt.date(2026, 11, 2), dt.date(2026, 11, 1))


def test_ranges_default_to_the_current_month_up_to_today():
    assert periods.from_range(None, None, today=TODAY) == Period(dt.date(2026, 11, 1), TODAY)
    assert periods.from_range("2026-10-15", "", today=TODAY) == Period(dt.date(2026, 10, 15), TODAY)
    assert periods.from_range("", "2026-09-20", today=TODAY) == Period(dt.date(2026, 9, 1), dt.date(2026, 9, 20))
    assert periods.from_range("2026-11-03", "2026-11-03", today=TODAY).title == "2026-11-03 至 2026-11-03"


@pytest.mark.parametrize("raw_from, raw_to, fields", [
    ("2026-02-30", "", ["from"]),
    ("20261101", "", ["from"]),
    ("", "2026/11/30", ["to"]),
    ("bad", "worse", ["from", "to"]),
    ("2026-11-30", "2026-11-01", ["to"]),
    ("1900-01-01", "", ["from"]),
])
def test_bad_ranges_name_the_bad_parameter(raw_from, raw_to, fields):
    with pytest.raises(PeriodError) as error:
        periods.from_range(raw_from, raw_to, today=TODAY)
    assert sorted(error.value.fields) == fields


def test_the_picker_offers_twelve_months_eight_quarters_and_three_years():
    groups = dict(periods.choices(today=dt.date(2026, 2, 10)))
    assert [p.token for p in groups["按月"]][:3] == ["2026-02", "2026-01", "2025-12"] and len(groups["按月"]) == 12
    assert [p.token for p in groups["按季度"]][:2] == ["2026-Q1", "2025-Q4"] and len(groups["按季度"]) == 8
    assert [p.token for p in groups["按年"]] == ["2026", "2025", "2024"]
