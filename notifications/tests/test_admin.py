"""The back office may look at notifications, text messages and the cursor, never change them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from notifications.models import SmsMessage
from notifications.services import events_for_notification, notify_for_event
from tests.case_world import at


@pytest.fixture
def admin_client(client, db):
    admin = User.objects.create_superuser(username="root", password="Root-Passw0rd-2026", email="root@example.org")
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model", ["notification", "smsmessage", "eventcursor"])
def test_the_lists_open_and_offer_no_add(admin_client, model):
    response = admin_client.get(reverse(f"admin:notifications_{model}_changelist"))
    assert response.status_code == 200
    assert admin_client.get(reverse(f"admin:notifications_{model}_add")).status_code == 403


def test_a_text_message_shows_the_masked_number_only(admin_client, world):
    case = world.reject(world.submit(at(2026, 11, 2, 9)), at(2026, 11, 2, 10))
    for event in events_for_notification().filter(case=case):
        notify_for_event(event, now=at(2026, 11, 2, 11))
    message = SmsMessage.objects.get()
    body = admin_client.get(reverse("admin:notifications_smsmessage_change", args=[message.pk])).content.decode()
    assert "139****2222" in body and "13900002222" not in body
