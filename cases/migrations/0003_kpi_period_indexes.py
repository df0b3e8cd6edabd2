"""Indexes for the key figures and the case lists at scale (indexes only; no model change).

- The 报到 on time / 答复 late look-ups of every assignment the KPI queries read, answered from small
  partial indexes instead of scanning all accept and reply events (PostgreSQL: JSON in the predicate).
- Ratings by time, for the periods of 满意率 and 解决率.
- Assignments still waiting to report in, by dispatch (the part of 响应率 counted live), and the open
  cases by deadline (the dashboard's overdue cases).
- The problems taken in at a 民意征求窗口 (the figure 收集问题), counted from a small partial index.
- The open cases in the order of the 问题清单 (deadline, undated last; then newest), so any page by cursor
  is one short range of a PostgreSQL partial index.
"""

from django.db import migrations

PG_INDEXES = (
    ("caseevent_accept_on_time",
     "CREATE INDEX IF NOT EXISTS caseevent_accept_on_time ON cases_caseevent (assignment_id, created_at) "
     "WHERE action = 'accept' AND (data -> 'on_time') = 'true'::jsonb"),
    ("caseevent_reply_late",
     "CREATE INDEX IF NOT EXISTS caseevent_reply_late ON cases_caseevent (assignment_id, created_at) "
     "WHERE action = 'reply' AND (data -> 'on_time') = 'false'::jsonb"),
    ("assignment_pending_dispatched",
     "CREATE INDEX IF NOT EXISTS assignment_pending_dispatched ON cases_assignment (dispatched_at) "
     "WHERE status = 'pending'"),
    ("case_open_overdue",
     "CREATE INDEX IF NOT EXISTS case_open_overdue ON cases_case (finish_due, id) "
     "WHERE archived_at IS NULL AND status IN "
     "('received', 'registered', 'dispatched', 'in_progress', 'replied', 'verified', 'escalated')"),
    ("case_window_problems",
     "CREATE INDEX IF NOT EXISTS case_window_problems ON cases_case (received_at, region_id) "
     "WHERE kind = 'problem' AND channel = 'opinion_window' AND archived_at IS NULL"),
    ("case_open_due_order",
     "CREATE INDEX IF NOT EXISTS case_open_due_order ON cases_case "
     "(COALESCE(finish_due, '9999-12-31 00:00:00+00'::timestamptz), received_at DESC, id DESC) "
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
