"""`python manage.py load_default_categories`: the project's default county category tree (idempotent)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from categories.services import categories_load_defaults


class Command(BaseCommand):
    help = (
        "Load the default category tree by function and link the responsible departments that exist. "
        "Existing categories are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--departments", metavar="FILE.json",
            help='Mapping of category to department names, e.g. {"市容环境": ["县城管局"], "市容环境/油烟噪声": '
                 '["生态环境分局", "县城管局"]}; lead first. Replaces the demo county\'s mapping.',
        )
        parser.add_argument(
            "--map", action="append", default=[], metavar="CATEGORY=NAME[,NAME…]",
            help="One mapping entry (repeatable); combined with --departments.",
        )
        parser.add_argument("--no-departments", action="store_true", help="Load the categories only.")

    def handle(self, *args, **options):
        mapping = self._mapping(options)
        result = categories_load_defaults(actor=None, departments=mapping)
        self.stdout.write(self.style.SUCCESS(f"问题分类：新建 {result.created} 个，已存在 {result.existing} 个。"))
        for line in result.linked:
            self.stdout.write(f"  指定责任单位：{line}")
        if result.missing:
            self.stdout.write(self.style.WARNING("未找到、未关联：" + "、".join(result.missing)))
        if result.ambiguous:
            self.stdout.write(self.style.WARNING("存在多个同名单位、未关联：" + "、".join(result.ambiguous)))

    def _mapping(self, options) -> dict[str, list[str]] | None:
        if options["no_departments"]:
            return {}
        mapping: dict[str, list[str]] = {}
        if options["departments"]:
            try:
                raw = json.loads(Path(options["departments"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"无法读取责任单位对照表：{exc}") from exc
            if not isinstance(raw, dict):
                raise CommandError("责任单位对照表应为 JSON 对象：{\"分类\": [\"单位名称\", …]}")
            mapping.update({key: [value] if isinstance(value, str) else list(value) for key, value in raw.items()})
        for entry in options["map"]:
            key, sep, names = entry.partition("=")
            if not sep or not key.strip() or not names.strip():
                raise CommandError(f"--map 的格式应为 分类=单位名称[,单位名称]：{entry}")
            mapping[key.strip()] = [name.strip() for name in names.replace("，", ",").split(",") if name.strip()]
        return mapping or None
