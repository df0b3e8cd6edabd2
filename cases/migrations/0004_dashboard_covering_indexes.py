"""Indexes for the 数据看板 at scale (indexes only; no model change; PostgreSQL).

- The month's cases by place, category and state (the category chart and the heat table), read from an
  index alone: received time, with the region, category, status and finish deadline alongside.
- The problems taken in at a 民意征求窗口 by place, so a community's 收集问题 reads its own few entries
  (the index by time of 0003 still serves a county, which counts most of them).
- The open cases by deadline, now with their region alongside: a region's count of overdue cases is
  read from the index alone. It replaces the index of 0003 on the same key.
"""

from django.db import migrations

OPEN = "('received', 'registered', 'dispatched', 'in_progress', 'replied', 'verified', 'escalated')"

PG_INDEXES = (
    ("case_received_cells",
     "CREATE INDEX IF NOT EXISTS case_received_cells ON cases_case (received_at) "
     "INCLUDE (region_id, category_id, status, finish_due) WHERE archived_at IS NULL"),
    ("case_window_problems_region",
     "CREATE INDEX IF NOT EXISTS case_window_problems_region ON cases_case (region_id, received_at) "
     "WHERE kind = 'problem' AND channel = 'opinion_window' AND archived_at IS NULL"),
    ("case_open_overdue_region",
     "CREATE INDEX IF NOT EXISTS case_open_overdue_region ON cases_case (finish_due, id) INCLUDE (region_id) "
     f"WHERE archived_at IS NULL AND status IN {OPEN}"),
)
REPLACED = (
    ("case_open_overdue",
     "CREATE INDEX IF NOT EXISTS case_open_overdue ON cases_case (finish_due, id) "
     f"WHERE archived_at IS NULL AND status IN {OPEN}"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for _, sql in PG_INDEXES:
            schema_editor.execute(sql)
        for name, _ in REPLACED:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for _, sql in REPLACED:
            schema_editor.execute(sql)
        for name, _ in PG_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0003_kpi_period_indexes"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
