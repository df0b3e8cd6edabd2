"""The audit log takes the client's address from the one helper the lockout uses too."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import PASSWORD
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def reveal_phone(client, users, **headers) -> AuditEvent:
    assert client.login(username="community", password=PASSWORD)
    person = users["member"].person
    response = client.post(reverse("organisations:person_reveal", args=[person.pk]),
                           {"field": "phone", "reason": "入户走访"}, REMOTE_ADDR="10.0.0.9", **headers)
    assert response.status_code == 200
    return AuditEvent.objects.get(action=AuditEvent.Action.REVEAL)


def test_behind_a_proxy_the_audit_row_has_the_address_the_proxy_reports(client, users, settings):
    settings.CLIENT_ADDRESS_HEADER = "X-Real-IP"
    assert reveal_phone(client, users, HTTP_X_REAL_IP="203.0.113.7").ip_address == "203.0.113.7"


def test_without_a_proxy_header_setting_a_sent_header_is_ignored(client, users, settings):
    settings.CLIENT_ADDRESS_HEADER = ""
    assert reveal_phone(client, users, HTTP_X_REAL_IP="203.0.113.7").ip_address == "10.0.0.9"
