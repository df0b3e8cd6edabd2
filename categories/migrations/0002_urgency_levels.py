"""The project's default urgency levels: emergency 2 h, utilities 24 h, general 7 and complex 15 working days."""

from django.db import migrations

LEVELS = [
    # code, name, response (amount, unit), finish (amount, unit), order
    ("emergency", "紧急", (1, "hours"), (2, "hours"), 1),
    ("utility", "水电气暖", (2, "hours"), (24, "hours"), 2),
    ("general", "一般", (1, "working_days"), (7, "working_days"), 3),
    ("complex", "复杂", (1, "working_days"), (15, "working_days"), 4),
]


def load(apps, schema_editor):
    UrgencyLevel = apps.get_model("categories", "UrgencyLevel")
    for code, name, (r_amount, r_unit), (f_amount, f_unit), order in LEVELS:
        # get_or_create: an administrator's later edits to a level are never overwritten.
        UrgencyLevel.objects.get_or_create(
            code=code,
            defaults=dict(
                name=name, response_amount=r_amount, response_unit=r_unit,
                finish_amount=f_amount, finish_unit=f_unit, order=order,
            ),
        )


class Migration(migrations.Migration):
    dependencies = [("categories", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
