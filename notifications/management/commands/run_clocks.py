"""`python manage.py run_clocks`: the periodic job of the case workflow (run it every few minutes).

Announces new case events, reminds bodies of deadlines that are near, escalates deadlines that have
passed and sends queued text messages. Safe to run twice, or twice at once: nothing is sent twice.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications.services import run_clocks


class Command(BaseCommand):
    help = "期限提醒、超期督办与消息通知（可重复运行，不会重复发送）"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--now", help="按此时间运行（ISO 8601，例如 2026-11-05T10:00:00+08:00；不带时区按本地时间）"
        )

    def handle(self, *args, **options) -> None:
        now = self._now(options.get("now"))
        report = run_clocks(now=now)
        self.stdout.write(report.summary())

    @staticmethod
    def _now(raw: str | None) -> dt.datetime:
        if not raw:
            return timezone.now()
        try:
            value = dt.datetime.fromisoformat(raw)
        except ValueError as exc:
            raise CommandError(f"--now 不是有效的时间：{raw}") from exc
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value
