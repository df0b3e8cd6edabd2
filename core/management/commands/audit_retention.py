"""`python manage.py audit_retention --months 6 [--archive FILE] [--delete]`: archive, then prune, old audit rows.

The audit log is kept at least `settings.AUDIT_RETENTION_MIN_MONTHS` (6) months (GB/T 22239-2019 level 3
and the Cybersecurity Law); a smaller `--months` is refused. Rows older than the cut-off are written to a
JSON-lines archive (one row per line, in the format `loaddata` reads back). Rows are deleted only with
`--delete`, only after the archive has been written and flushed to disk, and only those written to it.
Without `--delete` the command only archives (or, without `--archive`, only counts). Each run that deletes
writes an audit row of its own, with the cut-off, the count and the archive's SHA-256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from core import audit
from core.models import AuditEvent

BATCH = 2000


def _exact(value: object) -> str:
    """JSON for the values the standard encoder lacks; times keep their microseconds (Django's JSON drops them)."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same local day and time `months` calendar months earlier (clamped to the month's last day)."""
    local = timezone.localtime(moment)
    year, month = divmod(local.year * 12 + (local.month - 1) - months, 12)
    month += 1
    day = local.day
    while True:
        try:
            return local.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


class Command(BaseCommand):
    help = "Archive audit rows older than --months (at least 6) to a JSON-lines file; delete them only with --delete."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--months", type=int, required=True, help="keep this many months (at least 6)")
        parser.add_argument("--archive", type=Path, help="JSON-lines file to write the old rows to (must not exist)")
        parser.add_argument("--delete", action="store_true", help="delete the archived rows from the database")

    def handle(self, *args, months: int, archive: Path | None, delete: bool, **options) -> None:
        minimum = settings.AUDIT_RETENTION_MIN_MONTHS
        if months < minimum:
            raise CommandError(f"审计记录至少保存 {minimum} 个月：--months 不能小于 {minimum}。")
        if delete and archive is None:
            raise CommandError("删除前必须先归档：请用 --archive 指定归档文件。")
        if archive is not None and archive.exists():
            raise CommandError(f"归档文件 {archive} 已存在，不会覆盖。")
        cutoff = months_before(timezone.now(), months)
        old = AuditEvent.objects.filter(created_at__lt=cutoff).order_by("pk")
        total = old.count()
        self.stdout.write(f"早于 {cutoff:%Y-%m-%d %H:%M} 的审计记录：{total} 条")
        if archive is None or total == 0:
            return
        archived_pks, digest = self._archive(old, archive)
        self.stdout.write(f"已归档 {len(archived_pks)} 条到 {archive}（SHA-256 {digest}）")
        if not delete:
            return
        deleted = self._delete(archived_pks, cutoff)
        audit.record(
            actor=None, action=AuditEvent.Action.ARCHIVE, target_type=AuditEvent._meta.label_lower,
            target_label="审计记录归档清理",
            changes={"cutoff": cutoff.isoformat(), "archived": len(archived_pks), "deleted": deleted,
                     "archive": archive.name, "sha256": digest, "months": months},
        )
        self.stdout.write(self.style.SUCCESS(f"已删除 {deleted} 条已归档的审计记录。"))

    def _archive(self, rows, path: Path) -> tuple[list[int], str]:
        """Write `rows` as JSON lines to `path` (created, never overwritten), flushed to disk; their pks and hash."""
        pks: list[int] = []
        digest = hashlib.sha256()
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as handle:
            os.chmod(path, 0o600)
            last_pk = 0
            while True:
                batch = list(rows.filter(pk__gt=last_pk)[:BATCH])
                if not batch:
                    break
                text = "".join(
                    json.dumps(row, ensure_ascii=False, default=_exact, sort_keys=True) + "\n"
                    for row in serializers.serialize("python", batch)
                )
                handle.write(text)
                digest.update(text.encode("utf-8"))
                pks.extend(event.pk for event in batch)
                last_pk = batch[-1].pk
            handle.flush()
            os.fsync(handle.fileno())
        return pks, digest.hexdigest()

    def _delete(self, pks: list[int], cutoff: dt.datetime) -> int:
        """Delete exactly the archived rows, a batch per transaction (bypassing the model's append-only guard)."""
        deleted = 0
        for start in range(0, len(pks), BATCH):
            with transaction.atomic():
                # QuerySet.delete() does not call AuditEvent.delete(), which refuses; this command is the one
                # place allowed to remove audit rows, and only rows older than the retention period.
                count, _ = AuditEvent.objects.filter(pk__in=pks[start:start + BATCH], created_at__lt=cutoff).delete()
                deleted += count
        return deleted
