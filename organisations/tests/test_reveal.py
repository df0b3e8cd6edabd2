"""Masked personal data on the person page, and the reason-bound, logged reveal of one field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from conftest import PASSWORD
from core.models import AuditEvent
from organisations import services

PLAIN_PHONE = "13800001111"
PLAIN_ID = "610424199001011234"


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def person(users):
    return users["member"].person


def page_url(person):
    return reverse("organisations:person_detail", args=[person.pk])


def reveal_url(person):
    return reverse("organisations:person_reveal", args=[person.pk])


def reveals():
    return AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL)


def test_the_person_page_shows_personal_data_masked(client, users, person):
    response = login(client, users["community"]).get(page_url(person))
    html = response.content.decode()
    assert response.status_code == 200
    assert "138****1111" in html and "610424********1234" in html
    assert PLAIN_PHONE not in html and PLAIN_ID not in html
    assert html.count('name="reason"') == 2, "a reveal form for each field on file (the address is empty)"
    assert "no-store" in response["Cache-Control"]


def test_reveal_with_a_reason_shows_the_value_and_logs_exactly_one_event(client, users, person):
    login(client, users["community"])
    response = client.post(reveal_url(person), {"field": "phone", "reason": "入户走访核实联系方式"})
    html = response.content.decode()
    assert response.status_code == 200
    assert PLAIN_PHONE in html
    assert PLAIN_ID not in html, "only the requested field is revealed"
    event = reveals().get()
    assert event.actor == users["community"]
    assert event.reason == "入户走访核实联系方式"
    assert event.target_id == str(person.pk) and event.changes == {"field": "phone"}


def test_an_htmx_reveal_answers_a_fragment(client, users, person):
    login(client, users["community"])
    response = client.post(reveal_url(person), {"field": "id_number", "reason": "核对身份"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="pii-id_number"' in html
    assert PLAIN_ID in html
    assert reveals().count() == 1


def test_a_reveal_without_reason_reveals_and_logs_nothing(client, users, person):
    login(client, users["community"])
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.post(reveal_url(person), {"field": "phone", "reason": "   "}, **headers)
        html = response.content.decode()
        assert "请填写查看事由" in html
        assert PLAIN_PHONE not in html
    assert not reveals().exists()


def test_the_reveal_form_works_without_javascript(client, users, person):
    html = login(client, users["community"]).get(page_url(person)).content.decode()
    assert f'<form method="post" action="{reveal_url(person)}"' in html
    assert f'hx-post="{reveal_url(person)}"' in html


def test_reveal_answers_405_to_get(client, users, person):
    assert login(client, users["community"]).get(reveal_url(person)).status_code == 405


def test_reveal_of_an_unknown_field_is_refused(client, users, person):
    response = login(client, users["community"]).post(reveal_url(person), {"field": "password", "reason": "x"})
    assert response.status_code == 400
    assert not reveals().exists()


def test_reveal_outside_the_scope_is_404_and_reveals_nothing(client, users, person):
    response = login(client, users["community2"]).post(reveal_url(person), {"field": "phone", "reason": "好奇"})
    assert response.status_code == 404
    assert PLAIN_PHONE not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()
    # The refusal itself is on record (core.denials), without the value asked for.
    [denied] = AuditEvent.objects.filter(action=AuditEvent.Action.DENIED)
    assert denied.actor == users["community2"] and PLAIN_PHONE not in str(denied.changes) + denied.reason


def test_a_role_without_the_right_gets_403_and_a_denied_row(client, users, person, monkeypatch):
    monkeypatch.setattr(services, "REVEAL_ROLES", {Role.COUNTY_STAFF})
    login(client, users["community"])
    assert 'name="reason"' not in client.get(page_url(person)).content.decode()
    response = client.post(reveal_url(person), {"field": "phone", "reason": "核实"})
    assert response.status_code == 403
    assert PLAIN_PHONE not in response.content.decode()
    assert not reveals().exists()
    denied = AuditEvent.objects.get(action=AuditEvent.Action.DENIED)
    assert denied.actor == users["community"] and denied.outcome == "denied"
    assert denied.target_id == str(person.pk)


def test_a_party_member_may_reveal_their_own_data_and_it_is_logged(client, users, person):
    response = login(client, users["member"]).post(reveal_url(person), {"field": "phone", "reason": "核对本人信息"})
    assert PLAIN_PHONE in response.content.decode()
    assert reveals().get().actor == users["member"]


def test_managers_read_the_reveal_log(client, users, person):
    login(client, users["community"])
    client.post(reveal_url(person), {"field": "phone", "reason": "入户走访核实联系方式"})
    client.post(reveal_url(person), {"field": "id_number", "reason": "办理党组织关系转接"})
    response = client.get(reverse("organisations:reveal_log", args=[person.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "入户走访核实联系方式" in html and "办理党组织关系转接" in html
    assert "联系电话" in html and "身份证号" in html and "community" in html
    assert PLAIN_PHONE not in html and PLAIN_ID not in html


@pytest.mark.parametrize(("who", "status"), [("grid", 403), ("member", 403), ("community2", 404), ("street", 200)])
def test_who_may_read_the_reveal_log(client, users, person, who, status):
    response = login(client, users[who]).get(reverse("organisations:reveal_log", args=[person.pk]))
    assert response.status_code == status
