"""Account security in a real browser: the lockout message, turning on a one-time code and signing in with
it, and an auditor filtering and exporting the audit log."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from playwright.sync_api import expect

from accounts.models import Role, User
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_five_wrong_passwords_lock_the_account_with_a_chinese_message(page, live_server, users, login,
                                                                      console_errors):
    for _ in range(5):
        login(page, "community", "wrong-password")
        expect(page.get_by_role("alert").first).to_contain_text("用户名或密码不正确")
    login(page, "community")
    expect(page.get_by_role("alert").first).to_contain_text("登录失败次数过多，请 10 分钟后再试")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    assert console_errors == []


def test_a_user_turns_on_a_one_time_code_and_signs_in_with_it(page, live_server, users, login, console_errors):
    login(page, "community")
    page.goto(f"{live_server.url}/accounts/totp/")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert page.locator("#totp-uri").inner_text().startswith("otpauth://totp/")
    authenticator = pyotp.TOTP(secret)
    page.get_by_label("动态口令").fill(authenticator.at(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30)))
    page.get_by_role("button", name="启用动态口令").click()
    expect(page.get_by_role("status")).to_contain_text("动态口令已启用")

    page.get_by_role("button", name="退出").click()
    login(page, "community")
    expect(page.get_by_role("heading", name="动态口令验证")).to_be_visible()
    page.get_by_label("动态口令").fill("000000")
    page.get_by_role("button", name="验证并登录").click()
    expect(page.get_by_text("错误：动态口令不正确或已使用")).to_be_visible()
    page.get_by_label("动态口令").fill(authenticator.now())
    page.get_by_role("button", name="验证并登录").click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    assert console_errors == []


def test_a_county_administrator_is_taken_to_enrolment_when_codes_are_required(page, live_server, users, login,
                                                                               settings):
    settings.REQUIRE_TOTP_FOR_COUNTY = True
    login(page, "county")
    expect(page.get_by_role("heading", name="动态口令")).to_be_visible()
    expect(page.get_by_text("县级管理员账号必须启用动态口令")).to_be_visible()
    page.goto(f"{live_server.url}/regions/")
    expect(page).to_have_url(f"{live_server.url}/accounts/totp/")


def test_an_auditor_filters_and_exports_the_audit_log(page, live_server, users, login, console_errors):
    User.objects.create_user(username="auditor", password=PASSWORD, role=Role.AUDITOR, first_name="审计员甲")
    login(page, "community", "wrong-password")
    login(page, "auditor")
    page.goto(f"{live_server.url}/accounts/audit/")
    expect(page.get_by_role("heading", name="审计日志")).to_be_visible()
    page.get_by_label("动作").select_option(label="登录失败")
    page.get_by_role("button", name="筛选").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("community")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    name = download.value.suggested_filename
    assert name.startswith("审计记录-auditor-") and name.endswith(".xlsx")
    assert console_errors == []
