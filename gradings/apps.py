from django.apps import AppConfig


class GradingsConfig(AppConfig):
    """考核评价权、征得同意权: the community's yearly grading of the heads of the teams placed in it, beside the
    evidence of the records and the county's result (the community's consent to a head's appointment, which gates
    it, is kept with the team in `tasks`)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "gradings"
    verbose_name = "考核评价与征得同意"
