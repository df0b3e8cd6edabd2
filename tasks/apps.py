from django.apps import AppConfig


class TasksConfig(AppConfig):
    """社区工作事项准入: a department's request to have communities take on a task, its review, and the money
    that goes with an admitted task (权随责走、费随事转)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "tasks"
    verbose_name = "社区工作事项准入"
