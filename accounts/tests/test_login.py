from accounts.models import User
from conftest import PASSWORD
from core.models import AuditEvent


def test_login_page_is_in_chinese_and_a_wrong_password_says_so(client, users):
    page = client.get("/accounts/login/")
    assert "登录" in page.content.decode()
    response = client.post("/accounts/login/", {"username": "community", "password": "wrong"})
    assert "用户名或密码不正确" in response.content.decode()
    # What the user typed is kept.
    assert 'value="community"' in response.content.decode()
    assert AuditEvent.objects.filter(action="login_failed", target_label="community").count() == 1


def test_successful_login_is_audited_and_lands_on_the_workbench(client, users):
    response = client.post("/accounts/login/", {"username": "community", "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert "东街社区" in response.content.decode()
    assert AuditEvent.objects.filter(action="login", actor=users["community"]).exists()


def test_console_requires_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_an_issued_account_must_change_its_password_first(client, users):
    user = users["grid"]
    user.must_change_password = True
    user.save()
    client.login(username="grid", password=PASSWORD)
    assert client.get("/").url == "/accounts/password/"
    response = client.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": "Gz-new-pass-2026!", "new_password2": "Gz-new-pass-2026!",
    })
    assert response.status_code == 302
    assert not User.objects.get(pk=user.pk).must_change_password
    assert client.get("/").status_code == 200


def test_a_too_short_password_is_refused_in_chinese(client, users):
    client.login(username="grid", password=PASSWORD)
    response = client.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc",
    })
    assert response.status_code == 200
    assert "密码太短" in response.content.decode()
