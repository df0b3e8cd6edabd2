"""Importing a three-level category list: the real 附件1.xlsx, re-imports, merged cells and bad files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from categories import selectors, services
from categories.models import Category
from core.models import AuditEvent
from tests.needs import data_file

HEADER = ["一级分类", "二级分类", "三级分类"]

pytestmark = pytest.mark.django_db


def write_xlsx(path: Path, rows: list[list], *, merge: list[str] = ()) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cell_range in merge:
        sheet.merge_cells(cell_range)
    workbook.save(path)
    return path


@pytest.fixture
def real_file() -> Path:
    return data_file("complaints", "附件1.xlsx")


def test_the_real_list_has_15_118_517_categories(real_file, users):
    result = services.categories_import_xlsx(real_file, actor=users["county"])
    assert result.ok, result.errors
    assert result.in_file == {1: 15, 2: 118, 3: 517}
    assert result.created == {1: 15, 2: 118, 3: 517}
    assert [Category.objects.filter(level=level).count() for level in (1, 2, 3)] == [15, 118, 517]
    leaf = selectors.category_by_path("城乡建设", "安全生产", "事故处理")
    assert leaf is not None and leaf.level == 3 and leaf.parent.parent.name == "城乡建设"
    # "其他" recurs under many parents; each is its own category.
    assert Category.objects.filter(name="其他", level=3).count() > 1
    row = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT, target_type="categories.category")
    assert row.actor == users["county"]
    assert row.changes["created"] == {"1": 15, "2": 118, "3": 517}


def test_importing_the_real_list_twice_changes_nothing(real_file):
    services.categories_import_xlsx(real_file, actor=None)
    before = list(Category.objects.order_by("pk").values_list("pk", "code", "name", "parent_id"))
    again = services.categories_import_xlsx(real_file, actor=None)
    assert again.ok
    assert again.created == {1: 0, 2: 0, 3: 0}
    assert again.unchanged_total == 15 + 118 + 517
    assert list(Category.objects.order_by("pk").values_list("pk", "code", "name", "parent_id")) == before


def test_the_command_reads_the_real_list(real_file):
    out = io.StringIO()
    call_command("import_categories", str(real_file), stdout=out)
    assert "一级 15 个" in out.getvalue() and "三级 517 个" in out.getvalue()


def test_merged_parent_cells_count_for_every_row_they_cover(tmp_path):
    path = write_xlsx(tmp_path / "merged.xlsx", [
        HEADER,
        ["交通运输", "公共交通", "公交线路"],
        [None, None, "出租车"],
        [None, "道路运输", "客运"],
    ], merge=["A2:A4", "B2:B3"])
    result = services.categories_import_xlsx(path, actor=None)
    assert result.ok, result.errors
    assert result.in_file == {1: 1, 2: 2, 3: 3}
    assert selectors.category_by_path("交通运输", "公共交通", "出租车") is not None
    assert selectors.category_by_path("交通运输", "道路运输", "客运") is not None


def test_leading_blanks_repeat_the_row_above_and_a_title_row_is_skipped(tmp_path):
    path = write_xlsx(tmp_path / "blanks.xlsx", [
        ["某市问题分类表"],
        HEADER,
        ["民政", "社会救助", "低保"],
        ["", "", "临时救助"],
        ["", "养老服务", ""],
    ])
    result = services.categories_import_xlsx(path, actor=None)
    assert result.ok, result.errors
    assert result.in_file == {1: 1, 2: 2, 3: 2}


def test_an_import_adds_to_branches_that_already_exist(tmp_path):
    root = services.category_create(actor=None, name="教育文体")
    path = write_xlsx(tmp_path / "add.xlsx", [HEADER, ["教育文体", "体育", "体育场馆"]])
    result = services.categories_import_xlsx(path, actor=None)
    assert result.created == {1: 0, 2: 1, 3: 1}
    assert selectors.category_by_path("教育文体", "体育", "体育场馆").parent.parent == root


def test_a_bad_file_reports_every_bad_row_and_stores_nothing(tmp_path):
    path = write_xlsx(tmp_path / "bad.xlsx", [
        HEADER,
        [None, "无一级", "三级"],  # row 2: nothing above to repeat
        ["城乡建设", None, "缺二级"],  # row 3: gap between first and third level
        ["城乡建设", "名" * 101, "正常"],  # row 4: name too long
        ["城乡建设", "安全生产", "事故\n处理"],  # row 5: line break inside a name
        ["城乡建设", "安全生产", "安全隐患"],  # row 6: fine
    ])
    result = services.categories_import_xlsx(path, actor=None)
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "一级分类"), (3, "二级分类"), (4, "二级分类"), (5, "三级分类"),
    ]
    assert "上一行" in result.errors[0].reason
    assert "100" in result.errors[2].reason
    assert all(e.reason for e in result.errors)
    assert str(result.errors[1]).startswith("第 3 行 二级分类：")
    assert not Category.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).exists()


def test_the_command_prints_every_bad_row_and_fails(tmp_path):
    path = write_xlsx(tmp_path / "bad.xlsx", [HEADER, [None, "无一级", "三级"], ["城乡建设", None, "缺二级"]])
    err = io.StringIO()
    with pytest.raises(CommandError, match="共 2 处问题"):
        call_command("import_categories", str(path), stderr=err)
    assert "第 2 行 一级分类" in err.getvalue() and "第 3 行 二级分类" in err.getvalue()
    assert not Category.objects.exists()


def test_a_repeated_row_is_a_warning_not_an_error(tmp_path):
    path = write_xlsx(tmp_path / "dup.xlsx", [HEADER, ["民政", "社会救助", "低保"], ["民政", "社会救助", "低保"]])
    result = services.categories_import_xlsx(path, actor=None)
    assert result.ok
    assert [(w.row, w.reason) for w in result.warnings] == [(3, "与第 2 行重复，已忽略")]
    assert Category.objects.count() == 3


@pytest.mark.parametrize("content, reason", [
    (b"not a spreadsheet", "不是有效的 Excel"),
    (b"", "空的"),
])
def test_a_file_that_is_not_xlsx_is_refused_whole(tmp_path, content, reason):
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    result = services.categories_import_xlsx(path, actor=None)
    assert not result.ok and reason in result.errors[0].reason
    assert result.errors[0].row == 0


def test_a_sheet_without_the_level_headers_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "nohead.xlsx", [["名称", "说明"], ["民政", "x"]])
    result = services.categories_import_xlsx(path, actor=None)
    assert not result.ok and "表头" in result.errors[0].reason


def test_the_importer_accepts_an_uploaded_file_object(tmp_path):
    path = write_xlsx(tmp_path / "up.xlsx", [HEADER, ["民政", "社会救助", "低保"]])
    with path.open("rb") as handle:
        result = services.categories_import_xlsx(handle, actor=None)
    assert result.ok and result.created_total == 3


def test_a_name_hiding_a_direction_override_or_a_joiner_is_reported_not_imported(tmp_path):
    # A right-to-left override turns "水管漏水" into what reads as another name on screen; a word joiner
    # makes two names that look alike differ. Both are reported with their row, and nothing is stored.
    path = write_xlsx(tmp_path / "hidden.xlsx", [
        HEADER,
        ["城乡建设", "供水", "水管\u202e漏水"],
        ["城乡建设", "供水", "停\u2060水"],
        ["城乡建设", "供水", "水压低"],
    ])
    result = services.categories_import_xlsx(path, actor=None)
    assert [(e.row, e.column) for e in result.errors] == [(2, "三级分类"), (3, "三级分类")]
    assert all("不可见字符" in e.reason for e in result.errors)
    assert not Category.objects.exists()
