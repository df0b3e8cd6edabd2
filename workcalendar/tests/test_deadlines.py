"""Deadlines: wall-clock hours, working days across 春节, and years whose holidays are not entered yet."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from workcalendar.limits import Deadline, TimeLimit
from workcalendar.models import CalendarDay, CalendarYear
from workcalendar.selectors import WorkingCalendar, deadline_after

pytestmark = pytest.mark.django_db

CST = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST)


def test_two_hours_run_on_the_wall_clock_through_a_holiday_night():
    deadline = deadline_after(at(2026, 2, 16, 23, 30), TimeLimit(2, "hours"))
    assert deadline == Deadline(due=at(2026, 2, 17, 1, 30), approximate=False)


def test_twenty_four_hours_ignore_weekends():
    deadline = deadline_after(at(2026, 3, 6, 9, 15), TimeLimit(24, "hours"))
    assert deadline.due == at(2026, 3, 7, 9, 15)
    assert not deadline.approximate


def test_minutes_for_a_whistle_report_in():
    assert deadline_after(at(2026, 3, 6, 9, 15), TimeLimit(30, "minutes")).due == at(2026, 3, 6, 9, 45)


def test_hours_are_exact_even_in_an_unknown_year():
    assert deadline_after(at(2027, 5, 1, 8, 0), TimeLimit(2, "hours")) == Deadline(at(2027, 5, 1, 10, 0), False)


def test_seven_working_days_across_the_2026_spring_festival():
    # Friday 2-13 → Sat 2-14 (make-up) 1, holiday 2-15…2-23, 2-24…2-27 are 2-5, Sat 2-28 (make-up) 6, Mon 3-2 7.
    deadline = deadline_after(at(2026, 2, 13, 10, 0), TimeLimit(7, "working_days"))
    assert deadline == Deadline(due=at(2026, 3, 2, 18, 0), approximate=False)


def test_a_case_received_on_a_working_day_counts_from_the_next_one():
    # Monday morning or Monday night: the first counted day is Tuesday.
    assert deadline_after(at(2026, 3, 2, 8, 0), TimeLimit(1, "working_days")).due == at(2026, 3, 3, 18, 0)
    assert deadline_after(at(2026, 3, 2, 23, 0), TimeLimit(1, "working_days")).due == at(2026, 3, 3, 18, 0)


def test_a_case_received_at_the_weekend_counts_from_monday():
    assert deadline_after(at(2026, 3, 7, 11, 0), TimeLimit(1, "working_days")).due == at(2026, 3, 9, 18, 0)


def test_fifteen_working_days_across_national_day_2026():
    # From Fri 9-18: 9-20 (make-up Sun) counts, 9-25…9-27 and 10-1…10-7 are off, 10-10 (make-up Sat) counts:
    # 9-20…9-24 are 1-5, 9-28…9-30 are 6-8, 10-8…10-10 are 9-11, 10-12…10-15 are 12-15.
    deadline = deadline_after(at(2026, 9, 18, 16, 0), TimeLimit(15, "working_days"))
    assert deadline == Deadline(due=at(2026, 10, 15, 18, 0), approximate=False)


def test_utc_start_is_read_in_china_time():
    # Thursday 2026-03-05 20:00 UTC is Friday 3-06 04:00 in Beijing: the first counted day is Monday 3-09.
    start = dt.datetime(2026, 3, 5, 20, 0, tzinfo=dt.UTC)
    assert deadline_after(start, TimeLimit(1, "working_days")).due == at(2026, 3, 9, 18, 0)


def test_zero_working_days_means_the_end_of_today_or_of_the_next_working_day():
    assert deadline_after(at(2026, 3, 2, 9, 0), TimeLimit(0, "working_days")).due == at(2026, 3, 2, 18, 0)
    assert deadline_after(at(2026, 3, 2, 19, 0), TimeLimit(0, "working_days")).due == at(2026, 3, 3, 18, 0)
    assert deadline_after(at(2026, 2, 16, 9, 0), TimeLimit(0, "working_days")).due == at(2026, 2, 24, 18, 0)


def test_a_deadline_running_into_2027_is_approximate_and_counts_monday_to_friday():
    # Thu 2026-12-24: 12-25, 12-28…12-31 are 1-5 (2026 is known), then 2027 by weekdays only:
    # Fri 1-1 is 6 (its 元旦 is unknown), Mon 1-4 is 7.
    deadline = deadline_after(at(2026, 12, 24, 10, 0), TimeLimit(7, "working_days"))
    assert deadline == Deadline(due=at(2027, 1, 4, 18, 0), approximate=True)


def test_a_deadline_that_stays_in_2026_is_exact_even_late_in_the_year():
    deadline = deadline_after(at(2026, 12, 24, 10, 0), TimeLimit(5, "working_days"))
    assert deadline == Deadline(due=at(2026, 12, 31, 18, 0), approximate=False)


def test_a_deadline_wholly_in_2028_never_raises():
    deadline = deadline_after(at(2028, 5, 1, 9, 0), TimeLimit(15, "working_days"))
    assert deadline.approximate
    assert deadline.due == at(2028, 5, 22, 18, 0)


def test_an_administrator_entering_2027_makes_the_deadline_exact():
    year = CalendarYear.objects.create(year=2027, complete=True, source="国务院办公厅关于2027年部分节假日安排的通知")
    CalendarDay.objects.create(calendar_year=year, date=dt.date(2027, 1, 1), kind="holiday", name="元旦")
    deadline = deadline_after(at(2026, 12, 24, 10, 0), TimeLimit(7, "working_days"))
    # 1-1 is now a holiday: 6 is Mon 1-4, 7 is Tue 1-5.
    assert deadline == Deadline(due=at(2027, 1, 5, 18, 0), approximate=False)


@override_settings(GONGZHI_WORKDAY_END="17:30")
def test_the_end_of_the_working_day_is_configurable():
    assert deadline_after(at(2026, 3, 2, 9, 0), TimeLimit(1, "working_days")).due == at(2026, 3, 3, 17, 30)


def test_a_naive_start_is_read_as_china_time():
    deadline = deadline_after(dt.datetime(2026, 3, 2, 9, 0), TimeLimit(2, "hours"))
    assert deadline.due == at(2026, 3, 2, 11, 0)
    assert deadline.due.tzinfo is not None


def test_one_query_per_deadline_however_long(django_assert_num_queries):
    with django_assert_num_queries(1):
        deadline_after(at(2026, 1, 5, 9, 0), TimeLimit(200, "working_days"))
    with django_assert_num_queries(1):
        deadline_after(at(2026, 12, 20, 9, 0), TimeLimit(30, "working_days"))
    with django_assert_num_queries(0):
        deadline_after(at(2026, 12, 20, 9, 0), TimeLimit(24, "hours"))


def test_a_shared_calendar_answers_many_deadlines_with_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        calendar = WorkingCalendar(2025, 2027)
        for day in range(1, 28):
            deadline_after(at(2026, 2, day, 9, 0), TimeLimit(7, "working_days"), calendar=calendar)
            deadline_after(at(2026, 2, day, 9, 0), TimeLimit(15, "working_days"), calendar=calendar)


def test_a_bad_time_limit_is_refused():
    with pytest.raises(ValueError):
        TimeLimit(2, "days")
    with pytest.raises(ValueError):
        TimeLimit(-1, "hours")
