"""The console navigation links to the one-time-code page for every signed-in staff user and to the
audit log for auditors (and superusers), and to neither for anyone else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role, User
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

TOTP, AUDIT = "accounts:totp", "accounts:audit_log"


def nav_of(client, username: str, page: str = "console:home") -> str:
    assert client.login(username=username, password=PASSWORD)
    response = client.get(reverse(page))
    assert response.status_code == 200
    html = response.content.decode()
    return html.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0] if 'aria-label="主导航"' in html else ""


def offers(nav: str, url_name: str, label: str) -> bool:
    return f'<a href="{reverse(url_name)}"' in nav and f">{label}</a>" in nav


@pytest.mark.parametrize("username", ["county", "street", "community", "grid", "dept"])
def test_every_staff_user_is_offered_the_one_time_code_page_and_not_the_audit_log(client, users, username):
    nav = nav_of(client, username)
    assert offers(nav, TOTP, "动态口令")
    assert "审计日志" not in nav


def test_an_auditor_is_offered_the_audit_log_and_the_one_time_code_page(client, users):
    User.objects.create_user(username="auditor", password=PASSWORD, role=Role.AUDITOR)
    nav = nav_of(client, "auditor", page=AUDIT)
    assert offers(nav, AUDIT, "审计日志") and offers(nav, TOTP, "动态口令")
    assert "问题清单" not in nav and "党员名册" not in nav


def test_a_superuser_is_offered_both(client, users):
    User.objects.create_superuser(username="root", password=PASSWORD, role=Role.COUNTY_STAFF)
    nav = nav_of(client, "root")
    assert offers(nav, AUDIT, "审计日志") and offers(nav, TOTP, "动态口令")


def test_a_party_member_is_offered_neither(client, users):
    nav = nav_of(client, "member")
    assert nav and "动态口令" not in nav and "审计日志" not in nav
