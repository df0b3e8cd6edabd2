from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "接口"
    # Webhooks do not listen to `cases.signals.case_changed`: `deliver_webhooks` reads the event log
    # behind a cursor (see `api.webhooks`), so a process that dies after a commit loses no delivery.
