from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "消息通知"

    def ready(self) -> None:
        from cases.signals import case_changed

        from . import checks  # noqa: F401  (registers the system checks)
        from .receivers import on_case_changed

        case_changed.connect(on_case_changed, dispatch_uid="notifications.on_case_changed")
