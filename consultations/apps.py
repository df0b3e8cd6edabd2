from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    """征求意见: a plan put to residents for their comments, reviewed at a meeting, its outcome published."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "consultations"
    verbose_name = "征求意见"
