"""Form drafts kept across an expired session (登录过期后保留填写内容).

A form posted after the idle timeout reaches `login_required` anonymously and is answered with the
sign-in page. `FormDraftMiddleware` then keeps the posted fields (never files, passwords, one-time codes
or the CSRF token) in the new anonymous session, and sends the sign-in on to the page the form was on
instead of the form's action URL, which answers POST only. Django's sign-in keeps an anonymous session's
data, so the draft stays with this browser and nobody else's session can read it.

The page then takes the draft back with `take(request)` and fills its form with it; the POST is never
replayed: the user reads the restored form and submits it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme

SESSION_KEY = "accounts_form_draft"
# A draft older than this is dropped: the user has moved on.
DRAFT_SECONDS = 30 * 60
RESTORED_MESSAGE = "登录已过期，您填写的内容已保留，请确认后重新提交。"
MAX_FIELDS = 100
MAX_VALUE_CHARS = 20_000
# Field names that are never kept, whatever the view declares.
SECRET_WORDS = ("password", "csrf", "token", "secret", "otp")
SECRET_NAMES = {"code"}  # the one-time code of the second sign-in step


def returns_to(page: Callable[..., str]):
    """Declare where a POST-only view's form lives, for a draft posted without a usable Referer.

    `page(request, **kwargs)` gets the view's URL arguments and returns the path of the page with the form.
    """
    def decorate(view):
        view.draft_page = page
        return view
    return decorate


def _secret(name: str, sensitive) -> bool:
    lowered = name.lower()
    if sensitive == "__ALL__" or name in (sensitive or ()):
        return True
    last = lowered.rsplit("-", 1)[-1]
    return last in SECRET_NAMES or any(word in lowered for word in SECRET_WORDS)


def _kept_fields(request: HttpRequest) -> dict[str, list[str]]:
    sensitive = getattr(request, "sensitive_post_parameters", ())
    fields: dict[str, list[str]] = {}
    for name, values in request.POST.lists():
        if len(fields) >= MAX_FIELDS:
            break
        if _secret(name, sensitive):
            continue
        fields[name] = [value[:MAX_VALUE_CHARS] for value in values]
    return fields


def _same_origin_path(request: HttpRequest, url: str) -> str:
    """The path and query of `url` if it points at this site, else ''."""
    if not url or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.get_host():
        return ""
    path = parts.path or ""
    if not path.startswith("/") or path == request.path:
        return ""
    return f"{path}?{parts.query}" if parts.query else path


def _form_page(request: HttpRequest) -> str:
    """The page the form was posted from: the same-origin Referer, else the view's declared page."""
    page = _same_origin_path(request, request.headers.get("Referer", ""))
    if page:
        return page
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return ""
    declared = getattr(match.func, "draft_page", None)
    return declared(request, **match.kwargs) if declared else ""


def take(request: HttpRequest) -> dict[str, list[str]]:
    """The draft kept for this page in this browser's session (removed as it is read).

    Empty unless the user is signed in, the draft was kept for this very path and it is not too old.
    """
    if not request.user.is_authenticated:
        return {}
    draft = request.session.get(SESSION_KEY)
    if not draft or urlsplit(draft.get("page", "")).path != request.path:
        return {}
    request.session.pop(SESSION_KEY, None)
    if time.time() - draft.get("at", 0) > DRAFT_SECONDS:
        return {}
    return draft.get("fields") or {}


def announce_restored(request: HttpRequest) -> None:
    """The notice for a page that filled its form from a draft."""
    messages.info(request, RESTORED_MESSAGE)


def first_values(fields: dict[str, list[str]], prefix: str = "") -> dict[str, object]:
    """`fields` as form initial values, without `prefix-`: one value as it is, several as a list."""
    start = f"{prefix}-" if prefix else ""
    return {
        name[len(start):]: values[0] if len(values) == 1 else values
        for name, values in fields.items() if name.startswith(start)
    }


class FormDraftMiddleware:
    """Keeps an anonymous POST's fields when it is sent to sign in, and points the sign-in at the form's page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method != "POST" or request.user.is_authenticated or response.status_code != 302:
            return response
        login_path = resolve_url(settings.LOGIN_URL)
        if urlsplit(response.get("Location", "")).path != login_path:
            return response
        page = _form_page(request)
        fields = _kept_fields(request)
        if not page or not fields:
            return response
        request.session[SESSION_KEY] = {"page": page, "fields": fields, "at": time.time()}
        response["Location"] = f"{login_path}?{urlencode({'next': page})}"
        return response
