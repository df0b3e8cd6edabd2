"""`python manage.py deliver_webhooks`: queue the deliveries of new case events, then send what is due.

Each round first reads the case event log after the webhook cursor (`queue_new_events`), then sends
the due deliveries (`deliver_due`). See `api.webhooks`.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from api.webhooks import deliver_due, queue_new_events


class Command(BaseCommand):
    help = (
        "从事项记录生成推送并发送到期的事项推送（webhook）；失败的推送按指数退避重试。"
        "默认处理一轮后退出，--loop 持续运行。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="持续运行，每隔 --interval 秒处理一轮")
        parser.add_argument("--interval", type=float, default=10.0, help="--loop 时两轮之间的秒数（默认 10）")
        parser.add_argument("--batch", type=int, default=100, help="每轮最多发送多少条（默认 100）")

    def handle(self, *args, loop: bool, interval: float, batch: int, **options) -> None:
        while True:
            queued = queue_new_events()
            report = deliver_due(batch=max(1, batch))
            if queued.deliveries or report.attempted or not loop:
                self.stdout.write(
                    f"推送：新增 {queued.deliveries}，送达 {report.delivered}，待重试 {report.retrying}，"
                    f"放弃 {report.given_up}。"
                )
            if not loop:
                return
            if report.attempted < batch:
                time.sleep(max(0.1, interval))
