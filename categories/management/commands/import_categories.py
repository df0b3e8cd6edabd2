"""`python manage.py import_categories FILE.xlsx`: import a three-level category list, all or nothing."""

from django.core.management.base import BaseCommand, CommandError

from categories.services import categories_import_xlsx


class Command(BaseCommand):
    help = "Import a category list with 一级分类/二级分类/三级分类 columns; re-importing the same file changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the .xlsx file")

    def handle(self, *args, **options):
        result = categories_import_xlsx(options["file"], actor=None)
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"提示：{warning}"))
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"导入未完成，共 {len(result.errors)} 处问题，未保存任何内容。")
        levels = "，".join(
            f"{label} {result.in_file[level]} 个（新建 {result.created[level]}）"
            for level, label in ((1, "一级"), (2, "二级"), (3, "三级"))
        )
        self.stdout.write(self.style.SUCCESS(f"导入完成：{levels}。"))
