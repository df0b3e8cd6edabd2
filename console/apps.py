from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The staff console's frame: its navigation across every capability, the staff home and the
    permission matrix that walks every page. It sits above the apps it links to."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "console"
    verbose_name = "工作台"
