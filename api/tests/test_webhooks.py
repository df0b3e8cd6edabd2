"""Webhooks: rows written from the event log, signed POSTs to a local receiver, retries with backoff.

Every delivery in these tests goes to an HTTP server on 127.0.0.1 started by the test itself.
"""

from __future__ import annotations

import datetime as dt
import json
import socket

import pytest
from django.core.management import call_command
from django.utils import timezone

from api import webhooks
from api.models import WebhookDelivery, WebhookSubscription
from core.models import AuditEvent
from tests.case_world import at
from tests.http_receiver import local_receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    with local_receiver("/hooks/gongzhi") as rec:
        yield rec


@pytest.fixture
def subscription(receiver, users):
    return webhooks.webhook_subscription_save(
        actor=users["county"], subscription=WebhookSubscription(name="12345 热线", url=receiver.url),
    )


@pytest.fixture
def submitted(world, subscription, django_capture_on_commit_callbacks):
    """A case taken in (its transaction committed, as in production) and the log read behind the cursor."""
    with django_capture_on_commit_callbacks(execute=True):
        case = world.submit(at(2026, 11, 2, 9))
    webhooks.queue_new_events()
    return case


def test_a_case_move_writes_nothing_until_the_log_is_read(world, subscription, receiver,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world.submit(at(2026, 11, 2, 9))
    assert WebhookDelivery.objects.count() == 0  # the move itself never touches webhooks
    assert webhooks.queue_new_events() == webhooks.QueuedEvents(events=1, deliveries=1)
    assert receiver.received == []  # queueing sends nothing: deliver_due does


def test_the_log_gives_a_due_delivery_per_event(submitted, receiver, subscription):
    delivery = WebhookDelivery.objects.get()
    assert delivery.subscription == subscription
    assert delivery.case_event == submitted.events.get()
    assert delivery.event == "case.submit"
    assert delivery.next_attempt_at is not None and delivery.delivered_at is None
    payload = delivery.payload
    assert payload["type"] == "case.submit"
    assert payload["case"]["id"] == submitted.pk
    assert payload["case"]["status"] == "received"
    assert payload["case"]["region"]["code"] == submitted.region.code
    assert [e["action"] for e in payload["events"]] == ["submit"]
    text = json.dumps(payload, ensure_ascii=False)
    assert "13900002222" not in text and "居民乙" not in text and submitted.tracking_code not in text


def test_a_delivery_is_posted_signed_and_marked_delivered(submitted, receiver, subscription):
    report = webhooks.deliver_due()
    assert (report.delivered, report.retrying, report.given_up) == (1, 0, 0)
    (headers, body), = receiver.received
    delivery = WebhookDelivery.objects.get()
    assert json.loads(body) == delivery.payload
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["x-gongzhi-event"] == "case.submit"
    assert headers["x-gongzhi-delivery"] == str(delivery.event_id)
    timestamp = headers["x-gongzhi-timestamp"]
    assert webhooks.verify(subscription.secret, timestamp, body, headers["x-gongzhi-signature"])
    assert not webhooks.verify(subscription.secret, timestamp, body + b" ", headers["x-gongzhi-signature"])
    assert not webhooks.verify("another secret", timestamp, body, headers["x-gongzhi-signature"])
    assert delivery.delivered_at is not None and delivery.attempts == 1 and delivery.last_status == 200
    assert webhooks.deliver_due().attempted == 0  # delivered once, never again


def test_the_signature_is_hmac_sha256_over_timestamp_and_body():
    import hashlib
    import hmac

    expected = hmac.new(b"s3cret", b"1700000000.{\"a\":1}", hashlib.sha256).hexdigest()
    assert webhooks.sign("s3cret", 1700000000, b'{"a":1}') == f"sha256={expected}"


def test_a_failed_delivery_is_retried_with_exponential_backoff(submitted, receiver):
    receiver.statuses = [500, 503]
    start = timezone.now()
    report = webhooks.deliver_due(now=start)
    assert report.retrying == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.last_status, delivery.last_error) == (1, 500, "HTTP 500 Internal Server Error")
    assert delivery.next_attempt_at == start + dt.timedelta(minutes=1)
    assert webhooks.deliver_due(now=start + dt.timedelta(seconds=59)).attempted == 0  # not due yet
    webhooks.deliver_due(now=start + dt.timedelta(minutes=1))
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == start + dt.timedelta(minutes=1) + dt.timedelta(minutes=2)
    webhooks.deliver_due(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.attempts == 3 and delivery.state == "delivered"
    assert len(receiver.received) == 3
    assert len({headers["x-gongzhi-delivery"] for headers, _ in receiver.received}) == 1  # same id each retry


def test_backoff_doubles_and_is_capped():
    assert [webhooks.backoff(n).total_seconds() / 60 for n in range(1, 6)] == [1, 2, 4, 8, 16]
    assert webhooks.backoff(30) == dt.timedelta(hours=6)


def test_a_delivery_is_given_up_after_the_last_attempt(submitted, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.statuses = [500, 500]
    now = timezone.now()
    webhooks.deliver_due(now=now)
    report = webhooks.deliver_due(now=now + dt.timedelta(hours=1))
    assert report.given_up == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "failed" and delivery.next_attempt_at is None and delivery.attempts == 2
    assert webhooks.deliver_due(now=now + dt.timedelta(days=1)).attempted == 0


def test_a_redirect_is_not_followed_and_counts_as_a_failure(submitted, receiver):
    receiver.statuses = [302]
    assert webhooks.deliver_due().retrying == 1
    assert WebhookDelivery.objects.get().last_status == 302
    assert len(receiver.received) == 1


def test_an_unreachable_subscriber_is_recorded_without_a_status(world, users, django_capture_on_commit_callbacks):
    with socket.socket() as probe:  # a port on 127.0.0.1 that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    webhooks.webhook_subscription_save(
        actor=None, subscription=WebhookSubscription(name="关闭的端口", url=f"http://127.0.0.1:{port}/x"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        world.submit(at(2026, 11, 2, 9))
    webhooks.queue_new_events()
    assert webhooks.deliver_due().retrying == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_status is None and "URLError" in delivery.last_error


def test_subscriptions_choose_actions_and_a_region(world, receiver, users, django_capture_on_commit_callbacks):
    save = webhooks.webhook_subscription_save
    save(actor=None, subscription=WebhookSubscription(name="只要派遣", url=receiver.url, events=["dispatch"]))
    save(actor=None, subscription=WebhookSubscription(name="只要西街", url=receiver.url, region=world.tree.west))
    save(actor=None, subscription=WebhookSubscription(name="已停用", url=receiver.url, active=False))
    with django_capture_on_commit_callbacks(execute=True):
        case = world.register(at(2026, 11, 2, 9))
        world.dispatch(case, at(2026, 11, 2, 10))
    webhooks.queue_new_events()
    assert list(WebhookDelivery.objects.values_list("subscription__name", "event")) == [("只要派遣", "case.dispatch")]
    with django_capture_on_commit_callbacks(execute=True):
        world.submit(at(2026, 11, 2, 11), region=world.tree.west_grid1)
    webhooks.queue_new_events()
    assert WebhookDelivery.objects.filter(subscription__name="只要西街", event="case.submit").count() == 1
    assert not WebhookDelivery.objects.filter(subscription__name="已停用").exists()


def test_saving_a_subscription_generates_a_secret_and_audits_without_it(users):
    sub = webhooks.webhook_subscription_save(
        actor=users["county"], subscription=WebhookSubscription(name="大屏", url="https://screen.example.gov.cn/h"),
    )
    assert len(sub.secret) >= 32
    audit = AuditEvent.objects.get(target_type="api.webhooksubscription", target_id=str(sub.pk))
    assert audit.changes["secret"] == ["***", "***"]
    assert sub.secret not in json.dumps(audit.changes)
    sub.url = "ftp://screen.example.gov.cn/h"
    with pytest.raises(Exception) as refused:
        webhooks.webhook_subscription_save(actor=users["county"], subscription=sub)
    assert "url" in str(refused.value)


def test_unknown_actions_are_refused(users):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        webhooks.webhook_subscription_save(
            actor=None, subscription=WebhookSubscription(name="错字", url="https://x.example/h", events=["dispatched"]),
        )


def test_the_command_sends_what_is_due_and_reports(submitted, receiver, capsys):
    call_command("deliver_webhooks")
    assert "送达 1" in capsys.readouterr().out
    assert len(receiver.received) == 1
