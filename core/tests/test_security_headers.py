"""Content-Security-Policy and Permissions-Policy on every response."""

import pytest
from django.conf import settings

from conftest import PASSWORD
from core.security import HTMX_INDICATOR_STYLE, csp_hash


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/public/", "/api/v1/openapi.json", "/admin/",
                                  "/no-such-page/", "/healthz"])
def test_every_response_carries_the_policy(client, db, path):
    response = client.get(path)
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_no_unsafe_source_anywhere(client, db):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "unsafe" not in policy
    assert "*" not in policy and "http:" not in policy and "https:" not in policy


def test_styles_admit_only_files_and_the_htmx_indicator_rule(client, db):
    assert directives(client.get("/accounts/login/"))["style-src"] == ["'self'", csp_hash(HTMX_INDICATOR_STYLE)]


def test_the_admitted_inline_style_is_what_the_installed_htmx_injects():
    htmx = (settings.BASE_DIR / "node_modules" / "htmx.org" / "dist" / "htmx.js").read_text(encoding="utf-8")
    # htmx builds the rule from its default class names; put them in and compare byte for byte.
    source = htmx.split("function insertIndicatorStyles()")[1].split("function getMetaConfig")[0]
    pieces = [part.split("`")[1] for part in source.split("\n") if part.strip().startswith("`.$")]
    built = "".join(pieces).replace("${indicator}", "htmx-indicator").replace("${request}", "htmx-request")
    assert built == HTMX_INDICATOR_STYLE


def test_the_other_security_headers(client, users):
    client.login(username="community", password=PASSWORD)
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_production_cookies_are_secure_and_https_is_enforced():
    import os
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "GONGZHI_"))}
    env.update(GONGZHI_DEMO="false", GONGZHI_SECRET_KEY="k" * 10 + "x1y2z3" * 10, GONGZHI_PII_INDEX_KEY="i",
               GONGZHI_PII_KEYS="ZGVtby1vbmx5LXBpaS1rZXktMDEyMzQ1Njc4OWFiY2Q=")
    code = ("import config.settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
            "s.SECURE_HSTS_SECONDS >= 31536000, s.SESSION_COOKIE_HTTPONLY)")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                            cwd=settings.BASE_DIR)
    assert result.stdout.split() == ["True"] * 5


@pytest.mark.parametrize("path", ["/", "/cases/", "/public/"])
def test_pages_for_a_signed_in_user_are_never_stored(client, users, path):
    client.force_login(users["community"])
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/api/v1/regions", "/api/v1/openapi.json", "/open311/v2/services.json"])
def test_api_and_open311_answers_are_never_stored(client, db, path):
    assert client.get(path)["Cache-Control"] == "private, no-store"


def test_public_pages_for_a_visitor_stay_cacheable(client, db):
    response = client.get("/public/")
    assert response.status_code == 200 and "no-store" not in response.get("Cache-Control", "")
