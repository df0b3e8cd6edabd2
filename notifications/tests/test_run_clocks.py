"""`run_clocks`: new events, deadline reminders, overdue escalations, text messages; safe to run twice."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from cases.models import CaseEvent
from notifications.models import EventCursor, Notification, SmsMessage
from notifications.services import CURSOR_NAME, run_clocks
from tests.case_world import at, frozen

T0 = at(2026, 11, 2, 9)  # registered; dispatched an hour later: report in by 14:00, finish by 11-04 09:00
HOUR = dt.timedelta(hours=1)


def clocks(now: dt.datetime) -> str:
    out = io.StringIO()
    call_command("run_clocks", now=now.isoformat(), stdout=out)
    return out.getvalue()


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", flat=True))


@pytest.fixture
def dispatched(world):
    return world.dispatch(world.register(T0), T0 + HOUR, assists=[world.dept2])


def test_run_twice_sends_nothing_twice_and_prints_one_line(world, users, dispatched, outbox):
    world.reject(world.submit(T0), T0 + HOUR)
    first = clocks(T0 + 2 * HOUR)
    counts = Notification.objects.count()
    second = clocks(T0 + 2 * HOUR)
    assert Notification.objects.count() == counts
    assert len(outbox) == 1 and SmsMessage.objects.get().status == "logged"
    assert first.count("\n") == 1 and first.startswith("run_clocks：")
    # The first run: 2 dispatch notices + 1 queued text message; 2 report-in reminders; the text message
    # written to the log only (no gateway here), which the line says rather than claiming it was sent.
    assert "生成通知 3 条" in first and "期限提醒 2 条" in first and "短信网关已接收 0 条，另有 1 条仅写入日志" in first
    assert "生成通知 0 条" in second and "期限提醒 0 条" in second and "仅写入日志" not in second


def test_a_near_report_in_deadline_is_reminded_once(world, users, dispatched):
    run_clocks(now=T0 + 2 * HOUR)  # 11:00: due at 14:00, inside the 4-hour window
    run_clocks(now=T0 + 3 * HOUR)
    assert kinds(users["dept"]).count(Notification.Kind.REPORT_IN_SOON) == 1
    assert kinds(users["dept2"]).count(Notification.Kind.REPORT_IN_SOON) == 1


def test_a_deadline_outside_the_window_is_not_reminded_yet(world, users, dispatched, settings):
    settings.GONGZHI_REMINDER_HOURS = 1
    run_clocks(now=T0 + 2 * HOUR)  # 11:00, due at 14:00: three hours away, window one hour
    assert Notification.Kind.REPORT_IN_SOON not in kinds(users["dept"])
    run_clocks(now=T0 + 4 * HOUR + 30 * dt.timedelta(minutes=1))
    assert Notification.Kind.REPORT_IN_SOON in kinds(users["dept"])


def test_a_body_that_reported_in_is_reminded_of_its_finish_deadline_only(world, users, dispatched):
    world.accept(dispatched, T0 + 2 * HOUR)
    run_clocks(now=T0 + 2 * HOUR + dt.timedelta(minutes=30))
    assert Notification.Kind.REPORT_IN_SOON not in kinds(users["dept"])
    run_clocks(now=T0 + 46 * HOUR)  # finish due at T0 + 48 h
    assert kinds(users["dept"]).count(Notification.Kind.FINISH_SOON) == 1


def test_an_overdue_assignment_is_escalated_to_the_owner_and_the_street_once_per_deadline(world, users, dispatched):
    case = world.accept(dispatched, T0 + 2 * HOUR)
    run_clocks(now=T0 + 49 * HOUR)
    run_clocks(now=T0 + 50 * HOUR)
    # Both bodies are overdue: the owner and the street staff hear of each once.
    assert kinds(users["community"]).count(Notification.Kind.OVERDUE) == 2
    assert kinds(users["street"]).count(Notification.Kind.OVERDUE) == 2
    assert Notification.Kind.OVERDUE not in kinds(users["county"])
    message = Notification.objects.filter(recipient=users["street"], kind=Notification.Kind.OVERDUE).first().message
    assert "已超过办结期限" in message and "11月4日 09:00" in message
    # An extension moves the deadline: once the new one passes, it is escalated again.
    case = world.request_extension(case, T0 + 51 * HOUR, until=T0 + 72 * HOUR)
    world.grant_extension(case, T0 + 52 * HOUR)
    run_clocks(now=T0 + 60 * HOUR)
    assert kinds(users["community"]).count(Notification.Kind.OVERDUE) == 2
    run_clocks(now=T0 + 73 * HOUR)
    assert kinds(users["community"]).count(Notification.Kind.OVERDUE) == 3


def test_a_replied_assignment_is_not_overdue(world, users):
    case = world.accept(world.dispatch(world.register(T0), T0 + HOUR), T0 + 2 * HOUR)
    case = world.dispatch(case, T0 + 2 * HOUR, lead=None, assists=[world.dept2])
    case = world.accept(case, T0 + 3 * HOUR, world.dept2)
    world.reply(case, T0 + 4 * HOUR, world.dept2)  # the assisting body replies
    run_clocks(now=T0 + 49 * HOUR)
    overdue = Notification.objects.filter(kind=Notification.Kind.OVERDUE)
    assert overdue.count() == 2  # the lead is overdue, to the owner and the street; the assisting body is not
    assert all(world.dept.name in n.message and world.dept2.name not in n.message for n in overdue)


def test_a_summons_not_reported_in_is_escalated_to_the_owner_once(world, users):
    case = world.whistle(world.register(T0), T0 + HOUR, [world.dept2, world.dept3])
    world.report_in(case, T0 + 2 * HOUR, world.dept2)  # due 12:00; 城管局 comes, 市场监管局 does not
    run_clocks(now=T0 + 4 * HOUR)
    run_clocks(now=T0 + 5 * HOUR)
    late, = Notification.objects.filter(kind=Notification.Kind.SUMMONS_OVERDUE)
    assert late.recipient == users["community"] and world.dept3.name in late.message


def test_the_cursor_moves_past_settled_events_only(world, dispatched):
    last = CaseEvent.objects.order_by("-pk").first()
    run_clocks(now=last.created_at + dt.timedelta(minutes=1))
    assert EventCursor.objects.get(name=CURSOR_NAME).last_event_id < last.pk
    report = run_clocks(now=last.created_at + HOUR)
    assert EventCursor.objects.get(name=CURSOR_NAME).last_event_id == last.pk
    assert report.events >= 1 and report.event_messages == 0  # read again, nothing new to say
    assert run_clocks(now=last.created_at + 2 * HOUR).events == 0


def test_events_announced_on_commit_are_not_announced_again(world, users, django_capture_on_commit_callbacks):
    case = world.register(T0)
    # The callbacks run as the block ends: keep the clock at the move's time until then.
    with frozen(T0 + HOUR), django_capture_on_commit_callbacks(execute=True):
        world.dispatch(case, T0 + HOUR)
    assert kinds(users["dept"]) == [Notification.Kind.DISPATCHED]
    report = run_clocks(now=T0 + 2 * HOUR)
    assert report.event_messages == 0
    assert kinds(users["dept"]) == [Notification.Kind.DISPATCHED, Notification.Kind.REPORT_IN_SOON]


class BrokenGateway:
    def send(self, phone: str, text: str) -> None:
        raise ConnectionError("网关无响应")


def test_a_failed_text_message_stays_queued_and_is_sent_by_a_later_run(world, settings, outbox):
    world.reject(world.submit(T0), T0 + HOUR)
    settings.GONGZHI_SMS_BACKEND = "notifications.tests.test_run_clocks.BrokenGateway"
    assert run_clocks(now=T0 + 2 * HOUR).sms_sent == 0
    message = SmsMessage.objects.get()
    assert message.sent_at is None and message.attempts == 1 and "网关无响应" in message.last_error
    settings.GONGZHI_SMS_BACKEND = "notifications.sms.LoggingSmsBackend"
    report = run_clocks(now=T0 + 3 * HOUR)
    # The logging backend only writes the message to the log: nothing was sent, and the report says so.
    assert (report.sms_sent, report.sms_logged) == (0, 1)
    assert "短信网关已接收 0 条，另有 1 条仅写入日志、未发送" in report.summary()
    later = run_clocks(now=T0 + 4 * HOUR)
    assert (later.sms_sent, later.sms_logged) == (0, 0) and "仅写入日志" not in later.summary()
    assert len(outbox) == 1


def test_a_closed_case_is_neither_reminded_nor_escalated(world, users, dispatched):
    case = world.reply(world.accept(dispatched, T0 + 2 * HOUR), T0 + 3 * HOUR)
    world.finish(case, T0 + 4 * HOUR)
    run_clocks(now=T0 + 100 * HOUR)
    assert not Notification.objects.filter(
        kind__in=[Notification.Kind.OVERDUE, Notification.Kind.FINISH_SOON, Notification.Kind.REPORT_IN_SOON]
    ).exists()


def test_a_bad_now_is_refused():
    with pytest.raises(CommandError):
        call_command("run_clocks", now="next tuesday")
