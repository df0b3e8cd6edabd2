"""Lockout: 5 failures in 10 minutes lock the account, and separately the address, for 10 minutes."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts import lockout
from accounts.models import LoginFailure
from conftest import PASSWORD
from core.models import AuditEvent

LOCKED = "登录失败次数过多，请 10 分钟后再试"


def sign_in(client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, username: str, times: int, address: str = "127.0.0.1") -> None:
    for _ in range(times):
        response = sign_in(client, username, "wrong-password", address)
        assert "用户名或密码不正确" in response.content.decode()


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def age_failures(minutes: int) -> None:
    """Move every recorded failure `minutes` into the past, as if that much time had gone by."""
    for failure in LoginFailure.objects.all():
        LoginFailure.objects.filter(pk=failure.pk).update(created_at=failure.created_at - dt.timedelta(minutes=minutes))


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(client, users):
    fail(client, "community", 5)
    response = sign_in(client, "community", PASSWORD)
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert not signed_in(client)


def test_the_lockout_and_every_refused_attempt_are_in_the_audit_log(client, users):
    fail(client, "community", 5)
    sign_in(client, "community", PASSWORD)
    locked = AuditEvent.objects.get(action=AuditEvent.Action.DENIED, outcome="locked_out")
    assert locked.target_label == "community"
    assert locked.changes["scope"] == "account"
    assert "锁定 10 分钟" in locked.reason
    assert locked.ip_address == "127.0.0.1"
    assert AuditEvent.objects.filter(action="login_failed", outcome="failure", target_label="community").count() == 5
    refused = AuditEvent.objects.get(action="login_failed", outcome="locked")
    assert refused.target_label == "community"


def test_four_failures_do_not_lock(client, users):
    fail(client, "community", 4)
    sign_in(client, "community", PASSWORD)
    assert signed_in(client)


def test_the_lock_ends_after_ten_minutes(client, users):
    fail(client, "community", 5)
    age_failures(9)
    assert LOCKED in sign_in(client, "community", PASSWORD).content.decode()
    age_failures(2)
    sign_in(client, "community", PASSWORD)
    assert signed_in(client)


def test_a_successful_sign_in_clears_the_accounts_failures(client, users):
    fail(client, "community", 4)
    sign_in(client, "community", PASSWORD)
    client.logout()
    fail(client, "community", 4)
    sign_in(client, "community", PASSWORD)
    assert signed_in(client)
    assert LoginFailure.objects.filter(username="community", cleared_at__isnull=True).count() == 0


def test_failures_spread_wider_than_the_window_do_not_lock(client, users):
    now = timezone.now()
    for minutes in (40, 30, 20, 12, 1):
        LoginFailure.objects.create(username="community", ip_address="127.0.0.1",
                                    created_at=now - dt.timedelta(minutes=minutes))
    assert not lockout.lockout_status(username="community", ip_address="127.0.0.1").locked


def test_an_address_is_locked_after_five_failures_on_any_accounts(client, users):
    for username in ("community", "street", "grid", "no-such-user", "county"):
        fail(client, username, 1, address="10.1.1.1")
    response = sign_in(client, "dept", PASSWORD, address="10.1.1.1")
    assert LOCKED in response.content.decode()
    assert AuditEvent.objects.get(action="denied", outcome="locked_out").changes["scope"] == "address"
    # The same account from another address is not locked: only the address is.
    sign_in(client, "dept", PASSWORD, address="10.1.1.2")
    assert signed_in(client)


def test_an_account_is_locked_whatever_address_the_failures_come_from(client, users):
    for index in range(5):
        fail(client, "community", 1, address=f"10.2.0.{index + 1}")
    assert LOCKED in sign_in(client, "community", PASSWORD, address="10.2.0.99").content.decode()


def test_usernames_are_counted_whatever_their_letter_case(client, users):
    for username in ("Community", "COMMUNITY", "community", "CoMmunity", "communitY"):
        fail(client, username, 1, address="10.3.0.1" if username.islower() else f"10.3.1.{len(username)}")
    assert lockout.lockout_status(username="community", ip_address=None).locked


def test_other_callers_of_authenticate_are_locked_out_too(client, users):
    fail(client, "community", 5)
    assert client.login(username="community", password=PASSWORD) is False


def test_the_admin_sign_in_page_sends_to_the_console_login(client, db):
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"


def test_the_admin_login_form_itself_refuses_a_locked_account(rf, users):
    from accounts.forms import AdminLoginForm

    fail_request = rf.post("/admin/login/", REMOTE_ADDR="10.4.0.1")
    for _ in range(5):
        lockout.failure_record(username="county", ip_address="10.9.9.9")
    form = AdminLoginForm(fail_request, data={"username": "county", "password": PASSWORD})
    assert not form.is_valid()
    assert LOCKED in str(form.errors)


def test_limits_and_window_come_from_settings(client, users, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_MINUTES = 30
    fail(client, "community", 3)
    assert "请 30 分钟后再试" in sign_in(client, "community", PASSWORD).content.decode()


@pytest.mark.parametrize("header, expected", [("203.0.113.7", "203.0.113.7"), ("203.0.113.7, 10.0.0.1", "203.0.113.7"),
                                              ("not-an-address", "127.0.0.1")])
def test_behind_a_proxy_the_configured_header_names_the_client(rf, settings, header, expected):
    from core.security import client_address

    settings.CLIENT_ADDRESS_HEADER = "X-Real-IP"
    assert client_address(rf.get("/", HTTP_X_REAL_IP=header)) == expected
    settings.CLIENT_ADDRESS_HEADER = ""
    assert client_address(rf.get("/", HTTP_X_REAL_IP=header)) == "127.0.0.1"


# The API token endpoint is a sign-in too.

def token(client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post("/api/v1/auth/token", {"username": username, "password": password},
                       content_type="application/json", REMOTE_ADDR=address)


def test_the_api_token_endpoint_locks_out_after_five_failures(client, users):
    for _ in range(5):
        assert token(client, "community", "wrong-password").status_code == 401
    response = token(client, "community", PASSWORD)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "locked_out"
    assert LOCKED in response.json()["error"]["message"]
    assert AuditEvent.objects.filter(action="denied", outcome="locked_out", target_label="community").exists()


def test_api_and_console_failures_share_one_counter(client, users):
    for _ in range(3):
        token(client, "community", "wrong-password")
    fail(client, "community", 2)
    assert token(client, "community", PASSWORD).status_code == 429
    assert LOCKED in sign_in(client, "community", PASSWORD).content.decode()


def test_a_token_after_the_lock_clears_the_failures(client, users):
    for _ in range(5):
        token(client, "community", "wrong-password")
    age_failures(11)
    assert token(client, "community", PASSWORD).status_code == 200
    assert not LoginFailure.objects.filter(username="community", cleared_at__isnull=True).exists()


def test_an_administrator_lifts_a_lock(client, users):
    fail(client, "community", 5)
    assert lockout.lockout_lift(actor=users["county"], username="community") == 5
    sign_in(client, "community", PASSWORD)
    assert signed_in(client)
    lifted = AuditEvent.objects.filter(action="update", target_type="accounts.loginfailure", reason="解除登录锁定")
    assert lifted.exists()
