"""`python manage.py rollup_rebuild [--from YYYY-MM-DD --to YYYY-MM-DD]`: count the daily rollups afresh.

Run it once after loading history in bulk (generate_load does); the case services keep the rollups in
step from then on. With a range it recounts only those days (the rollups must exist already). It
counts a week per transaction, so it may run while the platform is in use: a case action waits at most
for one week's count.
"""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from reports.services import rollup_rebuild


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期应为 YYYY-MM-DD：{value}") from exc


class Command(BaseCommand):
    help = "Count the daily rollups of the key figures from the case records."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", default="")
        parser.add_argument("--to", dest="end", default="")

    def handle(self, *args, **opts):
        started = time.perf_counter()
        try:
            result = rollup_rebuild(start=_date(opts["start"]), end=_date(opts["end"]))
        except ValueError as exc:
            raise CommandError("请先不带日期范围运行一次 rollup_rebuild") from exc
        self.stdout.write(
            f"rollups: {result.rows} rows in {time.perf_counter() - started:.1f} s, {result.chunks} transactions; "
            f"case writes waited at most {result.longest_chunk_seconds:.2f} s (the longest one)"
        )
