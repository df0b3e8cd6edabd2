"""In a real browser: a 办理记录 submitted after the session expired comes back in its form after signing in
and is recorded only when submitted again; the case owner reveals the reporter's phone in place, for a reason."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from cases import services
from cases.models import CaseEvent
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "电话回访：居民说路灯晚上仍不亮，明早复查"


def test_a_note_submitted_after_the_timeout_comes_back_after_signing_in(page, live_server, tree, users, login,
                                                                         console_errors):
    case, _ = services.case_submit(
        actor=users["community"], channel="opinion_window", kind="problem", title="路灯不亮",
        description="东街3号楼前的路灯坏了一周", region=tree.east_grid1, contact_name="居民乙",
        contact_phone="13900002222",
    )
    login(page, "community")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.wait_for_load_state("load")
    note_form = page.locator("#action-note")
    note_form.locator("summary").click()
    expect(note_form).to_have_js_property("open", True)
    page.get_by_label("办理记录").fill(NOTE)
    Session.objects.all().delete()  # the idle timeout passes while the note is being typed

    page.locator("#action-note").get_by_role("button", name="办理记录").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    assert not CaseEvent.objects.filter(case=case, action="note").exists()
    page.get_by_label("用户名").fill("community")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page).to_have_url(f"{live_server.url}/cases/{case.pk}/")
    expect(page.get_by_text("登录已过期，您填写的内容已保留，请确认后重新提交")).to_be_visible()
    expect(page.get_by_label("办理记录")).to_have_value(NOTE)
    assert not CaseEvent.objects.filter(case=case, action="note").exists(), "nothing is replayed"

    page.locator("#action-note").get_by_role("button", name="办理记录").click()
    expect(page.get_by_text("已完成“办理记录”")).to_be_visible()
    assert list(CaseEvent.objects.filter(case=case, action="note").values_list("note", flat=True)) == [NOTE]
    assert console_errors == []


def test_the_owner_reveals_the_reporters_phone_in_place_for_a_call_back(page, live_server, tree, users, login,
                                                                        console_errors):
    case, _ = services.case_submit(
        actor=users["community"], channel="opinion_window", kind="problem", title="井盖松动",
        description="东街路口井盖松动", region=tree.east_grid1, contact_name="居民乙", contact_phone="13900002222",
    )
    login(page, "community")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("#pii-contact_phone")).to_contain_text("139****2222")
    page.get_by_label("查看联系电话的事由").fill("电话回访")
    page.locator("#pii-contact_phone").get_by_role("button", name="查看").click()
    expect(page.locator("#pii-contact_phone")).to_contain_text("13900002222")
    expect(page.locator("#pii-contact_phone")).to_contain_text("本次查看已记录")
    assert console_errors == []
