"""`python manage.py pii_rotate`: re-encrypt every encrypted personal-data value under the newest key.

Key rotation, step by step (docs/security.md):
1. Put a new key in front of `GONGZHI_PII_KEYS` (new first, old after it) and restart the app servers;
   new values are written under the new key, old ones are still read with the old key.
2. Run this command: it finds every `EncryptedTextField` of every model, and re-encrypts each value not
   yet under the first key, in batches of `--batch-size` rows, each batch in its own transaction with its
   rows locked. Values already under the first key are left alone, so a run that was interrupted is simply
   started again.
3. When it reports that nothing is left under the old keys, remove the old key and restart.

A value that no configured key can decrypt stops the command with an error (a key was removed too early).
"""

from __future__ import annotations

from collections.abc import Iterator

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.db.models.functions import Cast

from core import audit, pii
from core.models import AuditEvent


def encrypted_fields() -> Iterator[tuple[type[models.Model], list[pii.EncryptedTextField]]]:
    """Every concrete model with its encrypted columns, found by field class."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [
            field for field in model._meta.concrete_fields
            if isinstance(field, pii.EncryptedTextField) and field.model is model
        ]
        if fields:
            yield model, fields


class Command(BaseCommand):
    help = "Re-encrypt every encrypted personal-data value under the first key of GONGZHI_PII_KEYS (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction (default 500)")

    def handle(self, *args, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size 必须大于 0")
        if not settings.PII_KEYS:
            raise CommandError("未配置 GONGZHI_PII_KEYS")
        newest = Fernet(settings.PII_KEYS[0].encode("ascii"))
        totals = {"checked": 0, "rotated": 0, "unreadable": 0}
        per_table: dict[str, int] = {}
        tables = set(connection.introspection.table_names())
        for model, fields in encrypted_fields():
            if model._meta.db_table not in tables:
                self.stderr.write(f"跳过 {model._meta.label}：数据表不存在（尚未执行 migrate）")
                continue
            counts = self._rotate_model(model, fields, newest, batch_size)
            for key, value in counts.items():
                totals[key] += value
            per_table[model._meta.label_lower] = counts["rotated"]
            self.stdout.write(
                f"{model._meta.label}（{'、'.join(field.name for field in fields)}）："
                f"检查 {counts['checked']} 个值，重新加密 {counts['rotated']} 个"
            )
        audit.record(
            actor=None, action=AuditEvent.Action.UPDATE, target_type="core.pii", target_label="个人信息密钥轮换",
            changes={"rotated": totals["rotated"], "checked": totals["checked"], "tables": per_table,
                     "keys": len(settings.PII_KEYS)},
            outcome="success" if not totals["unreadable"] else "failure",
        )
        if totals["unreadable"]:
            raise CommandError(
                f"{totals['unreadable']} 个值无法用已配置的任何密钥解密：请恢复被提前移除的旧密钥后重新运行。"
            )
        self.stdout.write(self.style.SUCCESS(
            f"完成：共检查 {totals['checked']} 个值，重新加密 {totals['rotated']} 个；"
            "现在所有个人信息都已使用第一个密钥加密，可以移除旧密钥。"
        ))

    def _rotate_model(
        self, model: type[models.Model], fields: list[pii.EncryptedTextField], newest: Fernet, batch_size: int,
    ) -> dict[str, int]:
        """Walk `model` in primary-key order, one locked batch per transaction."""
        counts = {"checked": 0, "rotated": 0, "unreadable": 0}
        raw = {f"_raw_{field.attname}": Cast(field.attname, output_field=models.TextField()) for field in fields}
        manager = model._base_manager
        last_pk = None
        while True:
            with transaction.atomic():
                batch = manager.order_by("pk")
                if last_pk is not None:
                    batch = batch.filter(pk__gt=last_pk)
                pks = list(batch.values_list("pk", flat=True)[:batch_size])
                if not pks:
                    break
                rows = manager.filter(pk__in=pks).select_for_update().annotate(**raw).values("pk", *raw)
                for row in rows:
                    updates: dict[str, models.Value] = {}
                    for field in fields:
                        token = row[f"_raw_{field.attname}"]
                        if not token:
                            continue
                        counts["checked"] += 1
                        try:
                            newest.decrypt(token.encode("ascii"))
                            continue  # already under the newest key
                        except InvalidToken:
                            pass
                        try:
                            rotated = pii.reencrypt(token)
                        except InvalidToken:
                            counts["unreadable"] += 1
                            continue
                        updates[field.attname] = models.Value(rotated, output_field=models.TextField())
                    if updates:
                        manager.filter(pk=row["pk"]).update(**updates)
                        counts["rotated"] += len(updates)
                last_pk = pks[-1]
        return counts
