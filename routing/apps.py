from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = "智能分派"

    def ready(self) -> None:
        from cases.signals import case_changed

        from .receivers import on_case_changed

        case_changed.connect(on_case_changed, dispatch_uid="routing.on_case_changed")
