"""A process that found no active subscription does not ask again at every case move; a subscription
saved (or switched off) in the process counts from the next move, one saved elsewhere after the check
interval."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import webhooks
from api.models import WebhookDelivery, WebhookSubscription
from tests.case_world import at

pytestmark = pytest.mark.django_db


def _webhook_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "api_webhook" in q["sql"]]


@pytest.fixture(autouse=True)
def _fresh_process(settings):
    settings.WEBHOOK_SUBSCRIPTION_CHECK_SECONDS = 60
    webhooks._subscriptions_changed(sender=WebhookSubscription)
    yield
    webhooks._subscriptions_changed(sender=WebhookSubscription)


def test_without_subscriptions_a_move_asks_once_per_interval(world, django_capture_on_commit_callbacks):
    with CaptureQueriesContext(connection) as first, django_capture_on_commit_callbacks(execute=True):
        world.submit(at(2026, 11, 2, 9))
    assert len(_webhook_queries(first.captured_queries)) == 1
    with CaptureQueriesContext(connection) as later, django_capture_on_commit_callbacks(execute=True):
        world.submit(at(2026, 11, 2, 10))
    assert _webhook_queries(later.captured_queries) == []


def test_a_subscription_saved_in_the_process_gets_the_next_move(world, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world.submit(at(2026, 11, 2, 9))  # finds none, and remembers it
    subscription = webhooks.webhook_subscription_save(
        actor=users["county"], subscription=WebhookSubscription(name="大屏", url="https://screen.example.gov.cn/h"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        world.submit(at(2026, 11, 2, 10))
    assert WebhookDelivery.objects.filter(subscription=subscription, event="case.submit").count() == 1


def test_one_saved_elsewhere_counts_after_the_interval(world, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world.submit(at(2026, 11, 2, 9))
    # Another process's save: a bulk insert sends no signal here.
    WebhookSubscription.objects.bulk_create([WebhookSubscription(name="热线", url="https://x.example/h", secret="s")])
    with django_capture_on_commit_callbacks(execute=True):
        world.submit(at(2026, 11, 2, 10))
    assert WebhookDelivery.objects.count() == 0
    settings.WEBHOOK_SUBSCRIPTION_CHECK_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        world.submit(at(2026, 11, 2, 11))
    assert WebhookDelivery.objects.filter(event="case.submit").count() == 1
