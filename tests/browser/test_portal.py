"""A resident on a phone: reports a problem with the keyboard alone, gets the code, follows it, rates the
result, and reads it all in the large-font mode. axe-core checks every page on the way."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from cases.models import Case
from cases.workflow import Status
from portal.tests.helpers import Driver, make_categories
from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_SIZE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each journey starts with no tracking lookups counted against the browser's address."""
    cache.clear()
    yield
    cache.clear()


def phone_page(browser, console_errors: list[str], *, bypass_csp: bool):
    """A phone-sized page whose console errors (CSP refusals among them) go to `console_errors`."""
    context = browser.new_context(viewport=PHONE_SIZE, locale="zh-CN", bypass_csp=bypass_csp)
    page = context.new_page()
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    return context, page


@pytest.fixture
def phone(browser, console_errors):
    """A phone-sized page that lets the test inject axe-core (the site's CSP admits no inline script).

    `test_the_pages_keep_to_the_content_security_policy` walks the same pages with the policy enforced.
    """
    context, page = phone_page(browser, console_errors, bypass_csp=True)
    yield page
    context.close()


def font_size(page) -> float:
    """The body text's size in CSS pixels."""
    return float(page.evaluate("getComputedStyle(document.body).fontSize").removesuffix("px"))


def element_font_size(locator) -> float:
    return float(locator.evaluate("element => getComputedStyle(element).fontSize").removesuffix("px"))


def tab_to(page, locator) -> None:
    """Press Tab once and check that the focus landed on `locator` (the order a keyboard user meets)."""
    page.keyboard.press("Tab")
    expect(locator).to_be_focused()


def test_a_resident_reports_tracks_and_enlarges_the_text_on_a_phone(phone, live_server, tree, users, console_errors):
    make_categories(tree)
    page = phone
    page.goto(f"{live_server.url}/public/")
    expect(page.get_by_role("heading", name="居民服务")).to_be_visible()
    assert_accessible(page, "home")
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SIZE["width"]

    page.locator(".task-list").get_by_role("link", name=re.compile("^反映问题")).click()
    expect(page.get_by_role("heading", name="反映问题、申请帮助")).to_be_visible()
    assert_accessible(page, "report")

    # Keyboard only, field after field in the order a keyboard user meets them.
    problem = page.get_by_role("radio", name=re.compile("^反映问题"))
    expect(problem).to_be_checked()  # the home page's link chose it
    problem.focus()
    tab_to(page, page.get_by_label("所在社区"))
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("所在社区")).to_have_value(tree.east.code)
    place = page.get_by_label("网格或楼栋")
    expect(place.locator("option", has_text="东街1号楼")).to_have_count(1)  # loaded for the chosen community
    tab_to(page, place)
    tab_to(page, page.get_by_label("详细地点"))
    page.keyboard.type("东街小区3号楼门口")
    tab_to(page, page.get_by_label("诉求类型"))
    tab_to(page, page.get_by_label("标题"))
    page.keyboard.type("路灯不亮")
    tab_to(page, page.get_by_label("具体情况"))
    description = "3号楼门口的路灯坏了一个星期，晚上看不清路。"
    page.keyboard.type(description)
    counted = f"已输入 {len(description)} 个字，还可以输入 {4000 - len(description)} 个字"
    expect(page.get_by_text(counted)).to_be_visible()
    tab_to(page, page.get_by_label("问题分类"))
    tab_to(page, page.get_by_label("照片"))
    tab_to(page, page.get_by_label("联系人姓名"))
    page.keyboard.type("王秀英")
    tab_to(page, page.get_by_label("手机号码"))
    page.keyboard.type("1391234")  # one digit group short
    tab_to(page, page.get_by_label("不公开我的姓名"))
    page.keyboard.press("Space")
    submit = page.get_by_role("button", name="提交")
    tab_to(page, submit)
    page.keyboard.press("Enter")

    # The mistake is told in words at the top (which takes the focus) and at the field; nothing is lost.
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("错误：")
    expect(summary.get_by_role("link", name=re.compile("手机号码"))).to_be_visible()
    expect(page.locator("#id_contact_phone_error")).to_contain_text("错误：手机号码应为 11 位数字")
    expect(page.get_by_label("标题")).to_have_value("路灯不亮")
    expect(page.get_by_label("不公开我的姓名")).to_be_checked()
    assert Case.objects.count() == 0
    assert_accessible(page, "report with errors")

    summary.get_by_role("link", name=re.compile("手机号码")).press("Enter")
    phone_field = page.get_by_label("手机号码")
    phone_field.focus()
    page.keyboard.press("End")
    page.keyboard.type("5678")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="提交成功")).to_be_visible()
    case = Case.objects.get()
    assert case.public_anonymous and case.contact_phone == "13912345678"
    expect(page.locator(".tracking-code")).to_have_text(case.tracking_code)
    code_box = page.locator(".tracking-code")
    assert element_font_size(code_box) >= 2 * font_size(page) - 1  # about twice the body text
    assert code_box.evaluate("element => element.getClientRects().length") == 1
    assert code_box.evaluate("element => element.scrollHeight") < 2 * element_font_size(code_box)  # one line
    assert_accessible(page, "confirmation")

    page.get_by_role("link", name="查看办理进度").click()
    expect(page.get_by_role("heading", name=f"查询码 {case.tracking_code} 的办理情况")).to_be_visible()
    expect(page.locator(".status")).to_have_text("已受理")
    expect(page.get_by_role("main")).not_to_contain_text("王秀英")
    expect(page.get_by_role("main")).not_to_contain_text("13912345678")
    assert_accessible(page, "tracking")

    # 大字模式: the text grows at once and stays large on the next page.
    normal = font_size(page)
    toggle = page.get_by_role("button", name="大字模式")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    large = font_size(page)
    assert large >= normal * 1.2, (normal, large)
    page.get_by_role("link", name="首页").click()
    expect(page.locator("html")).to_have_class(re.compile("large-text"))
    assert font_size(page) == large
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SIZE["width"]
    assert_accessible(page, "home in the large-font mode")
    assert console_errors == []


def test_the_resident_rates_the_result_and_a_first_unsatisfied_sends_it_back(
    phone, live_server, tree, users, console_errors
):
    driver = Driver(users, make_categories(tree), tree)
    page = phone
    page.goto(f"{live_server.url}/public/report/?kind=problem")
    page.get_by_label("所在社区").select_option(tree.east.code)
    page.get_by_label("标题").fill("路灯不亮")
    page.get_by_label("具体情况").fill("3号楼门口的路灯坏了")
    page.get_by_label("联系人姓名").fill("王秀英")
    page.get_by_label("手机号码").fill("139 1234 5678")
    page.get_by_role("button", name="提交").click()
    code = page.locator(".tracking-code").inner_text()
    driver.to_closed(Case.objects.get(tracking_code=code))

    page.goto(f"{live_server.url}/public/track/")
    page.get_by_label("查询码").fill(code.lower()[:5] + " " + code.lower()[5:])
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", name="评价办理结果")).to_be_visible()
    expect(page.get_by_text("已更换路灯灯泡，恢复照明")).to_be_visible()
    assert_accessible(page, "tracking with the rating form")

    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#id_result_error")).to_contain_text("错误：请选择满意、基本满意或不满意")
    assert_accessible(page, "rating with errors")

    page.get_by_role("radio", name="不满意").check()
    page.get_by_label("评价意见").fill("路灯还是不亮")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_role("status")).to_contain_text("已退回承办单位重新办理")
    expect(page.get_by_text("已退回重新办理")).to_be_visible()
    expect(page.get_by_role("heading", name="评价办理结果")).to_have_count(0)
    assert Case.objects.get(tracking_code=code).status == Status.IN_PROGRESS
    assert console_errors == []


def test_the_pages_keep_to_the_content_security_policy(browser, live_server, tree, users, console_errors):
    driver = Driver(users, make_categories(tree), tree)
    context, page = phone_page(browser, console_errors, bypass_csp=False)
    page.goto(f"{live_server.url}/public/")
    page.get_by_role("button", name="大字模式").click()
    expect(page.locator("html")).to_have_class(re.compile("large-text"))
    page.goto(f"{live_server.url}/public/report/")
    page.get_by_label("具体情况").fill("门口积水")
    expect(page.get_by_text("已输入 4 个字")).to_be_visible()
    page.get_by_role("button", name="提交").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    page.get_by_role("radio", name=re.compile("^反映问题")).check()
    page.get_by_label("所在社区").select_option(tree.east.code)
    expect(page.get_by_label("网格或楼栋").locator("option", has_text="东街二网格")).to_have_count(1)
    page.get_by_label("标题").fill("门口积水")
    page.get_by_label("联系人姓名").fill("王秀英")
    page.get_by_label("手机号码").fill("13912345678")
    page.get_by_role("button", name="提交").click()
    code = page.locator(".tracking-code").inner_text()
    driver.to_closed(Case.objects.get(tracking_code=code))
    page.get_by_role("link", name="查看办理进度").click()
    expect(page.get_by_role("heading", name="评价办理结果")).to_be_visible()
    context.close()
    assert console_errors == []


def test_the_large_font_mode_works_without_scripts(browser, live_server):
    context = browser.new_context(viewport=PHONE_SIZE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/public/track/")
    expect(page.locator("html")).not_to_have_class(re.compile("large-text"))
    page.get_by_role("button", name="大字模式").click()
    expect(page).to_have_url(re.compile(r"/public/track/$"))
    expect(page.locator("html")).to_have_class(re.compile("large-text"))
    expect(page.get_by_role("button", name="大字模式")).to_have_attribute("aria-pressed", "true")
    context.close()
