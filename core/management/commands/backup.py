"""`python manage.py backup OUTPUT`: the database and the uploaded files in one file (see core/security_backup.py)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import audit
from core.models import AuditEvent
from core.security_backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database (SQLite or PostgreSQL, natively) and MEDIA_ROOT to OUTPUT, a tar file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("output", type=Path, help="the backup file to write (must not exist)")
        parser.add_argument("--no-media", action="store_true", help="leave the uploaded files out")

    def handle(self, *args, output: Path, no_media: bool, **options) -> None:
        try:
            result = backup_create(output, include_media=not no_media)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        audit.record(
            actor=None, action=AuditEvent.Action.EXPORT, target_type="core.backup", target_label="数据库备份",
            changes={"file": output.name, "sha256": result.sha256, "tables": result.tables, "rows": result.rows,
                     "media_files": result.media_files},
        )
        self.stdout.write(self.style.SUCCESS(
            f"备份完成：{output}（{result.tables} 张表，{result.rows} 行，{result.media_files} 个上传文件；"
            f"SHA-256 {result.sha256}）。备份文件含个人信息的密文，请妥善保管，密钥须另行保存。"
        ))
