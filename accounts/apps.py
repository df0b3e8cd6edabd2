from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与角色"

    def ready(self):
        from . import services  # noqa: F401  (connects the sign-in audit receivers)
