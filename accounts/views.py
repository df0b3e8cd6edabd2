from django.contrib import messages
from django.contrib.auth import views as auth_views

from . import services
from .forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_password_changed(user=self.request.user)
        messages.success(self.request, "密码已修改。")
        return response
