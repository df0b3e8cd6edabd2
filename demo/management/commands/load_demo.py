"""`python manage.py load_demo`: load the demo county (idempotent; `make run` calls it on every start)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.checks import DEMO_PASSWORD
from demo.load import load_demo


class Command(BaseCommand):
    help = "Load the demo county modelled on 乾县 with its demo accounts; only missing rows are written."

    def handle(self, *args, **options):
        # Demo accounts share a published password, so they must never be created outside the demo.
        if not settings.DEMO:
            raise CommandError(
                "load_demo 只能在演示模式下运行：演示账号使用公开的密码，不得进入生产环境。"
                "如确为演示环境，请设置 GONGZHI_DEMO=true。"
            )
        started = time.monotonic()
        created = load_demo()
        elapsed = time.monotonic() - started
        if created:
            summary = "，".join(f"{name} {count}" for name, count in sorted(created.items()))
            self.stdout.write(self.style.SUCCESS(f"演示数据已载入（{elapsed:.1f} 秒）：新建 {summary}。"))
            self.stdout.write(f"演示账号密码：{DEMO_PASSWORD}")
        else:
            self.stdout.write(f"演示数据已是最新，未作改动（{elapsed:.1f} 秒）。")
