"""The one-time-code second factor: enrolment, the sign-in step, replay, and who must use it."""

import datetime as dt
import os
import subprocess
import sys

import pyotp
import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from accounts import totp
from accounts.models import TotpDevice
from conftest import PASSWORD
from core.models import AuditEvent


def code_for(device: TotpDevice, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows now (or `steps_ahead` 30-second steps later)."""
    device.refresh_from_db()
    return pyotp.TOTP(device.secret).at(timezone.now() + dt.timedelta(seconds=30 * steps_ahead))


def enrol(user) -> TotpDevice:
    device = totp.enrolment_start(user=user)
    assert totp.enrolment_confirm(user=user, code=code_for(device, -1))
    device.refresh_from_db()
    return device


def password_step(client, username: str, **extra):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD, **extra})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_enrolment_page_shows_the_secret_as_text_and_an_otpauth_uri(client, users):
    client.force_login(users["community"])
    body = client.get("/accounts/totp/").content.decode()
    device = TotpDevice.objects.get(user=users["community"])
    assert device.confirmed_at is None
    assert totp.grouped_secret(device) in body
    assert "otpauth://totp/" in body and "secret=" + device.secret in body
    assert "<img" not in body  # no QR image, and nothing from outside
    # A reload shows the same secret, so what was typed into the app stays right.
    assert totp.grouped_secret(device) in client.get("/accounts/totp/").content.decode()
    assert TotpDevice.objects.filter(user=users["community"]).count() == 1


def test_the_secret_is_encrypted_at_rest(users):
    from django.db import connection

    device = totp.enrolment_start(user=users["community"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_totpdevice WHERE id = %s", [device.pk])
        (stored,) = cursor.fetchone()
    assert device.secret not in stored


def test_a_right_code_turns_the_device_on_and_is_audited(client, users):
    client.force_login(users["community"])
    client.get("/accounts/totp/")
    device = TotpDevice.objects.get(user=users["community"])
    response = client.post("/accounts/totp/", {"code": code_for(device)}, follow=True)
    assert "动态口令已启用" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed_at is not None
    assert AuditEvent.objects.filter(actor=users["community"], changes__totp=["未启用", "已启用"]).exists()


def test_a_wrong_code_does_not_turn_it_on(client, users):
    client.force_login(users["community"])
    client.get("/accounts/totp/")
    response = client.post("/accounts/totp/", {"code": "000000"})
    assert "动态口令不正确" in response.content.decode()
    assert not totp.has_live_device(users["community"])


def test_with_a_device_the_password_alone_does_not_sign_in(client, users):
    enrol(users["community"])
    response = password_step(client, "community")
    assert response.status_code == 302 and response.url == "/accounts/login/verify/"
    assert not signed_in(client)
    assert client.get("/").status_code == 302  # still signed out


def test_the_code_step_signs_in_and_goes_where_the_user_was_going(client, users):
    device = enrol(users["community"])
    client.post("/accounts/login/", {"username": "community", "password": PASSWORD, "next": "/regions/"})
    page = client.get("/accounts/login/verify/")
    assert "动态口令验证" in page.content.decode()
    response = client.post("/accounts/login/verify/", {"code": code_for(device, 1)})
    assert response.status_code == 302 and response.url == "/regions/"
    assert signed_in(client)
    assert AuditEvent.objects.filter(action="login", actor=users["community"]).exists()


def test_a_code_is_accepted_only_once(client, users):
    device = enrol(users["community"])
    code = code_for(device, 1)
    password_step(client, "community")
    client.post("/accounts/login/verify/", {"code": code})
    assert signed_in(client)
    client.logout()
    password_step(client, "community")
    response = client.post("/accounts/login/verify/", {"code": code})
    assert "动态口令不正确或已使用" in response.content.decode()
    assert not signed_in(client)


def test_wrong_codes_count_towards_the_lockout(client, users):
    enrol(users["community"])
    password_step(client, "community")
    for _ in range(4):
        response = client.post("/accounts/login/verify/", {"code": "000000"})
        assert "动态口令不正确" in response.content.decode()
    response = client.post("/accounts/login/verify/", {"code": "000000"})
    assert "登录失败次数过多，请 10 分钟后再试" in response.content.decode()
    assert AuditEvent.objects.filter(action="login_failed", reason="动态口令错误").count() == 5
    # The password step is locked as well now.
    assert "登录失败次数过多" in password_step(client, "community").content.decode()


def test_the_code_step_times_out(client, users):
    device = enrol(users["community"])
    password_step(client, "community")
    session = client.session
    pending = session["accounts_pending_sign_in"]
    pending["at"] -= 301
    session["accounts_pending_sign_in"] = pending
    session.save()
    response = client.post("/accounts/login/verify/", {"code": code_for(device, 1)})
    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert not signed_in(client)


def test_the_code_step_without_a_password_step_goes_back_to_login(client, users):
    response = client.get("/accounts/login/verify/")
    assert response.status_code == 302 and response.url == "/accounts/login/"


def test_a_user_may_turn_an_optional_device_off_with_a_code(client, users):
    device = enrol(users["community"])
    client.force_login(users["community"])
    response = client.post("/accounts/totp/", {"code": code_for(device, 1)}, follow=True)
    assert "动态口令已停用" in response.content.decode()
    assert not totp.has_live_device(users["community"])
    device.refresh_from_db()
    assert device.disabled_at is not None  # kept, not deleted


# County administrators.

def test_in_the_demo_county_staff_sign_in_with_a_password_alone(client, users):
    assert django_settings.REQUIRE_TOTP_FOR_COUNTY is False  # the test settings are the demo's
    password_step(client, "county")
    assert signed_in(client)
    assert client.get("/").status_code == 200


@pytest.fixture
def required(settings):
    settings.REQUIRE_TOTP_FOR_COUNTY = True


@pytest.mark.parametrize("username, must", [
    ("county", True), ("street", False), ("community", False), ("grid", False), ("dept", False), ("resident", False),
])
def test_who_must_use_a_code(users, required, username, must):
    assert totp.totp_required(users[username]) is must


def test_superusers_and_admin_site_staff_must_use_a_code(users, required, django_user_model):
    root = django_user_model.objects.create_superuser(username="root", password=PASSWORD)
    staff = users["street"]
    staff.is_staff = True
    assert totp.totp_required(root) and totp.totp_required(staff)


def test_a_county_administrator_without_a_device_can_only_enrol(client, users, required):
    password_step(client, "county")
    assert signed_in(client)
    for path in ("/", "/regions/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302 and response.url == "/accounts/totp/", path
    assert client.get("/accounts/totp/").status_code == 200
    device = TotpDevice.objects.get(user=users["county"])
    client.post("/accounts/totp/", {"code": code_for(device)})
    assert client.get("/").status_code == 200


def test_a_county_administrator_cannot_turn_the_device_off(client, users, required):
    device = enrol(users["county"])
    client.force_login(users["county"])
    response = client.post("/accounts/totp/", {"code": code_for(device, 1)})
    assert "不能停用" in response.content.decode()
    assert totp.has_live_device(users["county"])


def test_an_issued_county_account_changes_its_password_then_enrols(client, users, required):
    user = users["county"]
    user.must_change_password = True
    user.save()
    password_step(client, "county")
    assert client.get("/").url == "/accounts/password/"
    client.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": "Qx-Admin-2026!", "new_password2": "Qx-Admin-2026!",
    })
    assert client.get("/").url == "/accounts/totp/"


def test_the_requirement_is_on_outside_the_demo_and_off_in_it():
    def value(**env: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", "import config.settings as s; print(s.REQUIRE_TOTP_FOR_COUNTY)"],
            env={**os.environ, **env}, capture_output=True, text=True, check=True, cwd=django_settings.BASE_DIR,
        )
        return result.stdout.strip()

    production = dict(GONGZHI_DEMO="false", GONGZHI_SECRET_KEY="x" * 60, GONGZHI_PII_INDEX_KEY="k",
                      GONGZHI_PII_KEYS="ZGVtby1vbmx5LXBpaS1rZXktMDEyMzQ1Njc4OWFiY2Q=",
                      GONGZHI_REQUIRE_TOTP_FOR_COUNTY="")
    assert value(**production) == "True"
    assert value(**{**production, "GONGZHI_DEMO": "true"}) == "False"
    assert value(**{**production, "GONGZHI_REQUIRE_TOTP_FOR_COUNTY": "false"}) == "False"


# The API token endpoint.

def token(client, username: str, otp: str | None = None):
    body = {"username": username, "password": PASSWORD}
    if otp is not None:
        body["otp"] = otp
    return client.post("/api/v1/auth/token", body, content_type="application/json")


def test_an_account_with_a_device_needs_a_code_for_an_api_token(client, users):
    device = enrol(users["community"])
    response = token(client, "community")
    assert response.status_code == 401 and response.json()["error"]["code"] == "otp_required"
    response = token(client, "community", "000000")
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_otp"
    assert token(client, "community", code_for(device, 1)).status_code == 200


def test_a_county_administrator_without_a_device_gets_no_api_token(client, users, required):
    response = token(client, "county")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "otp_enrolment_required"


def test_without_a_device_other_accounts_get_a_token_with_the_password(client, users, required):
    assert token(client, "community").status_code == 200
