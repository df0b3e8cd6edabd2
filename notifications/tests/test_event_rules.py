"""Who hears of which case event: `notify_for_event` over events written by the real case services."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from cases import services
from cases.models import ReporterNotice
from notifications.models import Notification, SmsMessage
from notifications.services import events_for_notification, notify_for_event
from tests.case_world import at, frozen

T0 = at(2026, 11, 2, 9)
HOUR = dt.timedelta(hours=1)


def announce(case, now=None) -> int:
    """Run the rules over every event of `case`, as `run_clocks` would."""
    total = 0
    for event in events_for_notification().filter(case=case).order_by("pk"):
        total += notify_for_event(event, now=now or event.created_at + HOUR)
    return total


def inbox(user, kind=None) -> list[Notification]:
    qs = Notification.objects.filter(recipient=user).order_by("pk")
    return list(qs.filter(kind=kind) if kind else qs)


def test_a_dispatch_notifies_the_handlers_of_every_body_named(world, users):
    case = world.dispatch(world.register(T0), T0 + HOUR, assists=[world.dept2])
    announce(case)
    lead_note, = inbox(users["dept"], Notification.Kind.DISPATCHED)
    assist_note, = inbox(users["dept2"], Notification.Kind.DISPATCHED)
    assert "（主办）" in lead_note.message and "11月2日 14:00前报到接收" in lead_note.message
    assert "（协办）" in assist_note.message
    assert lead_note.case_id == case.pk
    assert inbox(users["dept3"]) == []
    # The clerk who dispatched is told nothing of their own move.
    assert inbox(users["community"]) == []


def test_a_whistle_notifies_the_summoned_departments_handlers(world, users):
    case = world.whistle(world.register(T0), T0 + HOUR, [world.dept2, world.dept3])
    announce(case)
    for name in ("dept2", "dept3"):
        note, = inbox(users[name], Notification.Kind.SUMMONED)
        assert note.message.startswith("东街社区就事项") and "涉及多部门" in note.message
    assert inbox(users["dept"]) == []


@pytest.mark.parametrize("lead", [True, False])
def test_a_return_notifies_the_case_owner(world, users, lead):
    case = world.dispatch(world.register(T0), T0 + HOUR, assists=[world.dept2])
    case = world.return_(case, T0 + 2 * HOUR, org=world.dept if lead else world.dept2, reason="不属于本单位职责")
    announce(case)
    note, = inbox(users["community"], Notification.Kind.RETURNED)
    assert "不属于本单位职责" in note.message
    assert ("请重新派遣或提请街道裁定" in note.message) is lead


def test_a_reply_and_an_extension_request_notify_the_owner(world, users):
    case = world.accept(world.dispatch(world.register(T0), T0 + HOUR), T0 + 2 * HOUR)
    case = world.request_extension(case, T0 + 3 * HOUR, until=T0 + 96 * HOUR)
    case = world.grant_extension(case, T0 + 4 * HOUR)
    case = world.reply(case, T0 + 5 * HOUR)
    announce(case)
    assert "11月6日 09:00" in inbox(users["community"], Notification.Kind.EXTENSION_REQUESTED)[0].message
    assert "请核查" in inbox(users["community"], Notification.Kind.REPLIED)[0].message
    # The decision on the extension goes to the body that asked.
    granted, = inbox(users["dept"], Notification.Kind.EXTENSION_DECIDED)
    assert "已同意" in granted.message


def test_without_an_owner_the_community_staff_hear_instead(world, users):
    # A case taken in and classified by street staff has no 首问责任人.
    case = world.submit(T0, actor=users["street"])
    case = world.dispatch(world.classify(case, T0, actor=users["street"]), T0 + HOUR, actor=users["street"])
    assert case.owner_id is None
    case = world.return_(case, T0 + 2 * HOUR)
    announce(case)
    assert len(inbox(users["community"], Notification.Kind.RETURNED)) == 1
    assert inbox(users["community2"]) == []  # the other community's staff hear nothing


def test_a_rework_goes_back_to_the_lead(world, users):
    case = world.reply(world.accept(world.dispatch(world.register(T0), T0 + HOUR), T0 + 2 * HOUR), T0 + 3 * HOUR)
    case = world.rework(case, T0 + 4 * HOUR, reason="现场仍未修好")
    announce(case)
    note, = inbox(users["dept"], Notification.Kind.REWORK)
    assert "核查未通过" in note.message and "现场仍未修好" in note.message


def test_a_rejection_texts_the_reporter_and_logs_the_number_masked(world, outbox, caplog):
    case = world.reject(world.submit(T0), T0 + HOUR, reason="属于司法程序事项")
    with caplog.at_level(logging.INFO, logger="gongzhi.sms"):
        announce(case)
    sms, = outbox
    assert sms.phone == "13900002222"
    assert "不予受理" in sms.text and "属于司法程序事项" in sms.text and case.tracking_code in sms.text
    assert "139****2222" in caplog.text and "13900002222" not in caplog.text
    stored = SmsMessage.objects.get()
    # The logging backend sent nothing: the record says so, and the notice is not marked sent.
    assert stored.status == "logged" and stored.status_at is not None and stored.sent_at is None
    assert stored.get_status_display() == "已记录（未发送）" and stored.phone_masked == "139****2222"
    assert ReporterNotice.objects.get(case=case).sent_at is None


def test_a_closure_texts_the_reporter(world, outbox):
    case = world.reply(world.accept(world.dispatch(world.register(T0), T0 + HOUR), T0 + 2 * HOUR), T0 + 3 * HOUR)
    case = world.finish(case, T0 + 4 * HOUR, rating=None)
    announce(case)
    sms, = outbox
    assert "已办结" in sms.text and "请对办理结果进行评价" in sms.text


def test_a_landline_gets_no_text_message(world, outbox):
    case = world.reject(world.submit(T0, phone="029-35512345"), T0 + HOUR)
    announce(case)
    assert list(outbox) == [] and not SmsMessage.objects.exists()


def test_announcing_an_event_twice_sends_nothing_twice(world, users, outbox):
    dispatched = world.dispatch(world.register(T0), T0 + HOUR, assists=[world.dept2])
    rejected = world.reject(world.submit(T0), T0 + HOUR)
    first = announce(dispatched) + announce(rejected)
    again = announce(dispatched) + announce(rejected)
    assert first == 3 and again == 0
    assert Notification.objects.count() == 2 and len(outbox) == 1


def test_an_event_older_than_three_days_is_history_and_tells_nobody(world, outbox):
    case = world.reject(world.submit(T0), T0 + HOUR)
    assert announce(case, now=T0 + dt.timedelta(days=4)) == 0
    assert list(outbox) == [] and not Notification.objects.exists()


def test_transfer_of_ownership_tells_the_new_owner(world, users):
    case = world.register(T0)
    with frozen(T0 + HOUR):
        services.case_transfer_owner(
            case=case, actor=users["community"], expected_version=case.version, owner=users["street"], reason="轮岗"
        )
    announce(case)
    note, = Notification.objects.filter(kind=Notification.Kind.OWNER_TRANSFERRED)
    assert note.recipient == users["street"] and "轮岗" in note.message
