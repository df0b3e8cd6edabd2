"""便民服务 end to end: an elderly resident on a phone finds an item by its pinyin initials, switches to
large text, prints the 一次性告知单 (one A4 page with every material) and books a window slot (预约办事) at
the hall, keeping the confirmation with its code; a clerk takes the request at the
window and hands it over, the handler finishes it, the clerk (its 首问) sees the result on their own list;
the resident rates it 不满意 by the tracking code and the follow-up (整改) appears for staff and resident."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from govservices.tests.factories import MATERIALS, item
from halls.models import Appointment
from halls.tests.conftest import Hall
from tests.browser.pdf import is_a4, page_sizes, pdf_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_SIZE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_resident_finds_prints_and_rates_and_the_first_receiver_follows_it(browser, live_server, tree, users,
                                                                            login):
    catalogue = item(users["county"])
    hall = Hall(tree, users).hall
    errors: list[str] = []
    phone = browser.new_context(viewport=PHONE_SIZE, locale="zh-CN").new_page()
    phone.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    phone.on("pageerror", lambda exc: errors.append(str(exc)))

    # Found by the initials of 居住证明开具.
    phone.goto(f"{live_server.url}/public/services/")
    phone.get_by_label("查找事项").fill("zm")
    phone.get_by_role("button", name="查找").click()
    phone.get_by_role("link", name="居住证明开具").click()
    expect(phone.locator("[data-item-name]")).to_have_text("居住证明开具")

    # 大字模式 stays on for the next page.
    toggle = phone.get_by_role("button", name="大字模式")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    phone.reload()
    expect(phone.locator("html")).to_have_class(re.compile("large-text"))

    # The 一次性告知单: one A4 sheet, every material on it, nothing of the page around it.
    phone.get_by_role("link", name="打印一次性告知单").click()
    expect(phone.locator("[data-material]")).to_have_count(len(MATERIALS))
    # The link's page has its rows before its stylesheet: print only what a resident's printer would get.
    phone.wait_for_load_state("load")
    phone.emulate_media(media="print")
    expect(phone.locator(".poster-bar")).to_be_hidden()
    pdf = phone.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF") and pdf_pages(pdf) == 1 and [is_a4(s) for s in page_sizes(pdf)] == [True]
    printed = phone.locator("[data-notice-materials]").inner_text()
    for material in MATERIALS:
        assert material["name"] in printed
    assert errors == []

    # From the notice, a window slot at the hall: the first working day offered, the first slot left.
    phone.emulate_media(media="screen")
    phone.get_by_role("link", name="预约办事").click()
    phone.get_by_label(re.compile("服务大厅")).select_option(str(hall.pk))
    phone.get_by_role("button", name="查看可预约时段").click()
    phone.get_by_label(re.compile("窗口类型")).select_option("assisted")
    phone.get_by_role("button", name="查看可预约时段").click()
    phone.get_by_label(re.compile("^09:00–09:30")).check()
    phone.get_by_label(re.compile("联系人")).fill("王秀英")
    phone.get_by_label(re.compile("手机号码")).fill("13912345678")
    phone.get_by_role("button", name="确认预约").click()
    expect(phone.locator("[data-appointment-confirmed]")).to_be_visible()
    appointment = Appointment.objects.get()
    expect(phone.locator("[data-appointment-code]")).to_have_text(appointment.code)
    expect(phone.locator("[data-appointment-when]")).to_contain_text("09:00–09:30")
    assert (appointment.kind, appointment.item_code, appointment.hall_id) == ("assisted", catalogue.code, hall.pk)
    assert "13912345678" not in phone.content()
    assert errors == []

    # The clerk takes it at the window, then hands it to the street's handler.
    clerk = browser.new_context().new_page()
    login(clerk, "community")
    clerk.goto(f"{live_server.url}/services/new/")
    clerk.get_by_label("服务事项").select_option(str(catalogue.pk))
    clerk.get_by_label("社区").select_option(str(tree.east.pk))
    clerk.get_by_label("申请人").fill("王秀英")
    clerk.get_by_label("帮办代办（为老年人、残疾人等代为办理）").check()
    clerk.get_by_label("本人同意记录").fill("本人口头同意，女儿在场")
    clerk.get_by_role("button", name="受理").click()
    expect(clerk.locator("[data-request-status]")).to_have_text("已受理")
    code = clerk.locator("h1 .muted").inner_text()
    transfer = clerk.locator('form[data-action="transfer"]')
    transfer.get_by_label("承办人").select_option(str(users["street"].pk))
    transfer.get_by_role("button", name="转办").click()
    expect(clerk.locator("[data-handler]")).to_contain_text(users["street"].display_name)

    handler = browser.new_context().new_page()
    login(handler, "street")
    handler.goto(clerk.url)
    done = handler.locator('form[data-action="complete"]')
    done.get_by_label("办理结果").fill("已出具居住证明")
    done.get_by_role("button", name="办结").click()
    expect(handler.locator("[data-request-status]")).to_have_text("已办结")
    expect(handler.locator("[data-first-receiver]")).to_contain_text(users["community"].display_name)

    clerk.goto(f"{live_server.url}/services/handed-over/")
    row = clerk.locator(f'[data-request="{code}"]')
    expect(row.locator("[data-result]")).to_have_text("已出具居住证明")
    expect(row.locator("[data-status]")).to_have_text("已办结")

    # The resident rates it 不满意 by the tracking code; the follow-up shows on both sides.
    phone.goto(f"{live_server.url}/public/services/requests/{code}/")
    phone.get_by_text("不满意", exact=True).click()
    phone.get_by_label(re.compile("意见和建议")).fill("等了很久才办好")
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.locator("[data-rating]")).to_contain_text("不满意")
    expect(phone.locator("[data-follow-up]")).to_be_visible()
    clerk.goto(f"{live_server.url}/services/follow-ups/")
    expect(clerk.locator(f'[data-follow-up="{code}"]')).to_contain_text("等了很久才办好")
    assert errors == []
