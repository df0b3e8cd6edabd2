"""`python manage.py routing_followup`: record the suggestions of cases residents reported.

A case a resident reports (on the web, over the API or the Open311 endpoint) is taken in without
waiting for the routing model and the duplicates search; this command finds the received cases that
have no suggestion yet, records one for each and classifies the confident ones automatically, as the
counter intake does at once. Run it with `--loop` beside the app servers (one process), or from a timer
every minute.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from routing.services import FOLLOWUP_BATCH, routing_followup


class Command(BaseCommand):
    help = "为居民反映的新事项记录分类建议（置信度足够时自动立案）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", action="store_true", help="一直运行，每隔 --interval 秒查看一次")
        parser.add_argument("--interval", type=float, default=2.0, help="循环时两次查看之间的秒数（默认 2）")
        parser.add_argument("--limit", type=int, default=FOLLOWUP_BATCH, help="每次最多处理的事项数")

    def handle(self, *args, **options) -> None:
        if options["interval"] <= 0 or options["limit"] <= 0:
            raise CommandError("--interval 和 --limit 必须大于 0")
        while True:
            report = routing_followup(limit=options["limit"])
            if report.suggested or report.failed or not options["loop"]:
                self.stdout.write(report.summary())
            if not options["loop"]:
                return
            if report.suggested < options["limit"]:
                time.sleep(options["interval"])
