"""A 办理记录 typed on the case page and posted after the idle timeout is kept: after signing in again the user is
back on the case page with the text in the form, nothing recorded until they submit it; no other browser gets it."""

from __future__ import annotations

import html

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts import drafts
from cases.models import Case
from cases.workflow import Status
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

NOTE = "电话回访：居民说路灯晚上仍不亮 <待复查>"


def expire(client: Client) -> None:
    """What the idle timeout does: the session row is gone, the browser still has the page (and its CSRF cookie)."""
    Session.objects.filter(session_key=client.cookies["sessionid"].value).delete()


def sign_in(client: Client, next_url: str):
    return client.post(f"{reverse('accounts:login')}?next={next_url}", {"username": "community", "password": PASSWORD})


def post_note(client: Client, case: Case, **headers):
    return client.post(reverse("cases:transition", args=[case.pk, "note"]),
                       {"note-version": case.version, "note-note": NOTE}, **headers)


def page_of(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


@pytest.fixture
def case(flow) -> Case:
    return flow.reach(Status.DISPATCHED)


def test_the_note_survives_the_sign_in_and_comes_back_in_the_form(client, case):
    assert client.login(username="community", password=PASSWORD)
    expire(client)
    response = post_note(client, case, HTTP_REFERER=f"http://testserver{page_of(case)}")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=%2Fcases%2F{case.pk}%2F"
    assert not case.events.filter(action="note").exists(), "nothing is recorded while signed out"

    response = sign_in(client, page_of(case))
    assert response.status_code == 302 and response["Location"] == page_of(case)
    assert not case.events.filter(action="note").exists(), "signing in does not replay the POST"
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert "登录已过期，您填写的内容已保留，请确认后重新提交" in body
    assert f">{html.escape(NOTE)}</textarea>" in body.replace("\n", "")
    assert '<details id="action-note" open>' in body
    assert not case.events.filter(action="note").exists()

    # Shown once: a reload shows the empty form again.
    assert html.escape(NOTE) not in client.get(page_of(case)).content.decode()

    # Submitting the restored form records the note once.
    assert post_note(client, case).status_code == 302
    assert list(case.events.filter(action="note").values_list("note", flat=True)) == [NOTE]


def test_without_a_referer_the_sign_in_goes_to_the_case_page(client, case):
    response = post_note(client, case)  # never signed in in this browser, no Referer
    assert response["Location"] == f"{reverse('accounts:login')}?next=%2Fcases%2F{case.pk}%2F"
    sign_in(client, page_of(case))
    assert html.escape(NOTE) in client.get(page_of(case)).content.decode()


def test_a_referer_of_another_site_is_not_followed(client, case):
    response = post_note(client, case, HTTP_REFERER="https://evil.example/cases/1/")
    assert response["Location"] == f"{reverse('accounts:login')}?next=%2Fcases%2F{case.pk}%2F"


def test_another_browser_signing_in_as_the_same_user_gets_nothing(client, case):
    post_note(client, case, HTTP_REFERER=f"http://testserver{page_of(case)}")
    other = Client()
    sign_in(other, page_of(case))
    body = other.get(page_of(case)).content.decode()
    assert html.escape(NOTE) not in body and "您填写的内容已保留" not in body
    # The first browser still has it.
    sign_in(client, page_of(case))
    assert html.escape(NOTE) in client.get(page_of(case)).content.decode()


def test_an_old_draft_is_dropped(client, case):
    post_note(client, case)
    session = client.session
    session[drafts.SESSION_KEY]["at"] -= drafts.DRAFT_SECONDS + 1
    session.save()
    sign_in(client, page_of(case))
    assert html.escape(NOTE) not in client.get(page_of(case)).content.decode()


def test_passwords_codes_and_csrf_tokens_are_never_kept(client, case):
    client.post(reverse("cases:transition", args=[case.pk, "note"]), {
        "csrfmiddlewaretoken": "x" * 64, "note-version": case.version, "note-note": NOTE,
        "note-password": "secret", "code": "123456",
    })
    kept = client.session[drafts.SESSION_KEY]["fields"]
    assert kept == {"note-version": [str(case.version)], "note-note": [NOTE]}


def test_a_page_that_marks_all_its_fields_sensitive_keeps_none(client, users):
    assert client.login(username="community", password=PASSWORD)
    expire(client)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "Qx-New-2026!", "new_password2": "Qx-New-2026!",
    }, HTTP_REFERER="http://testserver/accounts/password/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert drafts.SESSION_KEY not in client.session
