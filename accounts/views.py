"""Sign-in (password, then a one-time code when the account has one), password change, the one-time-code
device page, and the audit log for auditors."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from core import audit, text_size, xlsx
from core.models import AuditEvent
from core.security import client_address

from . import audit_export, lockout, selectors, services, totp
from .forms import AuditFilterForm, LoginForm, OneTimeCodeForm, PasswordChangeForm
from .models import Role, User

PENDING_SESSION_KEY = "accounts_pending_sign_in"
# How long the one-time-code step waits after the password was accepted.
PENDING_SECONDS = 300
AUDIT_PAGE_SIZE = 50
AUDIT_EXPORT_MAX_ROWS = 100_000


class LoginView(auth_views.LoginView):
    """The password step. An account with a one-time-code device goes on to `login_verify` before it is signed in."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # Residents and party members come here from the portal, often in its large-font mode.
        return {**super().get_context_data(**kwargs), "large_text": text_size.large_text(self.request)}

    def get_default_redirect_url(self) -> str:
        """Auditors have no place in the region tree: their work page is the audit log."""
        user = self.request.user
        if not user.is_authenticated:
            user = getattr(self, "_signed_in", user)
        if getattr(user, "role", None) == Role.AUDITOR:
            return reverse("accounts:audit_log")
        return super().get_default_redirect_url()

    def form_valid(self, form):
        self._signed_in = form.get_user()
        user = form.get_user()
        if totp.has_live_device(user):
            self.request.session.cycle_key()
            self.request.session[PENDING_SESSION_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "at": timezone.now().timestamp(),
                "next": self.get_success_url(),
            }
            return redirect("accounts:login_verify")
        return super().form_valid(form)


def _pending_user(request: HttpRequest) -> tuple[User, dict] | None:
    """The user whose password was accepted in this session and who still owes a code, if not timed out."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending or timezone.now().timestamp() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return (user, pending) if user is not None else None


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    """The second step of sign-in: a one-time code; wrong codes count towards the lockout like wrong passwords."""
    found = _pending_user(request)
    if found is None:
        request.session.pop(PENDING_SESSION_KEY, None)
        messages.error(request, "登录已超时，请重新输入用户名和密码。")
        return redirect("accounts:login")
    user, pending = found
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        status = lockout.lockout_status(username=user.get_username(), ip_address=address)
        if status.locked:
            lockout.attempt_refused(username=user.get_username(), ip_address=address, lockout=status)
            request.session.pop(PENDING_SESSION_KEY, None)
            form.add_error(None, lockout.locked_message())
        elif totp.verify(user=user, code=form.cleaned_data["code"]):
            request.session.pop(PENDING_SESSION_KEY, None)
            auth_login(request, user, backend=pending["backend"])
            return redirect(pending.get("next") or settings.LOGIN_REDIRECT_URL)
        else:
            audit.record(actor=None, action=AuditEvent.Action.LOGIN_FAILED, target=user, outcome="failure",
                         reason="动态口令错误")
            after = lockout.failure_record(username=user.get_username(), ip_address=address, reason="动态口令错误")
            if after.locked:
                request.session.pop(PENDING_SESSION_KEY, None)
                form.add_error(None, lockout.locked_message())
            else:
                form.add_error("code", "动态口令不正确或已使用，请输入验证器当前显示的数字。")
    return render(request, "accounts/login_verify.html", {"form": form, "pending_user": user})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_password_changed(user=self.request.user)
        messages.success(self.request, "密码已修改。")
        return response


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def totp_device(request: HttpRequest) -> HttpResponse:
    """Turn the one-time-code second factor on (secret shown as text), or off where it is not required."""
    user = request.user
    required = totp.totp_required(user)
    device = totp.live_device(user)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if device is None:
            if totp.enrolment_confirm(user=user, code=code):
                messages.success(request, "动态口令已启用。今后登录时，输入密码后还需输入验证器显示的动态口令。")
                return redirect("accounts:totp")
            form.add_error("code", "动态口令不正确，请核对手机时间后输入验证器当前显示的数字。")
        elif required:
            form.add_error(None, "您的账号必须使用动态口令，不能停用；如手机丢失，请联系系统管理员重置。")
        elif totp.verify(user=user, code=code):
            totp.device_disable(actor=user, user=user, reason="本人停用动态口令")
            messages.success(request, "动态口令已停用。")
            return redirect("accounts:totp")
        else:
            form.add_error("code", "动态口令不正确或已使用，请输入验证器当前显示的数字。")
    context: dict = {"form": form, "required": required, "device": device}
    if device is None:
        pending = totp.enrolment_start(user=user)
        context.update(secret=totp.grouped_secret(pending), uri=totp.provisioning_uri(pending))
    return render(request, "accounts/totp.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The signed-in user's API tokens: when each was issued and until when it works; revoke one, or all."""
    user = request.user
    if request.method == "POST":
        which = request.POST.get("token", "")
        if which == "all":
            revoked = services.api_tokens_revoke(user=user, actor=user, reason="本人撤销全部接口令牌")
        elif which.isascii() and which.isdigit() and len(which) <= 18:
            revoked = services.api_tokens_revoke(user=user, actor=user, reason="本人撤销接口令牌", token_id=int(which))
        else:
            revoked = 0
        if revoked:
            messages.success(request, f"已撤销 {revoked} 个接口令牌，使用它们的程序须重新获取令牌。")
        else:
            messages.error(request, "没有可撤销的令牌：该令牌不存在、已撤销或已过期。")
        return redirect("accounts:api_tokens")
    return render(request, "accounts/api_tokens.html", {"tokens": selectors.api_tokens_of(user)})


def _require_auditor(request: HttpRequest) -> None:
    """Only auditors and superusers read the audit log; anyone else gets 404, and the attempt is logged."""
    if not selectors.can_read_audit_log(request.user):
        audit.record(
            actor=request.user, action=AuditEvent.Action.DENIED, target_type=AuditEvent._meta.label_lower,
            target_label="审计日志", outcome="denied", reason=request.path[:200],
        )
        raise Http404


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, dict]:
    form = AuditFilterForm(request.GET or None)
    return form, form.filters()


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log, filtered by action, user, outcome and dates, newest first."""
    _require_auditor(request)
    form, filters = _filters(request)
    page = Paginator(selectors.audit_events_filtered(**filters), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {
        "form": form, "page": page, "export_query": request.GET.urlencode(),
    })


@login_required
def audit_log_export(request: HttpRequest) -> HttpResponse:
    """The filtered audit log as .xlsx; the file names its exporter, and the export is itself audited."""
    _require_auditor(request)
    form, filters = _filters(request)
    events = selectors.audit_events_filtered(**filters)
    total = events.count()
    rows = min(total, AUDIT_EXPORT_MAX_ROWS)
    now = timezone.now()
    shown = {key: (value.isoformat() if isinstance(value, dt.date) else value) for key, value in filters.items()}
    content = audit_export.write_audit_events(
        events[:AUDIT_EXPORT_MAX_ROWS].iterator(chunk_size=2000), exported_by=xlsx.exporter_label(request.user),
        exported_at=now, filters=shown, rows=rows, truncated=total > rows,
    )
    audit.record(
        actor=request.user, action=AuditEvent.Action.EXPORT, target_type=AuditEvent._meta.label_lower,
        target_label="审计记录导出", changes={"rows": rows, "filters": shown},
    )
    filename = f"审计记录-{request.user.get_username()}-{timezone.localtime(now):%Y%m%d-%H%M%S}.xlsx"
    return xlsx.download(content, filename)
