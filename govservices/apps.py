from django.apps import AppConfig


class GovservicesConfig(AppConfig):
    """便民服务: the catalogue of items (办事指南), service requests (办件) with 首问 and 首办, and 好差评."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "govservices"
    verbose_name = "便民服务"
