"""Requests of a signed-in user who has not finished setting up the account go to the page that does it."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from . import totp

EXEMPT_PREFIXES = ("/static/", "/api/")


class PasswordChangeRequiredMiddleware:
    """Sends a user whose account was issued to them to the password page until they change it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse("accounts:password_change"), reverse("accounts:logout")}
            if request.path not in allowed and not request.path.startswith(EXEMPT_PREFIXES):
                return redirect("accounts:password_change")
        return self.get_response(request)


class SecondFactorMiddleware:
    """Keeps the one-time-code rule for every page.

    - The admin site's own sign-in page would skip the one-time-code step: it is sent to the console's.
    - A user who must use a one-time code (`totp.totp_required`) and has no device yet can only reach the
      device page, the password page and sign-out until the device is on.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == reverse("admin:login"):
            target = request.GET.get("next") or reverse("admin:index")
            return redirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and totp.totp_required(user) and not totp.has_live_device(user):
            allowed = {reverse("accounts:totp"), reverse("accounts:password_change"), reverse("accounts:logout")}
            if request.path not in allowed and not request.path.startswith(EXEMPT_PREFIXES):
                return redirect("accounts:totp")
        return self.get_response(request)
