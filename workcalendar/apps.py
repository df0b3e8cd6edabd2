from django.apps import AppConfig


class WorkCalendarConfig(AppConfig):
    name = "workcalendar"
    verbose_name = "工作日历"
