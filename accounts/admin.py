from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied

from core.admin import ReadOnlyAdmin

from . import lockout, services, totp
from .forms import AdminLoginForm
from .models import LoginFailure, TotpDevice, User

# The admin site signs in with the console's lockout (and is sent to the console login anyway, for the
# one-time-code step: see accounts.middleware.SecondFactorMiddleware).
admin.site.login_form = AdminLoginForm


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "role", "region", "organisation", "is_active")
    list_filter = ("role", "is_active", "is_staff")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("共治", {"fields": ("role", "region", "organisation", "person", "must_change_password")}),
    )
    # An account issued here always has to change its password at first sign-in (services.user_issue).
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("共治", {"fields": ("role", "region", "organisation")}),
    )
    autocomplete_fields = ()
    raw_id_fields = ("region", "organisation", "person")
    actions = ("lift_lockout", "reset_totp")

    def save_model(self, request, obj, form, change):
        if change:
            services.user_admin_update(actor=request.user, user=obj)
        else:
            services.user_issue(actor=request.user, user=obj)

    def save_related(self, request, form, formsets, change):
        # Groups and permissions are many-to-many: saved after the account, audited by their own service.
        services.user_access_update(
            actor=request.user, user=form.instance,
            apply=lambda: super(UserAdmin, self).save_related(request, form, formsets, change),
        )

    def delete_model(self, request, obj):
        raise PermissionDenied("账号不能删除，请停用")

    def has_delete_permission(self, request, obj=None):
        # Cases, events and audit rows point at accounts: an account is deactivated, never deleted.
        return False

    def user_change_password(self, request, id, form_url=""):
        """Django's "set password" page; a password set for someone else must be changed at their next sign-in."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, unquote(id))
            if user is not None:
                services.user_password_reset(actor=request.user, user=user)
        return response

    @admin.action(description="解除登录锁定")
    def lift_lockout(self, request, queryset):
        count = sum(lockout.lockout_lift(actor=request.user, username=user.username) for user in queryset)
        self.message_user(request, f"已解除锁定，清除 {count} 条登录失败记录。", messages.SUCCESS)

    @admin.action(description="重置动态口令（用户须重新绑定）")
    def reset_totp(self, request, queryset):
        count = sum(
            totp.device_disable(actor=request.user, user=user, reason="管理员重置动态口令") for user in queryset
        )
        self.message_user(request, f"已重置 {count} 个账号的动态口令。", messages.SUCCESS)


@admin.register(LoginFailure)
class LoginFailureAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "username", "ip_address", "cleared_at")
    list_filter = ("cleared_at",)
    search_fields = ("username", "ip_address")
    date_hierarchy = "created_at"


@admin.register(TotpDevice)
class TotpDeviceAdmin(ReadOnlyAdmin):
    list_display = ("user", "created_at", "confirmed_at", "disabled_at")
    search_fields = ("user__username",)
    exclude = ("secret",)
