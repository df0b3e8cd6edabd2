"""Webhook deliveries come from the case event log behind a cursor: once per event and subscriber, never
for history before a subscription, never lost when the moment after a commit goes wrong."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from api import webhooks
from api.models import WebhookDelivery, WebhookSubscription
from cases.models import CaseEvent
from notifications.models import EventCursor
from notifications.services import CURSOR_NAME, EVENT_SETTLE
from tests.case_world import at, frozen
from tests.http_receiver import local_receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    with local_receiver("/hooks") as rec:
        yield rec


def _subscribe(name: str, url: str, **fields) -> WebhookSubscription:
    subscription = WebhookSubscription(name=name, url=url, **fields)
    return webhooks.webhook_subscription_save(actor=None, subscription=subscription)


def _cursor() -> int:
    return EventCursor.objects.get(name=webhooks.WEBHOOK_CURSOR).last_event_id


def test_reading_the_log_again_writes_no_second_delivery(world, receiver):
    _subscribe("热线", receiver.url)
    case = world.register(at(2026, 11, 2, 9))
    assert webhooks.queue_new_events() == webhooks.QueuedEvents(events=2, deliveries=2)
    assert webhooks.queue_new_events().deliveries == 0
    # A cursor set back (a restored backup, a crash before it moved) reads the same events again.
    EventCursor.objects.filter(name=webhooks.WEBHOOK_CURSOR).update(last_event_id=0)
    assert webhooks.queue_new_events() == webhooks.QueuedEvents(events=2, deliveries=0)
    assert sorted(WebhookDelivery.objects.values_list("event", flat=True)) == ["case.classify", "case.submit"]
    assert set(WebhookDelivery.objects.values_list("case_event__case", flat=True)) == {case.pk}
    call_command("deliver_webhooks")
    call_command("deliver_webhooks")
    assert sorted(headers["x-gongzhi-event"] for headers, _ in receiver.received) == ["case.classify", "case.submit"]


def test_the_database_refuses_a_second_row_for_one_event_and_subscriber(world, receiver):
    subscription = _subscribe("热线", receiver.url)
    world.submit(at(2026, 11, 2, 9))
    webhooks.queue_new_events()
    first = WebhookDelivery.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        WebhookDelivery.objects.create(
            subscription=subscription, case_event=first.case_event, event=first.event, payload=first.payload,
        )


def test_every_subscriber_of_an_event_gets_the_same_event_id_and_the_cursor_is_its_own(world, receiver):
    _subscribe("热线", receiver.url)
    _subscribe("大屏", receiver.url)
    world.submit(at(2026, 11, 2, 9))
    webhooks.queue_new_events()
    event = CaseEvent.objects.get()
    ids = set(WebhookDelivery.objects.values_list("event_id", flat=True))
    assert ids == {webhooks.delivery_event_id(event)}
    assert _cursor() == event.pk
    assert not EventCursor.objects.filter(name=CURSOR_NAME).exists()  # the notifications' reader is untouched


def test_a_subscription_gets_only_the_events_it_wants(world, receiver):
    _subscribe("只要结案", receiver.url, events=["close"])
    _subscribe("只要北关", receiver.url, region=world.tree.north)
    wanted = _subscribe("只要派遣", receiver.url, events=["dispatch"])
    case = world.register(at(2026, 11, 2, 9))
    world.dispatch(case, at(2026, 11, 2, 10))
    assert webhooks.queue_new_events() == webhooks.QueuedEvents(events=3, deliveries=1)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.subscription, delivery.event) == (wanted, "case.dispatch")
    call_command("deliver_webhooks")
    assert [json.loads(body)["type"] for _, body in receiver.received] == ["case.dispatch"]


def test_a_new_subscription_starts_at_the_end_of_the_log(world, receiver):
    before = world.submit(at(2026, 11, 2, 9), title="订阅之前")
    _subscribe("热线", receiver.url)
    after = world.submit(at(2026, 11, 2, 10), title="订阅之后")
    assert WebhookSubscription.objects.get().after_event_id == before.events.get().pk
    assert webhooks.queue_new_events().deliveries == 1
    assert list(WebhookDelivery.objects.values_list("case_event__case", flat=True)) == [after.pk]
    late = _subscribe("大屏", receiver.url)
    assert webhooks.queue_new_events().deliveries == 0  # it has seen nothing new yet
    third = world.submit(at(2026, 11, 2, 11))
    webhooks.queue_new_events()
    assert list(late.deliveries.values_list("case_event__case", flat=True)) == [third.pk]


def test_without_an_active_subscription_nothing_is_read(world, receiver):
    world.submit(at(2026, 11, 2, 9))
    _subscribe("已停用", receiver.url, active=False)
    world.submit(at(2026, 11, 2, 10))
    assert webhooks.queue_new_events() == webhooks.QueuedEvents(events=0, deliveries=0)
    assert WebhookDelivery.objects.count() == 0


def test_young_events_are_queued_at_once_and_read_again_until_they_settle(world, receiver):
    _subscribe("热线", receiver.url)
    old = world.submit(at(2026, 11, 2, 9))
    now = timezone.now()
    with frozen(now):
        young = world.submit(now)
    assert webhooks.queue_new_events(now=now).deliveries == 2  # the young one is not kept waiting
    assert _cursor() == old.events.get().pk  # but the cursor stays behind it
    assert webhooks.queue_new_events(now=now).deliveries == 0
    assert webhooks.queue_new_events(now=now + EVENT_SETTLE + dt.timedelta(seconds=1)) == webhooks.QueuedEvents(
        events=1, deliveries=0,
    )
    assert _cursor() == young.events.get().pk
    assert WebhookDelivery.objects.count() == 2


def test_an_error_while_sending_is_recorded_on_the_row(world, receiver, monkeypatch):
    _subscribe("热线", receiver.url)
    world.submit(at(2026, 11, 2, 9))
    webhooks.queue_new_events()

    def broken(delivery, **kwargs):
        raise RuntimeError("secret unreadable")

    monkeypatch.setattr(webhooks, "post", broken)
    start = timezone.now()
    assert webhooks.deliver_due(now=start).retrying == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.last_status) == (1, None)
    assert delivery.last_error == "RuntimeError: secret unreadable"
    assert delivery.state == "pending" and delivery.next_attempt_at == start + webhooks.backoff(1)
    monkeypatch.undo()
    assert webhooks.deliver_due(now=delivery.next_attempt_at).delivered == 1
    assert len(receiver.received) == 1


def test_the_command_queues_before_it_sends(world, receiver, capsys):
    _subscribe("热线", receiver.url)
    world.submit(at(2026, 11, 2, 9))
    call_command("deliver_webhooks")
    assert "新增 1，送达 1" in capsys.readouterr().out
    call_command("deliver_webhooks")
    assert "新增 0，送达 0" in capsys.readouterr().out
    assert len(receiver.received) == 1


def test_a_subscription_added_in_the_back_office_starts_at_the_end_of_the_log(client, world, receiver):
    from accounts.models import User

    root = User.objects.create_superuser(username="root", password="Root-Passw0rd-2026", email="root@example.org")
    client.force_login(root)
    before = world.submit(at(2026, 11, 2, 9))
    response = client.post(reverse("admin:api_webhooksubscription_add"), {
        "name": "后台订阅", "url": receiver.url, "secret": "", "active": "on",
    })
    assert response.status_code == 302, response.content.decode()
    subscription = WebhookSubscription.objects.get(name="后台订阅")
    assert subscription.after_event_id == before.events.get().pk
    page = client.get(reverse("admin:api_webhooksubscription_change", args=[subscription.pk])).content.decode()
    assert "推送起点" in page
    world.submit(at(2026, 11, 2, 10))
    assert webhooks.queue_new_events().deliveries == 1
    delivery = WebhookDelivery.objects.get()
    assert client.get(reverse("admin:api_webhookdelivery_change", args=[delivery.pk])).status_code == 200
