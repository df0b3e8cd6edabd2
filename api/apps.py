from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "接口"

    def ready(self) -> None:
        from cases.signals import case_changed

        from .webhooks import on_case_changed

        case_changed.connect(on_case_changed, dispatch_uid="api.webhooks.on_case_changed")
