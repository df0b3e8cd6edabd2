"""`python manage.py open311_key create NAME | revoke NAME | list`: the API keys of Open311 clients."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from open311.models import ApiKey
from open311.services import ApiKeyRefused, api_key_create, api_key_revoke


class Command(BaseCommand):
    help = "签发、吊销和列出 Open311 客户端的 api_key。密钥只在签发时显示一次，库中只存摘要。"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="为一个客户端系统签发新密钥")
        create.add_argument("name", help="客户端系统或单位的名称")
        revoke = actions.add_parser("revoke", help="吊销该名称的有效密钥")
        revoke.add_argument("name")
        actions.add_parser("list", help="列出所有密钥（不显示密钥本身）")

    def handle(self, *args, action: str, name: str = "", **options) -> None:
        try:
            if action == "create":
                key, raw = api_key_create(actor=None, name=name)
                self.stdout.write(self.style.SUCCESS(f"已为“{key.name}”签发密钥（只显示这一次，请妥善交给对方）："))
                self.stdout.write(raw)
            elif action == "revoke":
                key = api_key_revoke(actor=None, name=name)
                self.stdout.write(self.style.SUCCESS(f"已吊销“{key.name}”的密钥。"))
            else:
                self._list()
        except ApiKeyRefused as exc:
            raise CommandError(str(exc)) from exc

    def _list(self) -> None:
        keys = ApiKey.objects.order_by("name", "created_at")
        if not keys:
            self.stdout.write("尚未签发任何密钥。")
            return
        for key in keys:
            state = f"已吊销 {timezone.localtime(key.revoked_at):%Y-%m-%d %H:%M}" if key.revoked_at else "有效"
            used = f"{timezone.localtime(key.last_used_at):%Y-%m-%d %H:%M}" if key.last_used_at else "从未使用"
            issued = f"{timezone.localtime(key.created_at):%Y-%m-%d %H:%M}"
            self.stdout.write(f"{key.name}\t{state}\t签发 {issued}\t最近使用 {used}")
