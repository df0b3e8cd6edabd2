"""Consent moves down to `tasks`, next to the head's seat it gates: the table is renamed and keeps its rows and
ids (its indexes keep their old names, which nothing reads); `tasks.0005_consent` takes the model over in the
migration state."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("gradings", "0002_evaluationweights"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable(name="consent", table="tasks_consent")],
            state_operations=[migrations.DeleteModel(name="Consent")],
        ),
    ]
