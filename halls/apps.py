from django.apps import AppConfig


class HallsConfig(AppConfig):
    """一站式便民服务大厅: windows, the queue (取号、叫号), room bookings and 人民调解."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "halls"
    verbose_name = "便民服务大厅"
