"""System checks: the demo mode warns under `check --deploy`; outside the demo, demo passwords stop the start."""

import os
import secrets
import subprocess
import sys

from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.core.checks import run_checks

from accounts.checks import DEMO_PASSWORD
from accounts.models import User

PRODUCTION_ENV = dict(
    GONGZHI_DEMO="false", GONGZHI_SECRET_KEY=secrets.token_urlsafe(64), GONGZHI_PII_INDEX_KEY="ci-index-key",
    GONGZHI_PII_KEYS="ZGVtby1vbmx5LXBpaS1rZXktMDEyMzQ1Njc4OWFiY2Q=", GONGZHI_ALLOWED_HOSTS="gongzhi.example.gov.cn",
    GONGZHI_CACHE="database", GONGZHI_SMS_BACKEND="notifications.sms.HttpSmsBackend",
    GONGZHI_SMS_GATEWAY_URL="https://sms.example.gov.cn/send",
)


def ids(messages) -> set[str]:
    return {message.id for message in messages}


def test_the_deploy_check_warns_while_the_demo_mode_is_on(settings):
    settings.DEMO = True
    assert "gongzhi.W001" in ids(run_checks(include_deployment_checks=True))
    assert "gongzhi.W001" not in ids(run_checks())


def test_the_deploy_check_warns_when_county_administrators_need_no_code(settings):
    settings.DEMO = False
    settings.REQUIRE_TOTP_FOR_COUNTY = False
    assert "gongzhi.W002" in ids(run_checks(include_deployment_checks=True))
    settings.REQUIRE_TOTP_FOR_COUNTY = True
    assert not ids(run_checks(include_deployment_checks=True)) & {"gongzhi.W001", "gongzhi.W002"}


def test_the_deploy_check_warns_when_each_process_keeps_its_own_cache(settings):
    settings.DEMO = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    [warning] = [m for m in run_checks(include_deployment_checks=True) if m.id == "gongzhi.W003"]
    assert "GONGZHI_CACHE=database" in warning.hint
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "c"}}
    assert "gongzhi.W003" not in ids(run_checks(include_deployment_checks=True))
    settings.DEMO = True  # the demo runs one process
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "gongzhi.W003" not in ids(run_checks(include_deployment_checks=True))


def _manage_in_production(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`manage.py *args` in the environment of a production server: none of the test run's variables."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "GONGZHI_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args], env={**clean, **PRODUCTION_ENV, **env},
        capture_output=True, text=True, cwd=django_settings.BASE_DIR,
    )


def test_an_unknown_cache_kind_stops_the_start():
    result = _manage_in_production("check", GONGZHI_CACHE="redis")
    assert result.returncode != 0 and "GONGZHI_CACHE must be 'local' or 'database'" in result.stderr


def test_production_settings_pass_the_deploy_check_with_no_warning():
    result = _manage_in_production("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_outside_the_demo_an_administrator_with_the_demo_password_is_an_error(settings, django_user_model, db):
    settings.DEMO = False
    django_user_model.objects.create_superuser(username="admin", password=DEMO_PASSWORD)
    errors = [m for m in run_checks(databases=["default"]) if m.id == "gongzhi.E001"]
    assert len(errors) == 1 and "admin" in errors[0].msg
    # Without the database the check has nothing to read (as in a plain `check --deploy`).
    assert "gongzhi.E001" not in ids(run_checks(include_deployment_checks=True))


def test_bulk_loaded_accounts_sharing_the_demo_password_are_found(settings, users):
    settings.DEMO = False
    shared = make_password(DEMO_PASSWORD)
    User.objects.filter(username__in=["community", "grid"]).update(password=shared)
    [error] = [m for m in run_checks(databases=["default"]) if m.id == "gongzhi.E001"]
    assert "community" in error.msg and "grid" in error.msg


def test_no_error_when_nobody_keeps_the_demo_password_or_in_the_demo(settings, users, django_user_model):
    settings.DEMO = False
    django_user_model.objects.create_superuser(username="admin", password="Qx-Admin-2026!")
    assert "gongzhi.E001" not in ids(run_checks(databases=["default"]))
    settings.DEMO = True
    django_user_model.objects.filter(username="admin").update(password=make_password(DEMO_PASSWORD))
    assert "gongzhi.E001" not in ids(run_checks(databases=["default"]))
