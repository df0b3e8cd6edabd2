from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    """联席会议、两委会、党员大会、居民（代表）会议 and 四议两公开: bodies, rolls, meetings, votes, matters."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "meetings"
    verbose_name = "会议与四议两公开"

    def ready(self) -> None:
        from cases.services import close_check_register

        from .services import unfinished_tasks_refusal

        # A case a meeting took up closes only once the tasks of its resolution are done.
        close_check_register(unfinished_tasks_refusal)
