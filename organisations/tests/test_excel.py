"""The spreadsheet rules without HTTP: reading cells, finding the header, checking values, writing files."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from core.validators import id_number_check_char, id_number_error
from organisations import excel, services
from organisations.models import PartyMember

ROSTER_HEADERS = [column.header for column in excel.ROSTER_COLUMNS]


def id_number(index: int) -> str:
    """A valid ID number, different for every index (birth date and sequence vary)."""
    born = dt.date(1960, 1, 1) + dt.timedelta(days=index // 900)
    body = f"610424{born:%Y%m%d}{index % 900 + 100:03d}"
    return body + id_number_check_char(body)


def xlsx_bytes(headers: list[str], rows: list[list], *, note: str | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if note is not None:
        sheet.append([note])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster_row(index: int, *, branch: str = "东街社区党委", community: str = "610424001001",
               grid: str = "610424001001001") -> list:
    return [f"党员{index}", "男" if index % 2 else "女", id_number(index), f"138{index:08d}", "东街 1 号楼",
            branch, "2010-07-01", community, "2024-03-15", grid, "否", ""]


def test_generated_id_numbers_are_distinct_and_valid():
    numbers = {id_number(i) for i in range(5000)}
    assert len(numbers) == 5000
    assert all(id_number_error(number) is None for number in numbers)


def test_cells_become_text_dates_and_flags():
    assert excel.cell_text(13800001111.0) == "13800001111"
    assert excel.cell_text("  张三 ") == "张三"
    assert excel.parse_date(dt.datetime(2024, 3, 15, 0, 0)) == dt.date(2024, 3, 15)
    for text in ("2024-03-15", "2024/3/15", "2024.03.15", "2024年3月15日", "20240315"):
        assert excel.parse_date(text) == dt.date(2024, 3, 15)
    with pytest.raises(ValueError):
        excel.parse_date("2024-02-30")
    with pytest.raises(ValueError):
        excel.parse_date("去年")
    assert excel.parse_yes_no("是") is True and excel.parse_yes_no("否") is False
    with pytest.raises(ValueError):
        excel.parse_yes_no("Y")


def test_phone_and_credit_code_checks():
    assert excel.phone_error("13800001111") is None
    assert excel.phone_error("029-35512345") is None
    assert excel.phone_error("1380000") is not None
    body = "91610424MA6XA0001"
    check = next(c for c in excel._CREDIT_CODE_CHARS if excel.credit_code_error(body + c) is None)
    assert excel.credit_code_error(body + check) is None
    wrong = next(c for c in excel._CREDIT_CODE_CHARS if c != check)
    assert "校验位" in excel.credit_code_error(body + wrong)
    assert excel.credit_code_error("123") == "统一社会信用代码应为 18 位"


def test_header_is_found_below_a_note_row_and_rows_keep_excel_numbers():
    data = xlsx_bytes(ROSTER_HEADERS, [roster_row(1), [None] * 12, roster_row(2)], note="党员名册　导出人：x")
    rows = excel.read_rows(data, excel.ROSTER_COLUMNS)
    assert [number for number, _ in rows] == [3, 5]
    assert rows[0][1]["name"] == "党员1"


def test_headers_match_in_any_order_and_with_hints_in_brackets():
    headers = ["身份证号", "* 姓名", "所在党组织", "性别(男/女)", "备注"]
    rows = excel.read_rows(xlsx_bytes(headers, [[id_number(1), "张三", "东街社区党委", "男", "x"]]),
                           excel.ROSTER_COLUMNS)
    assert rows == [(2, {"id_number": id_number(1), "name": "张三", "branch": "东街社区党委", "gender": "男"})]


def test_files_that_are_not_usable_spreadsheets_are_refused(settings):
    with pytest.raises(excel.ImportFileError, match="不是有效的 Excel"):
        excel.read_rows("姓名,身份证号\n".encode(), excel.ROSTER_COLUMNS)
    with pytest.raises(excel.ImportFileError, match=".xls"):
        excel.read_rows(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, excel.ROSTER_COLUMNS)
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(excel.ImportFileError, match="不是有效的 Excel"):
        excel.read_rows(other_zip.getvalue(), excel.ROSTER_COLUMNS)
    with pytest.raises(excel.ImportFileError, match="没有数据行"):
        excel.read_rows(xlsx_bytes(ROSTER_HEADERS, []), excel.ROSTER_COLUMNS)
    with pytest.raises(excel.ImportFileError, match="未找到表头行"):
        excel.read_rows(xlsx_bytes(["甲", "乙"], [["1", "2"]]), excel.ROSTER_COLUMNS)
    settings.IMPORT_MAX_BYTES = 1000
    with pytest.raises(excel.ImportFileError, match="大小限制"):
        excel.read_rows(xlsx_bytes(ROSTER_HEADERS, [roster_row(1)]), excel.ROSTER_COLUMNS)


def test_the_template_has_the_header_row_a_guide_and_no_data_rows():
    content = excel.write_template(excel.ROSTER_COLUMNS, title="党员名册", note=excel.ROSTER_NOTE)
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["党员名册"]
    assert [excel._header_key(c.value) for c in sheet[2]] == ROSTER_HEADERS
    assert sheet["C2"].comment is not None
    assert sheet.max_row == 2
    guide = workbook["填写说明"]
    assert any(row[0] == "张三" for row in guide.iter_rows(values_only=True))
    with pytest.raises(excel.ImportFileError, match="没有数据行"):
        excel.read_rows(content, excel.ROSTER_COLUMNS)


def test_every_bad_row_is_reported_with_its_column(tree, users):
    rows = [
        roster_row(1),
        ["", "男", id_number(2), "138", "", "东街社区党委", "2010-13-01", "", "", "", "也许", ""],
        ["王五", "未知", id_number(1), "", "", "不存在的支部", "", "610424001001", "", "610424001002001", "", ""],
        ["赵六", "女", id_number(4)[:-1] + ("0" if id_number(4)[-1] != "0" else "1"), "", "", "东街社区党委",
         "", "610424002001", "2024-01-01", "", "", ""],
    ]
    parsed = [(number, dict(zip([c.key for c in excel.ROSTER_COLUMNS], row, strict=True)))
              for number, row in enumerate(rows, start=2)]
    plans, errors = excel.plan_party_members(actor=users["community"], rows=parsed)
    found = {(e.row, e.column) for e in errors}
    assert {(3, "姓名"), (3, "联系电话"), (3, "入党日期"), (3, "党员中心户")} <= found
    assert {(4, "性别"), (4, "身份证号"), (4, "所在党组织"), (4, "报到日期"), (4, "网格编码")} <= found
    assert {(5, "身份证号"), (5, "报到社区编码")} <= found
    assert next(e.reason for e in errors if e.row == 4 and e.column == "身份证号") == "身份证号与第 2 行重复"
    assert "校验位" in next(e.reason for e in errors if e.row == 5 and e.column == "身份证号")
    assert not any(e.row == 2 for e in errors)


def test_validating_five_thousand_rows_is_fast_and_takes_a_fixed_number_of_queries(
    tree, users, django_assert_max_num_queries
):
    rows = [(i + 2, dict(zip([c.key for c in excel.ROSTER_COLUMNS], roster_row(i), strict=True)))
            for i in range(5000)]
    started = time.monotonic()
    with django_assert_max_num_queries(12):
        plans, errors = excel.plan_party_members(actor=users["community"], rows=rows)
    assert errors == []
    assert len(plans) == 5000
    assert time.monotonic() - started < 20


def test_roster_export_masks_personal_data_and_reads_back(tree, users):
    member = PartyMember.objects.select_related("person", "branch", "registered_community", "grid").get()
    services.party_member_update(actor=None, member=member, values={"skills": "法律咨询", "is_central_household": True,
                                                                    "joined_on": dt.date(2001, 7, 1)})
    when = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
    content = excel.write_party_members([member], exported_by="社区甲（community）", exported_at=when)
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    assert "社区甲（community）" in sheet["A1"].value and "2026-11-02 17:30" in sheet["A1"].value
    assert workbook.properties.creator == "社区甲（community）"
    row = [cell.value for cell in sheet[3]]
    assert row[2] == "610424********1234" and row[3] == "138****1111"
    [(number, values)] = excel.read_rows(content, excel.ROSTER_COLUMNS)
    assert number == 3
    assert excel.parse_date(values["joined_on"]) == dt.date(2001, 7, 1)
    assert (values["branch"], values["community"], values["grid"]) == (
        "县住建局机关党支部", "610424001001", "610424001001001")
    assert excel.parse_yes_no(values["central_household"]) is True
    assert values["skills"] == "法律咨询"


def test_the_examples_shown_to_users_are_themselves_valid(tree, users):
    example = [(3, {column.key: column.example for column in excel.ROSTER_COLUMNS})]
    plans, errors = excel.plan_party_members(actor=users["community"], rows=example)
    assert errors == [] and len(plans) == 1


def test_an_id_number_typed_as_a_number_gets_its_own_explanation(tree, users):
    row = dict(zip([c.key for c in excel.ROSTER_COLUMNS], roster_row(1), strict=True))
    row["id_number"] = 610424199001011234
    _, errors = excel.plan_party_members(actor=users["community"], rows=[(2, row)])
    assert [(e.column, "文本格式" in e.reason) for e in errors] == [("身份证号", True)]
