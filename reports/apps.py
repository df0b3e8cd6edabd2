from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "数据统计"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the rollup receivers
