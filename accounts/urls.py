from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/verify/", views.login_verify, name="login_verify"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/", views.PasswordChangeView.as_view(success_url=reverse_lazy("console:home")),
        name="password_change",
    ),
    path("totp/", views.totp_device, name="totp"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export/", views.audit_log_export, name="audit_log_export"),
]
