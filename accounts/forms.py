"""Forms of the accounts pages: sign-in, the password change, the one-time-code step, enrolment and the audit log
filter."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.core.exceptions import ValidationError

from core.models import AuditEvent
from core.security import client_address

from . import lockout


class LockoutFormMixin:
    """Refuses a sign-in form outright while its account or address is locked out, with the Chinese message."""

    def clean(self):
        username = self.data.get("username", "")
        status = lockout.lockout_status_for_request(self.request, username)
        if status.locked:
            lockout.attempt_refused(
                username=username, ip_address=client_address(self.request) if self.request else None, lockout=status
            )
            raise ValidationError(lockout.locked_message(), code="locked_out")
        return super().clean()


class LoginForm(LockoutFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确，请重新输入。",
        "inactive": "该账号已停用，请联系管理员。",
    }

    username = forms.CharField(
        label="用户名", max_length=150, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class AdminLoginForm(LockoutFormMixin, AdminAuthenticationForm):
    """The admin site's sign-in form under the same lockout (the site itself sends users to the console login)."""


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's password change, where the new password must differ from the current one."""

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_password1")
        if new and "new_password2" not in self.errors and self.user.check_password(new):
            self.add_error("new_password2", ValidationError("新密码不能与当前密码相同，请换一个新密码。",
                                                            code="password_unchanged"))
        return cleaned


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(
        label="动态口令", max_length=12, strip=True,
        help_text="打开手机上的身份验证器应用，输入当前显示的 6 位数字。",
        error_messages={"required": "请输入动态口令"},
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "pattern": r"[0-9 ]*",
        }),
    )


class AuditFilterForm(forms.Form):
    """Filters of the audit log page and its export."""

    action = forms.ChoiceField(label="动作", required=False, choices=[("", "全部"), *AuditEvent.Action.choices])
    user = forms.CharField(label="操作人", required=False, max_length=150)
    outcome = forms.ChoiceField(label="结果", required=False,
                                choices=[("", "全部"), *AuditEvent.OUTCOME_LABELS.items()])
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"invalid": "请输入正确的日期，如 2026-01-31"})
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"invalid": "请输入正确的日期，如 2026-01-31"})

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise ValidationError("起始日期不能晚于截止日期。")
        return cleaned

    def filters(self) -> dict[str, str | dt.date | None]:
        """The valid filters, or none at all when the form is not valid."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}
