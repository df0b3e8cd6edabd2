"""A member on a phone: registers at the community (双报到), the community confirms, the member claims a
post, signs up for a 红领巾 activity, checks in and out with the organiser's QR code, the organiser confirms
the hours, the member fulfils a micro-wish with a photo and the resident confirms it. The member's unit
then downloads its quarterly record (.xlsx), which shows all of it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from cases.tests.images import image_bytes
from volunteers import services
from volunteers.selectors import current_quarter
from volunteers.tests.conftest import Volunteers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_SIZE = {"width": 390, "height": 844}


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def phones(browser):
    contexts = []

    def new():
        context = browser.new_context(viewport=PHONE_SIZE, locale="zh-CN")
        contexts.append(context)
        return context.new_page()

    yield new
    for context in contexts:
        context.close()


def test_a_member_serves_and_the_unit_reads_it_in_its_quarterly_record(phones, live_server, login, tree, users,
                                                                      scratch_media_and_cache, tmp_path):
    vol = Volunteers(tree, users)
    vol.post(head_count=1, title="楼道消防巡查")
    start = timezone.now() - dt.timedelta(minutes=10)
    services.activity_create(actor=vol.staff, community=tree.east, title="红领巾关爱老人", place="东街广场",
                             starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=5)
    vol.wish()
    member, staff, resident = phones(), phones(), phones()
    base = live_server.url

    # 双报到: the member registers online on a phone.
    login(member, "member2")
    member.goto(f"{base}/volunteers/")
    expect(member.get_by_text("尚未到居住地社区报到")).to_be_visible()
    member.get_by_label("报到社区").select_option(label="东街社区")
    member.get_by_role("button", name="到社区报到").click()
    expect(member.get_by_text("报到已提交，请等待社区确认。")).to_be_visible()
    assert fits_the_phone(member)

    # The community confirms it and publishes the resident's wish.
    login(staff, "community")
    staff.goto(f"{base}/volunteers/")
    staff.get_by_role("button", name="确认 党员丁 报到").click()
    expect(staff.get_by_text("已确认报到。")).to_be_visible()
    staff.goto(f"{base}/volunteers/wishes/")
    staff.get_by_role("button", name="审核发布 一台收音机").click()
    expect(staff.get_by_text("139****5678")).to_be_visible()

    # The member claims the post and signs up for the activity.
    member.goto(f"{base}/volunteers/")
    expect(member.get_by_text("已在 东街社区 报到")).to_be_visible()
    member.get_by_role("button", name="认领 楼道消防巡查").click()
    expect(member.get_by_text("已认领岗位。")).to_be_visible()
    member.get_by_role("link", name="红领巾关爱老人").click()
    member.get_by_role("button", name="报名参加").click()
    expect(member.get_by_text("报名成功。")).to_be_visible()

    # The organiser shows the QR code; the member opens its address and checks in, then out.
    staff.goto(f"{base}/volunteers/activities/")
    staff.get_by_role("link", name="红领巾关爱老人").click()
    expect(staff.get_by_role("img", name="签到二维码")).to_be_visible()
    check_url = staff.locator(".check-url").inner_text()
    member.goto(check_url)
    member.get_by_role("button", name="签退").click()
    expect(member.get_by_role("alert")).to_contain_text("您尚未签到，不能签退")
    member.get_by_role("button", name="签到").click()
    expect(member.get_by_text("签到成功。")).to_be_visible()
    member.get_by_role("button", name="签到").click()
    expect(member.get_by_role("alert")).to_contain_text("不能重复签到")
    member.get_by_role("button", name="签退").click()
    expect(member.get_by_text("签退成功，时长待组织者确认。")).to_be_visible()
    assert fits_the_phone(member)

    # The organiser confirms the hours: more than the activity's length is refused.
    staff.reload()
    staff.get_by_label("确认时长（分钟）").fill("150")
    staff.get_by_role("button", name="确认时长").click()
    expect(staff.get_by_role("alert")).to_contain_text("超过了活动时长 120 分钟")
    staff.go_back()
    staff.reload()
    staff.get_by_label("确认时长（分钟）").fill("120")
    staff.get_by_role("button", name="确认时长").click()
    expect(staff.get_by_text("已办理。")).to_be_visible()

    # The member claims and fulfils the wish with a photo; the resident confirms.
    member.goto(f"{base}/volunteers/wishes/")
    member.get_by_role("button", name="认领 一台收音机").click()
    photo = tmp_path / "done.png"
    photo.write_bytes(image_bytes("PNG"))
    member.get_by_label("完成照片").set_input_files(str(photo))
    member.get_by_role("button", name="完成心愿 一台收音机").click()
    expect(member.get_by_text("已完成")).to_be_visible()
    login(resident, "resident")
    resident.goto(f"{base}/volunteers/wishes/")
    resident.get_by_role("button", name="居民确认 一台收音机").click()
    expect(resident.get_by_text("居民已确认")).to_be_visible()

    # The member's unit (the agency's branch) downloads the quarter's record.
    unit = phones()
    login(unit, "dept")
    year, quarter = current_quarter()
    unit.goto(f"{base}/volunteers/units/{tree.agency_branch.pk}/?year={year}&quarter={quarter}")
    with unit.expect_download() as download:
        unit.get_by_role("link", name="导出 .xlsx").click()
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    headers = [cell.value for cell in sheet[2]]
    rows = {row[0]: dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=3, values_only=True)}
    record = rows["党员丁"]
    assert record["报到社区"] == "东街社区" and record["双报到"] == "已确认"
    assert record["参加活动"] == "红领巾关爱老人" and record["确认时长（小时）"] == 2.0
    assert record["认领岗位"] == "楼道消防巡查"
    assert record["办实事（件）"] == 1 and record["其中：微心愿"] == 1
    assert record["本季度有无记录"] == "有"
    # The other member of the branch did nothing this quarter: flagged.
    assert rows["党员甲"]["本季度有无记录"] == "无记录"
