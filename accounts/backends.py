"""The authentication backend: Django's model backend behind the sign-in lockout."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from . import lockout


class SignInLocked(PermissionDenied):
    """Raised to `authenticate` for a locked account or address: it stops without checking the password."""


class LockoutModelBackend(ModelBackend):
    """Refuses every sign-in while the account or the client address is locked out.

    The console login form checks the lockout itself to show its message; this backend makes the rule
    hold for every other caller of `authenticate` as well (the admin site, the API token endpoint).
    The refusal is marked on the request (`request.sign_in_lockout`) so callers can tell it from a
    wrong password.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        status = lockout.lockout_status_for_request(request, username)
        if status.locked:
            if request is not None:
                request.sign_in_lockout = status
            raise SignInLocked(lockout.locked_message())
        return super().authenticate(request, username=username, password=password, **kwargs)
