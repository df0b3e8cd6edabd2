from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    """联席会议、两委会、党员大会、居民（代表）会议 and 四议两公开: bodies, rolls, meetings, votes, matters."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "meetings"
    verbose_name = "会议与四议两公开"

    def ready(self) -> None:
        from cases.selectors import case_section_register
        from cases.services import AgendaHook, agenda_hook_register, close_check_register

        from .selectors import case_tasks_section, escalation_choices
        from .services import case_to_named_meeting, unfinished_tasks_refusal

        # A case a meeting took up closes only once the tasks of its resolution are done.
        close_check_register(unfinished_tasks_refusal)
        # 提交会议 on the case's own page and API names one of the open meetings over the case's region.
        agenda_hook_register(AgendaHook(offer=escalation_choices, take=case_to_named_meeting))
        # The case page lists the tasks its meetings' resolutions gave, with their progress.
        case_section_register(case_tasks_section)
