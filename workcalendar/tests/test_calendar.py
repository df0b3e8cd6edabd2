"""Working days follow the State Council arrangement of known years and Monday to Friday elsewhere."""

from __future__ import annotations

import datetime as dt

import pytest

from workcalendar.models import CalendarDay, CalendarYear
from workcalendar.selectors import WorkingCalendar, is_working_day, year_is_known

pytestmark = pytest.mark.django_db

# The 2026 arrangement, as published: every holiday and every make-up working day.
HOLIDAYS_2026 = {
    "元旦": ["2026-01-01", "2026-01-02", "2026-01-03"],
    "春节": [f"2026-02-{d}" for d in range(15, 24)],
    "清明节": ["2026-04-04", "2026-04-05", "2026-04-06"],
    "劳动节": ["2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05"],
    "端午节": ["2026-06-19", "2026-06-20", "2026-06-21"],
    "中秋节": ["2026-09-25", "2026-09-26", "2026-09-27"],
    "国庆节": [f"2026-10-0{d}" for d in range(1, 8)],
}
MAKEUP_2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
ALL_HOLIDAYS_2026 = [day for days in HOLIDAYS_2026.values() for day in days]


@pytest.mark.parametrize("iso", ALL_HOLIDAYS_2026)
def test_every_2026_holiday_is_a_day_off(iso):
    assert is_working_day(dt.date.fromisoformat(iso)) is False


@pytest.mark.parametrize("iso", MAKEUP_2026)
def test_every_2026_makeup_day_is_a_working_weekend_day(iso):
    day = dt.date.fromisoformat(iso)
    assert day.weekday() >= 5
    assert is_working_day(day) is True


def test_the_2026_rows_are_exactly_the_published_ones():
    rows = CalendarDay.objects.filter(calendar_year__year=2026)
    assert sorted(str(d) for d in rows.filter(kind="holiday").values_list("date", flat=True)) == sorted(
        ALL_HOLIDAYS_2026
    )
    assert sorted(str(d) for d in rows.filter(kind="workday").values_list("date", flat=True)) == MAKEUP_2026
    for name, days in HOLIDAYS_2026.items():
        assert set(rows.filter(name=name, kind="holiday").values_list("date", flat=True)) == {
            dt.date.fromisoformat(d) for d in days
        }


def test_2026_has_the_published_number_of_working_days():
    calendar = WorkingCalendar(2026)
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(365)]
    # 261 weekdays, less the 19 holidays that fall on weekdays, plus 6 make-up weekend days.
    assert sum(calendar.is_working_day(day) for day in days) == 248


def test_2025_spring_festival_and_national_day():
    assert not is_working_day(dt.date(2025, 1, 28))
    assert not is_working_day(dt.date(2025, 2, 4))
    assert is_working_day(dt.date(2025, 1, 26))
    assert is_working_day(dt.date(2025, 2, 8))
    assert not is_working_day(dt.date(2025, 10, 8))
    assert is_working_day(dt.date(2025, 9, 28))
    assert is_working_day(dt.date(2025, 10, 11))


def test_ordinary_days_follow_the_week():
    assert is_working_day(dt.date(2026, 3, 2))  # Monday
    assert not is_working_day(dt.date(2026, 3, 7))  # Saturday


def test_a_datetime_is_read_in_china_time():
    # 2026-02-13 17:00 UTC is already Saturday 2-14 01:00 in Beijing, a make-up working day.
    assert is_working_day(dt.datetime(2026, 2, 13, 17, 0, tzinfo=dt.UTC)) is True
    # 2026-01-03 20:00 UTC is Sunday 1-4 04:00 in Beijing, the make-up day after 元旦.
    assert is_working_day(dt.datetime(2026, 1, 3, 20, 0, tzinfo=dt.UTC)) is True


def test_known_years():
    assert year_is_known(2025) and year_is_known(2026)
    assert not year_is_known(2027)


def test_an_unknown_year_falls_back_to_monday_to_friday_without_raising():
    assert is_working_day(dt.date(2027, 1, 1)) is True  # a Friday; its 元旦 is not entered yet
    assert is_working_day(dt.date(2027, 1, 2)) is False


def test_an_incomplete_year_is_not_trusted():
    year = CalendarYear.objects.create(year=2027, complete=False)
    CalendarDay.objects.create(calendar_year=year, date=dt.date(2027, 1, 1), kind="holiday", name="元旦")
    assert not year_is_known(2027)
    assert is_working_day(dt.date(2027, 1, 1)) is True
    year.complete = True
    year.save()
    assert year_is_known(2027)
    assert is_working_day(dt.date(2027, 1, 1)) is False


def test_a_day_must_lie_in_its_year():
    from django.core.exceptions import ValidationError

    year = CalendarYear.objects.get(year=2026)
    day = CalendarDay(calendar_year=year, date=dt.date(2027, 1, 1), kind="holiday", name="元旦")
    with pytest.raises(ValidationError):
        day.full_clean()
