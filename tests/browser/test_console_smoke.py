import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_wrong_password_is_explained_in_chinese_and_the_username_kept(page, live_server, users, login):
    login(page, "community", "wrong-password")
    expect(page.get_by_role("alert").first).to_contain_text("用户名或密码不正确")
    expect(page.get_by_label("用户名")).to_have_value("community")


def test_the_workbench_shows_the_six_mechanisms_and_the_users_scope(page, live_server, users, login, console_errors):
    login(page, "community")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    nav = page.get_by_role("navigation", name="主导航")
    for section in ("支部联建", "问题联解", "困难联帮", "权力下沉", "资源下沉", "服务下沉"):
        expect(nav.get_by_role("heading", name=section)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("东街社区")
    assert console_errors == []


def test_on_a_phone_the_menu_opens_from_a_button(browser, live_server, users, login):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    login(page, "community")
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav).to_be_hidden()
    page.get_by_role("button", name="菜单").click()
    expect(nav).to_be_visible()
    context.close()
