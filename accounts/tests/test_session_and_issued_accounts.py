"""Idle sessions end; accounts issued by an administrator change their password at first sign-in."""

import datetime as dt

from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import Role, User
from conftest import PASSWORD
from core.models import AuditEvent


def test_the_idle_timeout_is_thirty_minutes_counted_from_the_last_request(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_every_request_pushes_the_expiry_back(client, users):
    client.login(username="community", password=PASSWORD)
    session = Session.objects.get(session_key=client.session.session_key)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + dt.timedelta(minutes=5))
    assert client.get("/").status_code == 200
    expiry = Session.objects.get(session_key=client.cookies["sessionid"].value).expire_date
    assert expiry > timezone.now() + dt.timedelta(minutes=29)


def test_a_session_idle_past_the_timeout_is_signed_out(client, users):
    client.login(username="community", password=PASSWORD)
    assert client.get("/").status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_session_cookie_lasts_only_the_idle_timeout(client, users):
    client.post("/accounts/login/", {"username": "community", "password": PASSWORD})
    assert client.cookies["sessionid"]["max-age"] == 30 * 60
    assert client.cookies["sessionid"]["httponly"]


# Accounts issued by an administrator.

def admin_client(client, django_user_model):
    root = django_user_model.objects.create_superuser(username="root", password=PASSWORD)
    client.force_login(root)
    return root


def test_an_account_added_in_the_admin_must_change_its_password(client, users, django_user_model):
    root = admin_client(client, django_user_model)
    response = client.post("/admin/accounts/user/add/", {
        "username": "newclerk", "password1": "Qx-Clerk-2026!", "password2": "Qx-Clerk-2026!", "usable_password": "true",
        "role": Role.COMMUNITY_STAFF, "region": users["community"].region_id, "organisation": "",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="newclerk")
    assert user.must_change_password
    assert AuditEvent.objects.filter(action="create", actor=root, target_id=str(user.pk)).exists()
    client.logout()
    client.post("/accounts/login/", {"username": "newclerk", "password": "Qx-Clerk-2026!"})
    assert client.get("/").url == "/accounts/password/"


def test_the_admin_add_form_enforces_the_password_policy(client, users, django_user_model):
    admin_client(client, django_user_model)
    response = client.post("/admin/accounts/user/add/", {
        "username": "weak", "password1": "weakweak", "password2": "weakweak", "usable_password": "true",
        "role": Role.RESIDENT,
    })
    assert response.status_code == 200
    assert "中的 3 类" in response.content.decode()
    assert not User.objects.filter(username="weak").exists()


def test_a_password_set_by_an_administrator_must_be_changed(client, users, django_user_model):
    root = admin_client(client, django_user_model)
    target = users["grid"]
    response = client.post(f"/admin/accounts/user/{target.pk}/password/", {
        "password1": "Qx-Reset-2026!", "password2": "Qx-Reset-2026!", "usable_password": "true",
    })
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.must_change_password
    assert target.check_password("Qx-Reset-2026!")
    assert AuditEvent.objects.filter(actor=root, target_id=str(target.pk), reason="管理员重置密码").exists()


def test_administrators_lift_a_lockout_and_reset_a_device_from_the_user_list(client, users, django_user_model):
    from accounts import lockout, totp

    admin_client(client, django_user_model)
    for _ in range(5):
        lockout.failure_record(username="community", ip_address="10.0.0.1")
    totp.enrolment_start(user=users["community"])
    response = client.post("/admin/accounts/user/", {
        "action": "lift_lockout", "_selected_action": [users["community"].pk],
    }, follow=True)
    assert "已解除锁定" in response.content.decode()
    assert not lockout.lockout_status(username="community", ip_address=None).locked
    response = client.post("/admin/accounts/user/", {
        "action": "reset_totp", "_selected_action": [users["community"].pk],
    }, follow=True)
    assert "已重置 1 个账号" in response.content.decode()


def test_the_back_office_lists_failures_and_devices_without_the_secret(client, users, django_user_model):
    from accounts import lockout, totp

    admin_client(client, django_user_model)
    lockout.failure_record(username="community", ip_address="10.0.0.1")
    device = totp.enrolment_start(user=users["community"])
    assert "community" in client.get("/admin/accounts/loginfailure/").content.decode()
    assert client.get("/admin/accounts/totpdevice/").status_code == 200
    page = client.get(f"/admin/accounts/totpdevice/{device.pk}/change/")
    assert page.status_code == 200
    assert device.secret not in page.content.decode()
