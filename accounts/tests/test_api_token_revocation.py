"""API tokens can be revoked: by the API's logout, by signing out of the pages, by a password change, and one
by one on the token page; a revoked token answers 401 at once, and every revocation is on the audit log."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import ApiToken
from conftest import PASSWORD
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Gz-new-pass-2026!"


def issue(client: Client, username: str = "community") -> str:
    response = client.post("/api/v1/auth/token", {"username": username, "password": PASSWORD},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def regions(client: Client, token: str) -> int:
    return client.get("/api/v1/regions", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def revocations(user) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(target_id=str(user.pk), changes__has_key="api_tokens_revoked"))


def test_the_api_logout_revokes_the_token_it_carries_and_only_that_one(client, users):
    first, second = issue(client), issue(client)
    assert regions(client, first) == 200
    response = client.post("/api/v1/auth/logout", HTTP_AUTHORIZATION=f"Bearer {first}")
    assert response.status_code == 200 and response.json() == {"revoked": 1}
    assert regions(client, first) == 401
    assert regions(client, second) == 200
    # Logging out again with the dead token is simply unauthorised.
    assert client.post("/api/v1/auth/logout", HTTP_AUTHORIZATION=f"Bearer {first}").status_code == 401
    (row,) = revocations(users["community"])
    assert row.actor == users["community"] and row.reason == "接口退出登录"


def test_signing_out_of_the_pages_revokes_every_token_of_the_account(client, users):
    tokens = [issue(client), issue(client)]
    other = issue(client, "street")
    pages = Client()
    pages.force_login(users["community"])
    assert pages.post("/accounts/logout/").status_code == 302
    assert [regions(client, token) for token in tokens] == [401, 401]
    assert regions(client, other) == 200
    assert revocations(users["community"])[0].changes["api_tokens_revoked"] == [0, 2]


def test_a_password_change_revokes_the_tokens_minted_before_it(client, users):
    token = issue(client)
    pages = Client()
    pages.force_login(users["community"])
    response = pages.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })
    assert response.status_code == 302
    assert regions(client, token) == 401
    fresh = client.post("/api/v1/auth/token", {"username": "community", "password": NEW_PASSWORD},
                        content_type="application/json").json()["token"]
    assert regions(client, fresh) == 200


def test_a_new_password_must_differ_from_the_current_one(client, users):
    token = issue(client)
    pages = Client()
    pages.force_login(users["community"])
    response = pages.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD,
    })
    assert response.status_code == 200
    assert "新密码不能与当前密码相同" in response.content.decode()
    users["community"].refresh_from_db()
    assert users["community"].check_password(PASSWORD)
    assert regions(client, token) == 200


def test_the_token_page_lists_ones_own_tokens_and_revokes_one(client, users):
    mine, spare = issue(client), issue(client)
    issue(client, "street")
    pages = Client()
    pages.force_login(users["community"])
    html = pages.get("/accounts/tokens/").content.decode()
    own = list(ApiToken.objects.filter(user=users["community"]).order_by("pk"))
    assert html.count("data-token=") == 2 and html.count("<td data-token-state>有效") == 2
    assert mine not in html and spare not in html  # a token is shown once, when it is issued
    response = pages.post("/accounts/tokens/", {"token": str(own[0].pk)}, follow=True)
    assert "已撤销 1 个接口令牌" in response.content.decode()
    assert (regions(client, mine), regions(client, spare)) == (401, 200)


@pytest.mark.parametrize("token", ["", "abc", "99999999999999999999999", "１", "-1"])
def test_revoking_a_token_that_is_not_ones_own_or_not_a_number_revokes_nothing(client, users, token):
    mine = issue(client)
    theirs = issue(client, "street")
    pages = Client()
    pages.force_login(users["community"])
    street_token = ApiToken.objects.get(user=users["street"])
    for value in (token, str(street_token.pk)):
        response = pages.post("/accounts/tokens/", {"token": value}, follow=True)
        assert response.status_code == 200 and "没有可撤销的令牌" in response.content.decode()
    assert (regions(client, mine), regions(client, theirs)) == (200, 200)
