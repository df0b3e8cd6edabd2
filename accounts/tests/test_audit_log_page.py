"""The audit log page: auditors and superusers only; filters; an .xlsx export that names its exporter."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role, User
from conftest import PASSWORD
from core import audit
from core.models import AuditEvent


@pytest.fixture
def auditor(users) -> User:
    return User.objects.create_user(username="auditor", password=PASSWORD, role=Role.AUDITOR, first_name="审计员甲")


def test_the_auditor_role_exists_in_chinese():
    assert Role.AUDITOR.label == "审计员"


def test_an_auditor_sees_the_audit_log(client, auditor):
    audit.record(actor=None, action=AuditEvent.Action.LOGIN_FAILED, target_type="accounts.user",
                 target_label="community", outcome="failure")
    client.force_login(auditor)
    response = client.get("/accounts/audit/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "审计日志" in body and "登录失败" in body and "community" in body


def test_the_audit_log_speaks_chinese_of_outcomes_and_kinds_of_record(client, auditor, users):
    audit.record(actor=None, action=AuditEvent.Action.LOGIN_FAILED, target=users["community"], outcome="failure")
    client.force_login(auditor)
    body = client.get("/accounts/audit/").content.decode()
    row = body[body.index("<tbody>"):body.index("</tbody>")]
    assert "失败" in row and "（用户 #" in row
    assert "failure" not in row and "accounts.user" not in row
    workbook = load_workbook(io.BytesIO(client.get("/accounts/audit/export/").content))
    assert "失败" in [cell.value for row in workbook.active.iter_rows() for cell in row]


def test_a_superuser_sees_the_audit_log(client, users, django_user_model):
    client.force_login(django_user_model.objects.create_superuser(username="root", password=PASSWORD))
    assert client.get("/accounts/audit/").status_code == 200


@pytest.mark.parametrize("username", ["county", "street", "community", "grid", "dept", "member", "resident"])
def test_everyone_else_gets_404_and_the_attempt_is_logged(client, users, username):
    client.force_login(users[username])
    assert client.get("/accounts/audit/").status_code == 404
    assert client.get("/accounts/audit/export/").status_code == 404
    denied = AuditEvent.objects.filter(action="denied", actor=users[username], target_label="审计日志")
    assert denied.count() == 2


def test_signed_out_visitors_are_sent_to_login(client, db):
    response = client.get("/accounts/audit/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_an_auditor_sees_nothing_of_the_organisation_network(client, auditor):
    from regions.selectors import regions_visible_to, scope_root

    assert scope_root(auditor) is None
    assert not regions_visible_to(auditor).exists()


@pytest.fixture
def events(users):
    community, street = users["community"], users["street"]
    old = timezone.make_aware(dt.datetime(2026, 3, 1, 10, 0))
    AuditEvent.objects.create(actor=community, actor_label="community", action="export", target_label="党员名册导出",
                              created_at=old)
    AuditEvent.objects.create(actor=street, actor_label="street", action="reveal", target_label="居民乙",
                              reason="核实身份", created_at=old + dt.timedelta(days=10))
    AuditEvent.objects.create(actor=None, action="login_failed", target_type="accounts.user",
                              target_label="community", outcome="failure", created_at=old + dt.timedelta(days=20))
    return old


def rows(client, query: str) -> list[str]:
    body = client.get(f"/accounts/audit/?{query}").content.decode()
    return [label for label in ("党员名册导出", "居民乙", "登录失败") if label in body.split("<tbody>")[-1]]


def test_filters_by_action_user_and_dates(client, auditor, events):
    client.force_login(auditor)
    assert rows(client, "action=reveal") == ["居民乙"]
    assert rows(client, "user=community") == ["党员名册导出", "登录失败"]  # failed sign-ins match by their target
    assert rows(client, "date_from=2026-03-05&date_to=2026-03-11") == ["居民乙"]
    assert rows(client, "date_to=2026-03-01") == ["党员名册导出"]
    assert rows(client, "outcome=failure") == ["登录失败"]


def test_a_bad_date_range_is_explained(client, auditor):
    client.force_login(auditor)
    body = client.get("/accounts/audit/?date_from=2026-03-10&date_to=2026-03-01").content.decode()
    assert "起始日期不能晚于截止日期" in body


def test_the_export_names_its_exporter_and_is_audited(client, auditor, events):
    client.force_login(auditor)
    response = client.get("/accounts/audit/export/?user=community")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert "auditor" in disposition and ".xlsx" in disposition
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert "导出人：审计员甲（auditor）" in values[0][0]
    assert "user=community" in values[0][0]
    assert values[1][:3] == ["时间", "操作人", "动作"]
    assert [row[2] for row in values[2:]] == ["登录失败", "导出"]
    export = AuditEvent.objects.get(action="export", actor=auditor)
    assert export.changes == {"rows": 2, "filters": {"user": "community"}}


def test_exported_text_that_looks_like_a_formula_stays_text(client, auditor):
    audit.record(actor=None, action=AuditEvent.Action.LOGIN_FAILED, target_type="accounts.user",
                 target_label='=HYPERLINK("http://evil.example","x")', outcome="failure")
    client.force_login(auditor)
    sheet = load_workbook(io.BytesIO(client.get("/accounts/audit/export/").content)).active
    cells = [cell for row in sheet.iter_rows(min_row=3) for cell in row if str(cell.value).startswith("=HYPER")]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_the_page_is_paginated_and_keeps_its_filters(client, auditor):
    AuditEvent.objects.bulk_create([
        AuditEvent(action="login", actor_label="community", target_label=f"第{i}条") for i in range(60)
    ])
    client.force_login(auditor)
    body = client.get("/accounts/audit/?action=login").content.decode()
    assert "第 1 页，共 2 页" in body
    assert "action=login&amp;page=2" in body


def test_an_auditor_lands_on_the_audit_log_after_signing_in(client, auditor):
    response = client.post("/accounts/login/", {"username": "auditor", "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/accounts/audit/"
    client.logout()
    response = client.post("/accounts/login/", {"username": "auditor", "password": PASSWORD, "next": "/accounts/totp/"})
    assert response.url == "/accounts/totp/"


def test_other_users_still_land_on_the_workbench(client, users):
    response = client.post("/accounts/login/", {"username": "community", "password": PASSWORD})
    assert response.url == "/"
