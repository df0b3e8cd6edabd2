"""Text messages are marked sent only when a gateway accepted them; `check --deploy` refuses the
logging backend outside the demo.

The HTTP gateway in these tests is a server on 127.0.0.1 started by the test itself.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.checks import run_checks

from cases.models import ReporterNotice
from notifications import sms
from notifications.models import SmsMessage
from notifications.services import events_for_notification, notify_for_event
from tests.case_world import at
from tests.http_receiver import local_receiver

T0 = at(2026, 11, 2, 9)
HTTP_BACKEND = "notifications.sms.HttpSmsBackend"


@pytest.fixture
def gateway(settings):
    """The HTTP backend pointed at a local gateway (tests.http_receiver), which records what it was sent."""
    with local_receiver("/send") as rec:
        settings.GONGZHI_SMS_BACKEND = HTTP_BACKEND
        settings.GONGZHI_SMS_GATEWAY_URL = rec.url
        settings.GONGZHI_SMS_GATEWAY_TOKEN = "gw-token"
        yield rec


def _reject(world):
    case = world.reject(world.submit(T0), T0 + dt.timedelta(hours=1))
    for event in events_for_notification().filter(case=case).order_by("pk"):
        notify_for_event(event, now=event.created_at)
    return case


@pytest.mark.django_db
def test_a_gateway_that_accepts_marks_the_message_and_the_notice_sent(world, gateway):
    case = _reject(world)
    (headers, raw), = gateway.received
    body = json.loads(raw)
    assert body["phone"] == "13900002222" and "不予受理" in body["text"]
    assert headers["authorization"] == "Bearer gw-token"
    message = SmsMessage.objects.get()
    assert message.status == "sent" and message.sent_at is not None and message.status_at == message.sent_at
    assert ReporterNotice.objects.get(case=case).sent_at == message.sent_at


@pytest.mark.django_db
def test_a_gateway_that_refuses_leaves_the_message_queued_then_failed(world, gateway, settings):
    from notifications.services import SMS_MAX_ATTEMPTS, sms_deliver

    gateway.statuses.extend([503] * SMS_MAX_ATTEMPTS)
    case = _reject(world)
    message = SmsMessage.objects.get()
    assert message.status == "queued" and message.sent_at is None and "HTTP 503" in message.last_error
    for _ in range(SMS_MAX_ATTEMPTS - 1):
        sms_deliver(message)
    message.refresh_from_db()
    assert message.status == "failed" and message.status_at is not None and message.sent_at is None
    assert ReporterNotice.objects.get(case=case).sent_at is None


def _ids(**kwargs) -> set[str]:
    return {m.id for m in run_checks(include_deployment_checks=True, **kwargs)}


def test_the_deploy_check_refuses_the_logging_backend_outside_the_demo(settings):
    settings.DEMO = False
    settings.GONGZHI_SMS_BACKEND = sms.DEFAULT_BACKEND
    [error] = [m for m in run_checks(include_deployment_checks=True) if m.id == "gongzhi.E010"]
    assert error.is_serious() and "短信" in error.msg and "only logs" in error.msg
    settings.GONGZHI_SMS_BACKEND = HTTP_BACKEND
    settings.GONGZHI_SMS_GATEWAY_URL = ""
    assert "gongzhi.E010" in _ids()
    settings.GONGZHI_SMS_GATEWAY_URL = "https://sms.example.gov.cn/send"
    assert "gongzhi.E010" not in _ids()
    settings.DEMO = True
    settings.GONGZHI_SMS_BACKEND = sms.DEFAULT_BACKEND
    assert "gongzhi.E010" not in _ids()
