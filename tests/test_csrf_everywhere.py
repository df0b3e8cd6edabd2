"""CSRF everywhere: every URL of the site, posted to by a signed-in user without a CSRF token, answers
403 and changes nothing.

The URLs come from the URLconf itself (the admin site included), with a sample value generated for
each path argument, so a form view added later is covered without touching this file. The only
endpoints that take a POST without a token are listed in EXEMPT with the reason: they authenticate
each request with a credential in the request itself (a bearer token, an Open311 API key), never
with a cookie, so a cross-site page cannot borrow a signed-in user's authority through them. A test
below proves that for the REST API: its writes ignore the session cookie.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from cases.models import Case
from core.models import AuditEvent
from tests.urlwalk import routes, sample

# Prefixes of the endpoints that may be posted to without a CSRF token, and why.
EXEMPT: dict[str, str] = {
    "api/v1/": "REST API: every request carries `Authorization: Bearer <token>`; a session cookie grants "
               "nothing (see test_the_rest_api_ignores_the_session_cookie); the token endpoint takes the "
               "username and password in the body, which a cross-site page does not have",
    "open311/": "Open311 GeoReport v2: machine clients identify themselves by `api_key` in the request, "
                "and public requests are rate-limited; no cookie is read",
}

# URLs that no request reaches, whatever its method: a middleware answers with a redirect first.
REDIRECTED: dict[str, str] = {
    "/admin/login/": "accounts.middleware.SecondFactorMiddleware sends the admin's own sign-in page to the "
                     "console's, which asks for the one-time code",
}

def site_urls() -> list[str]:
    """One concrete URL per route of the URLconf, each checked to resolve to its own route."""
    return sorted({route.url() for route in routes()})


def exempt_reason(url: str) -> str | None:
    """Why `url` may be posted to without a token, or None when it must refuse."""
    return next((reason for prefix, reason in EXEMPT.items() if url.startswith("/" + prefix)), None)


ALL_URLS = site_urls()
FORM_URLS = [url for url in ALL_URLS if exempt_reason(url) is None]


def row_counts() -> dict[str, int]:
    """Rows per table of every model: the state a refused POST must leave as it was. The audit log is
    left out: a refusal may add its `denied` row there (see assert_only_denials_logged)."""
    tables = set(connection.introspection.table_names())
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()
            if model._meta.db_table in tables and model is not AuditEvent}


def assert_only_denials_logged(last_id: int) -> None:
    """A refused POST adds nothing to the audit log but the record of the refusal itself."""
    added = set(AuditEvent.objects.filter(pk__gt=last_id).values_list("action", flat=True))
    assert added <= {AuditEvent.Action.DENIED}, added


def last_audit_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _post_without_token(client: Client, url: str):
    return client.post(url, {"name": "跨站提交", "title": "跨站提交", "description": "跨站提交", "reason": "跨站",
                             "version": "1", "field": "phone", "username": "community", "password": "x"})


def test_the_walk_reaches_every_form_of_the_site():
    """The URL walk itself: it finds the forms this file was written against, and the admin site."""
    for expected in ("/accounts/login/", "/accounts/password/", "/accounts/totp/", "/organisations/new/",
                     "/organisations/1/edit/", "/organisations/party-members/new/",
                     "/organisations/people/1/reveal/", "/organisations/import/",
                     "/organisations/party-members/import/", "/regions/facilities/new/", "/cases/new/",
                     "/cases/1/act/a/", "/notifications/1/read/", "/notifications/read-all/",
                     "/public/report/", "/public/track/a/rate/", "/public/text-size/", "/admin/login/"):
        assert expected in FORM_URLS
    assert "/admin/organisations/organisation/add/" in FORM_URLS
    assert len(FORM_URLS) > 100


@pytest.mark.parametrize("url", FORM_URLS)
def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(url, users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["community"])
    before, audited = row_counts(), last_audit_id()
    response = _post_without_token(client, url)
    if url in REDIRECTED:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 403, f"{url} answered {response.status_code}"
        assert "CSRF" in response.content.decode()
        # The refusal itself is audited (core.denials): one `denied` row naming the user, nothing else.
        assert list(AuditEvent.objects.filter(pk__gt=audited).values_list("action", flat=True)) == [
            AuditEvent.Action.DENIED]
    assert row_counts() == before
    assert_only_denials_logged(audited)


@pytest.mark.parametrize("url", [url for url in FORM_URLS if url.startswith(("/accounts/", "/public/"))])
def test_public_forms_refuse_a_post_without_a_token_from_a_visitor_too(url, db):
    before, audited = row_counts(), last_audit_id()
    response = _post_without_token(Client(enforce_csrf_checks=True), url)
    assert response.status_code == 403 and "CSRF" in response.content.decode(), f"{url}: {response.status_code}"
    assert row_counts() == before
    assert_only_denials_logged(audited)


def test_the_same_post_with_a_token_is_let_through(users, tree):
    """The 403s above are the CSRF check, not something else: with the token the form is processed."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["community"])
    client.get("/organisations/new/")
    token = client.cookies["csrftoken"].value
    response = client.post("/organisations/new/", {"csrfmiddlewaretoken": token, "name": ""})
    assert response.status_code == 200 and response.context["form"].errors["name"]


@pytest.mark.parametrize("prefix", sorted(EXEMPT))
def test_every_exempt_prefix_still_matches_a_url(prefix):
    assert any(url.startswith("/" + prefix) for url in ALL_URLS)


def test_the_rest_api_ignores_the_session_cookie(users, tree):
    """Why the API is exempt: a signed-in browser's cookie does not authenticate an API write."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["community"])
    response = client.post("/api/v1/cases", {"title": "跨站提交", "description": "跨站提交"},
                           content_type="application/json")
    assert response.status_code == 401
    assert not Case.objects.exists()


def test_the_sample_generator_matches_its_pattern():
    for pattern in (r"^(?P<code>[0-9]{2,18})/$", r"^v2/requests/(?P<request_id>[^/]+)\.(?P<fmt>json|xml)$",
                    r"^(?P<app_label>accounts|cases)/$", r"^r/(?P<content_type_id>\d+)/(?P<object_id>.+)/$"):
        assert re.fullmatch(pattern.strip("^$"), sample(pattern))
