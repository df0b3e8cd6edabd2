"""A community worker imports a roster in a real browser, and a worker of another community cannot see it."""

import re

import openpyxl
import pytest
from playwright.sync_api import expect

from core.validators import id_number_check_char
from organisations.models import PartyMember

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = ["姓名", "性别", "身份证号", "联系电话", "家庭住址", "所在党组织", "入党日期", "报到社区编码", "报到日期",
           "网格编码", "党员中心户", "特长"]


def valid_id(first17: str) -> str:
    return first17 + id_number_check_char(first17)


def roster_file(path, rows) -> str:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return str(path)


def member_row(name, id_number, phone):
    return [name, "女", id_number, phone, "东街社区2号楼", "东街社区党委", "2010-07-01", "610424001001", "2025-03-01",
            "610424001001001", "否", "法律咨询"]


def test_import_with_a_bad_row_then_the_fixed_file(page, browser, live_server, users, tree, login, console_errors,
                                                     tmp_path):
    good_id = valid_id("61042419850312002")
    fixed_id = valid_id("61042419900101002")
    bad_id = fixed_id[:-1] + ("1" if fixed_id[-1] != "1" else "2")  # a wrong check character
    bad = roster_file(tmp_path / "名册.xlsx", [
        member_row("李秀兰", good_id, "13912345678"),
        member_row("王建国", bad_id, "13812345678"),
    ])

    login(page, "community")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="区域网格").click()
    expect(page.get_by_role("heading", name="区域网格")).to_be_visible()
    expect(page.get_by_role("link", name="东街社区", exact=True)).to_be_visible()
    page.get_by_text("下级区域").first.click()
    expect(page.get_by_role("link", name="东街一网格")).to_be_visible()

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="党员名册").click()
    page.get_by_role("link", name="导入名册").click()
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(bad)
    page.get_by_role("button", name="校验并导入").click()
    errors = page.get_by_role("table").first
    expect(page.get_by_role("heading", name=re.compile("未导入"))).to_be_visible()
    expect(errors).to_contain_text("第 3 行")
    expect(errors).to_contain_text("身份证号")
    assert PartyMember.objects.filter(person__name__in=["李秀兰", "王建国"]).count() == 0

    fixed = roster_file(tmp_path / "名册-修改.xlsx", [
        member_row("李秀兰", good_id, "13912345678"),
        member_row("王建国", fixed_id, "13812345678"),
    ])
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(fixed)
    page.get_by_role("button", name="校验并导入").click()
    expect(page.get_by_role("heading", name="导入完成")).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("2 条")

    page.goto(f"{live_server.url}/organisations/party-members/")
    table = page.get_by_role("table")
    expect(table).to_contain_text("李秀兰")
    expect(table).to_contain_text("王建国")
    expect(table).to_contain_text("139****5678")
    expect(table).not_to_contain_text("13912345678")
    assert console_errors == []
    member_url = page.get_by_role("link", name="李秀兰", exact=True).get_attribute("href")

    other = browser.new_context().new_page()
    login(other, "community2")
    other.goto(f"{live_server.url}/organisations/party-members/")
    expect(other.get_by_role("heading", name="党员名册")).to_be_visible()
    expect(other.get_by_role("main")).not_to_contain_text("李秀兰")
    response = other.goto(f"{live_server.url}{member_url}")
    assert response.status == 404
    expect(other.get_by_role("heading", name="页面不存在")).to_be_visible()
    other.context.close()
