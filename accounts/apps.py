from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与角色"

    def ready(self):
        from . import checks, services  # noqa: F401  (registers the system checks and the sign-in receivers)
