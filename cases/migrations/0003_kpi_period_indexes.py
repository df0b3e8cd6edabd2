"""Indexes for the key figures and the case lists at scale (indexes only; no model change).

- The 报到 on time / 答复 late look-ups of every assignment the KPI queries read, answered from small
  partial indexes instead of scanning all accept and reply events (PostgreSQL: JSON in the predicate).
- Ratings by time, for the periods of 满意率 and 解决率.
- The open cases by finish deadline, for the first pages of the 问题清单 (PostgreSQL partial index).
"""

from django.db import migrations

PG_INDEXES = (
    ("caseevent_accept_on_time",
     "CREATE INDEX IF NOT EXISTS caseevent_accept_on_time ON cases_caseevent (assignment_id) "
     "WHERE action = 'accept' AND (data -> 'on_time') = 'true'::jsonb"),
    ("caseevent_reply_late",
     "CREATE INDEX IF NOT EXISTS caseevent_reply_late ON cases_caseevent (assignment_id) "
     "WHERE action = 'reply' AND (data -> 'on_time') = 'false'::jsonb"),
    ("case_open_finish_due",
     "CREATE INDEX IF NOT EXISTS case_open_finish_due ON cases_case (finish_due, received_at DESC, id DESC) "
     "WHERE archived_at IS NULL AND status IN "
     "('received', 'registered', 'dispatched', 'in_progress', 'replied', 'verified', 'escalated')"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for _, sql in PG_INDEXES:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _ in PG_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0002_assignment_period_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS rating_rated_at ON cases_rating (rated_at)",
            "DROP INDEX IF EXISTS rating_rated_at",
        ),
        migrations.RunPython(create, drop),
    ]
