"""Import and export through the pages, with real .xlsx files uploaded by the test client."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from conftest import PASSWORD
from core.models import AuditEvent
from organisations import excel
from organisations.models import Organisation, PartyMember, Person
from organisations.tests.test_excel import ROSTER_HEADERS, id_number, roster_row

ORGANISATION_HEADERS = [column.header for column in excel.ORGANISATION_COLUMNS]
IMPORT_URL = "organisations:party_members_import"
ORG_IMPORT_URL = "organisations:organisations_import"


def write_xlsx(path: Path, headers: list[str], rows: list[list]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def login(client, users, name: str):
    assert client.login(username=users[name].username, password=PASSWORD)
    return client


def upload(client, url_name: str, path: Path):
    with path.open("rb") as handle:
        return client.post(reverse(url_name), {"file": handle})


def counts() -> tuple[int, int, int, int]:
    # Refused requests write `denied` rows (core.denials); what is counted here is what an import writes.
    changes = AuditEvent.objects.exclude(action=AuditEvent.Action.DENIED)
    return Person.objects.count(), PartyMember.objects.count(), Organisation.objects.count(), changes.count()


def errors_of(response) -> set[tuple[int, str]]:
    return {(error.row, error.column) for error in response.context["result"].errors}


def sheet_rows(response) -> list[list]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return [list(row) for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


# --- roster import ---------------------------------------------------------------------------------


def bad_roster(tmp_path: Path) -> Path:
    rows = [
        roster_row(1),
        ["", "男", id_number(2), "12345", "", "东街社区党委", "2010-07-01", "", "", "", "否", ""],
        ["王五", "男", id_number(1), "", "", "东街社区党委", "", "", "", "", "否", ""],
        ["赵六", "女", id_number(4)[:17] + ("0" if id_number(4)[17] != "0" else "1"), "", "", "东街社区党委", "",
         "", "", "", "否", ""],
        ["钱七", "女", id_number(5), "", "", "没有这个支部", "2010-07-01", "", "", "", "否", ""],
        ["孙八", "男", id_number(6), "", "", "东街社区党委", "2010-07-01", "610424001002", "2024-01-01",
         "610424001002001", "否", ""],
        ["周九", "男", id_number(7), "", "", "东街社区党委", "2010/7/1", "610424001001", "2024-01-01",
         "610424001002001", "否", ""],
        ["吴十", "男", id_number(8), "", "", "东街社区党委", "明年", "", "", "", "可能", ""],
    ]
    return write_xlsx(tmp_path / "名册-有错.xlsx", ROSTER_HEADERS, rows)


def good_roster(tmp_path: Path, size: int = 8, name: str = "名册.xlsx") -> Path:
    rows = [roster_row(i, grid="610424001001002" if i % 2 else "610424001001001") for i in range(1, size + 1)]
    return write_xlsx(tmp_path / name, ROSTER_HEADERS, rows)


def test_a_file_with_bad_rows_reports_every_one_and_stores_nothing(client, users, tmp_path):
    login(client, users, "community")
    before = counts()
    response = upload(client, IMPORT_URL, bad_roster(tmp_path))
    assert response.status_code == 200
    assert counts() == before
    found = errors_of(response)
    assert {(3, "姓名"), (3, "联系电话")} <= found
    assert (4, "身份证号") in found  # duplicate of row 2
    assert (5, "身份证号") in found  # wrong check digit
    assert (6, "所在党组织") in found
    assert (7, "报到社区编码") in found and (7, "网格编码") in found  # another community's codes
    assert (8, "网格编码") in found  # grid of the west community under the east community
    assert (9, "入党日期") in found and (9, "党员中心户") in found
    assert not any(row == 2 for row, _ in found)
    page = response.content.decode()
    assert "未导入" in page and "第 4 行" in page and "身份证号与第 2 行重复" in page
    assert "校验位" in page
    assert "名册-有错.xlsx" in page
    assert 'type="file"' in page and "Excel 文件（.xlsx）" in page


def test_the_fixed_file_imports_every_row_and_a_second_import_changes_nothing(client, users, tmp_path):
    login(client, users, "community")
    path = good_roster(tmp_path)
    people, members, _, _ = counts()
    response = upload(client, IMPORT_URL, path)
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.created, result.updated, result.unchanged) == (8, 0, 0)
    assert (Person.objects.count(), PartyMember.objects.count()) == (people + 8, members + 8)
    imported = AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).get()
    assert imported.changes == {"file": "名册.xlsx", "created": 8, "updated": 0, "unchanged": 0}
    assert imported.actor == users["community"]
    member = PartyMember.objects.get(person__id_number_hash=Person.objects.get(name="党员1").id_number_hash)
    assert member.person.phone == "13800000001"
    assert member.registered_community.code == "610424001001" and member.grid.code == "610424001001002"
    assert "导入完成" in response.content.decode()

    after_first = counts()
    writes = AuditEvent.objects.filter(action__in=[AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE]).count()
    response = upload(client, IMPORT_URL, path)
    result = response.context["result"]
    assert (result.created, result.updated, result.unchanged) == (0, 0, 8)
    assert counts()[:3] == after_first[:3]
    assert AuditEvent.objects.filter(action__in=[AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE]).count() == writes


def test_changed_rows_are_updated_and_blank_cells_keep_what_is_on_file(client, users, tmp_path):
    login(client, users, "community")
    upload(client, IMPORT_URL, good_roster(tmp_path))
    rows = [roster_row(i, grid="610424001001002" if i % 2 else "610424001001001") for i in range(1, 9)]
    rows[0][11] = "法律咨询"
    rows[1][3] = ""  # a blank phone does not erase the one on file
    response = upload(client, IMPORT_URL, write_xlsx(tmp_path / "改.xlsx", ROSTER_HEADERS, rows))
    result = response.context["result"]
    assert (result.created, result.updated, result.unchanged) == (0, 1, 7)
    assert Person.objects.get(name="党员1").party_member.skills == "法律咨询"
    assert Person.objects.get(name="党员2").phone == "13800000002"


def test_another_communitys_rows_are_out_of_scope(client, users, tmp_path):
    login(client, users, "community2")
    before = counts()
    response = upload(client, IMPORT_URL, good_roster(tmp_path, size=3))
    assert response.status_code == 200
    assert counts() == before
    for row in (2, 3, 4):
        assert {(row, "所在党组织"), (row, "报到社区编码"), (row, "网格编码")} <= errors_of(response)
    assert "不在您的管理范围内" in response.content.decode()


def test_a_member_of_another_community_cannot_be_changed_through_an_import(client, users, tree, tmp_path):
    login(client, users, "community")
    upload(client, IMPORT_URL, good_roster(tmp_path, size=1))
    client.logout()
    login(client, users, "community2")
    row = roster_row(1, branch="西街社区党委", community="610424001002", grid="610424001002001")
    response = upload(client, IMPORT_URL, write_xlsx(tmp_path / "west.xlsx", ROSTER_HEADERS, [row]))
    assert (2, "身份证号") in errors_of(response)
    assert Person.objects.get(name="党员1").party_member.branch == tree.east_party


@pytest.mark.parametrize("name", ["grid", "dept", "member", "resident"])
def test_only_managers_may_import(client, users, tmp_path, name):
    login(client, users, name)
    before = counts()
    for url_name in (IMPORT_URL, ORG_IMPORT_URL):
        assert client.get(reverse(url_name)).status_code in (403, 404)
        assert upload(client, url_name, good_roster(tmp_path, size=1)).status_code in (403, 404)
    assert counts() == before


def test_the_import_page_needs_a_login(client):
    response = client.get(reverse(IMPORT_URL))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_upload_page_has_a_labelled_file_input_and_the_progress_script(client, users):
    login(client, users, "community")
    page = client.get(reverse(IMPORT_URL)).content.decode()
    assert '<label for="id_file">' in page and 'type="file"' in page
    assert "data-import-form" in page and "<progress" in page and 'aria-live="polite"' in page
    assert "js/import.js" in page
    assert "<script>" not in page and "<script>\n" not in page
    assert reverse("organisations:party_members_template") in page


def test_content_that_is_not_xlsx_is_refused_whatever_its_name(client, users, tmp_path, settings):
    login(client, users, "community")
    before = counts()
    fake = tmp_path / "名册.xlsx"
    fake.write_text("姓名,身份证号\n张三,610424199001011234\n", encoding="utf-8")
    response = upload(client, IMPORT_URL, fake)
    assert response.status_code == 200
    assert "不是有效的 Excel" in response.content.decode()

    empty = write_xlsx(tmp_path / "空.xlsx", ROSTER_HEADERS, [])
    assert "没有数据行" in upload(client, IMPORT_URL, empty).content.decode()

    settings.IMPORT_MAX_BYTES = 2000
    big = good_roster(tmp_path, size=50, name="大.xlsx")
    assert "大小限制" in upload(client, IMPORT_URL, big).content.decode()
    assert counts() == before


def test_the_template_downloads_with_the_header_row(client, users):
    login(client, users, "community")
    response = client.get(reverse("organisations:party_members_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = sheet_rows(response)
    assert [excel._header_key(value) for value in rows[1]] == ROSTER_HEADERS


def test_reimporting_costs_the_same_number_of_queries_for_50_and_500_rows(
    client, users, tmp_path, django_assert_max_num_queries
):
    login(client, users, "community")
    small = good_roster(tmp_path, size=50, name="50.xlsx")
    # A first import writes each row through the services: a fixed number of queries per row.
    with django_assert_max_num_queries(20 * 50 + 40):
        assert upload(client, IMPORT_URL, small).context["result"].created == 50
    large = good_roster(tmp_path, size=500, name="500.xlsx")
    assert upload(client, IMPORT_URL, large).context["result"].created == 450
    # Checking every row (and finding nothing to change) takes the same few queries at any size.
    for path, size in ((small, 50), (large, 500)):
        with django_assert_max_num_queries(30):
            assert upload(client, IMPORT_URL, path).context["result"].unchanged == size


# --- roster export ---------------------------------------------------------------------------------


def test_the_export_holds_the_visible_rows_masked_and_is_audited(client, users, tmp_path):
    login(client, users, "community")
    upload(client, IMPORT_URL, good_roster(tmp_path, size=3))
    client.logout()
    login(client, users, "community2")
    west = roster_row(9, branch="西街社区党委", community="610424001002", grid="610424001002001")
    assert upload(client, IMPORT_URL, write_xlsx(tmp_path / "w.xlsx", ROSTER_HEADERS, [west])).status_code == 200
    client.logout()

    login(client, users, "community")
    response = client.get(reverse("organisations:party_members_export"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = sheet_rows(response)
    assert "community" in rows[0][0] and "导出时间" in rows[0][0]
    assert rows[1] == ROSTER_HEADERS
    names = sorted(row[0] for row in rows[2:])
    assert names == ["党员1", "党员2", "党员3", "党员甲"]
    phones = {row[0]: row[3] for row in rows[2:]}
    assert phones["党员1"] == "138****0001" and phones["党员甲"] == "138****1111"
    assert all("*" in row[2] for row in rows[2:])
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).get()
    assert event.actor == users["community"] and event.changes["rows"] == 4


def test_the_export_follows_the_roster_filters(client, users, tmp_path):
    login(client, users, "community")
    upload(client, IMPORT_URL, good_roster(tmp_path, size=4))
    response = client.get(reverse("organisations:party_members_export"), {"grid": "610424001001002", "q": "党员"})
    assert sorted(row[0] for row in sheet_rows(response)[2:]) == ["党员1", "党员3"]


def test_the_export_reads_back_with_the_same_non_personal_columns(client, users, tmp_path):
    login(client, users, "community")
    upload(client, IMPORT_URL, good_roster(tmp_path, size=3))
    response = client.get(reverse("organisations:party_members_export"))
    content = response.content
    exported = {values["name"]: values for _, values in excel.read_rows(content, excel.ROSTER_COLUMNS)}
    for member in PartyMember.objects.select_related("person", "branch", "registered_community", "grid"):
        values = exported[member.person.name]
        assert values["branch"] == member.branch.name
        for key in ("joined_on", "registered_on"):
            assert (excel.parse_date(values[key]) if values[key] else None) == getattr(member, key)
        assert values["community"] == member.registered_community.code
        assert values["grid"] == member.grid.code
        assert excel.parse_yes_no(values["central_household"]) == member.is_central_household
        assert (values["skills"] or "") == member.skills
        assert (values["gender"] or "") == member.person.get_gender_display()


@pytest.mark.parametrize("name", ["member", "resident"])
def test_members_and_residents_cannot_export(client, users, name):
    login(client, users, name)
    assert client.get(reverse("organisations:party_members_export")).status_code in (403, 404)
    assert client.get(reverse("organisations:organisations_export")).status_code in (403, 404)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


# --- organisations ---------------------------------------------------------------------------------


def org_row(name: str, kind: str = "物业企业", region: str = "610424001001", parent: str = "",
            credit: str = "", address: str = "") -> list:
    return [name, kind, region, parent, credit, address]


def test_organisations_import_reports_every_bad_row_then_imports_and_is_idempotent(client, users, tmp_path):
    login(client, users, "community")
    bad = write_xlsx(tmp_path / "组织-有错.xlsx", ORGANISATION_HEADERS, [
        org_row("东街第一网格党小组", "网格(楼栋)党小组", parent="东街社区党委"),
        org_row("", "物业企业"),
        org_row("某公司", "公司"),
        org_row("西边的物业", region="610424001002"),
        org_row("楼栋党小组", "网格（楼栋）党小组", parent="后面才出现的组织"),
        org_row("后面才出现的组织", "社会组织"),
        org_row("东街第一网格党小组", "网格（楼栋）党小组"),
        org_row("信用代码错的企业", "两新组织（新经济组织）", credit="123"),
    ])
    before = counts()
    response = upload(client, ORG_IMPORT_URL, bad)
    assert response.status_code == 200
    assert counts() == before
    assert {(3, "名称"), (4, "类型"), (5, "所在区域编码"), (6, "上级组织"), (8, "名称"), (9, "统一社会信用代码")} <= (
        errors_of(response))
    assert not any(row in (2, 7) for row, _ in errors_of(response))

    good = write_xlsx(tmp_path / "组织.xlsx", ORGANISATION_HEADERS, [
        org_row("东街第一网格党小组", "网格（楼栋）党小组", region="610424001001001", parent="东街社区党委"),
        org_row("后面才出现的组织", "社会组织"),
        org_row("楼栋党小组", "网格（楼栋）党小组", region="610424001001001", parent="东街第一网格党小组"),
        org_row("安居物业公司", "物业企业", address="东街 18 号"),
    ])
    response = upload(client, ORG_IMPORT_URL, good)
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.created, result.updated, result.unchanged) == (3, 1, 0)
    group = Organisation.objects.get(name="楼栋党小组")
    assert group.parent.name == "东街第一网格党小组" and group.region.code == "610424001001001"
    assert group.kind == Organisation.Kind.GRID_PARTY_GROUP
    assert Organisation.objects.get(name="安居物业公司").address == "东街 18 号"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT, target_type="organisations.organisation").count()

    after = counts()
    result = upload(client, ORG_IMPORT_URL, good).context["result"]
    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    assert counts()[:3] == after[:3]
    assert AuditEvent.objects.count() == after[3] + 1  # the import summary only


def test_organisations_outside_the_scope_are_refused(client, users, tmp_path):
    login(client, users, "community2")
    path = write_xlsx(tmp_path / "o.xlsx", ORGANISATION_HEADERS, [org_row("东街新物业")])
    response = upload(client, ORG_IMPORT_URL, path)
    assert (2, "所在区域编码") in errors_of(response)
    assert not Organisation.objects.filter(name="东街新物业").exists()


def test_organisations_export_is_scoped_audited_and_imports_back_unchanged(client, users, tmp_path):
    login(client, users, "community")
    response = client.get(reverse("organisations:organisations_export"))
    assert response.status_code == 200
    rows = sheet_rows(response)
    assert rows[1] == ORGANISATION_HEADERS
    assert sorted(row[0] for row in rows[2:]) == ["东街社区党委", "安居物业公司"]
    assert {row[1] for row in rows[2:]} == {"社区党组织", "物业企业"}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, target_type="organisations.organisation").exists()

    exported = tmp_path / "导出.xlsx"
    exported.write_bytes(response.content)
    result = upload(client, ORG_IMPORT_URL, exported).context["result"]
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_the_organisations_import_page_answers_managers(client, users):
    login(client, users, "street")
    page = client.get(reverse(ORG_IMPORT_URL))
    assert page.status_code == 200
    assert "导入组织" in page.content.decode()
    template = client.get(reverse("organisations:organisations_template"))
    assert [excel._header_key(value) for value in sheet_rows(template)[1]] == ORGANISATION_HEADERS
