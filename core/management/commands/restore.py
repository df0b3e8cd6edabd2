"""`python manage.py restore INPUT`: replace the database's contents with a backup made by `backup`.

Stop the app servers first: the restore replaces every table. Everything in the backup is checked
before anything is changed; afterwards every table's row count is compared with the backup's manifest.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import audit
from core.models import AuditEvent
from core.security_backup import BackupError, backup_read_manifest, backup_restore


class Command(BaseCommand):
    help = "Restore the database and MEDIA_ROOT from a backup file written by `manage.py backup`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", metavar="INPUT", type=Path, help="the backup file")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help="do not ask for confirmation")
        parser.add_argument("--no-media", action="store_true", help="leave the uploaded files as they are")

    def handle(self, *args, source: Path, interactive: bool, no_media: bool, **options) -> None:
        try:
            manifest = backup_read_manifest(source)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if interactive:
            answer = input_text(
                f"将用 {manifest['created_at']} 的备份（{manifest['engine']}，{len(manifest['tables'])} 张表）"
                "替换当前数据库的全部内容。请先停止应用服务。输入 yes 继续："
            )
            if answer.strip().lower() != "yes":
                raise CommandError("已取消，未做任何改动。")
        try:
            result = backup_restore(source, include_media=not no_media)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        audit.record(
            actor=None, action=AuditEvent.Action.IMPORT, target_type="core.backup", target_label="从备份恢复",
            changes={"file": source.name, "backup_created_at": manifest["created_at"], "tables": result.tables,
                     "rows": result.rows, "media_files": result.media_files},
        )
        self.stdout.write(self.style.SUCCESS(
            f"恢复完成：{result.tables} 张表、{result.rows} 行与备份一致，恢复 {result.media_files} 个上传文件。"
        ))


def input_text(prompt: str) -> str:
    """Ask on the terminal (a function of its own so tests can answer)."""
    return input(prompt)
