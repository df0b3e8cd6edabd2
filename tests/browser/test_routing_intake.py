"""Suggestions at the counter, in a real browser.

The community clerk types a complaint about a broken street lamp: the page suggests 路灯照明 with the
department that leads it; one click on 采用 fills the category, and the case records that the
suggestion was accepted and which model made it. A second, similar complaint from the same grid shows
the first case as a likely duplicate; taken in, its page offers the first case again and one click
merges it. No script error and no breach of the
Content-Security-Policy along the way.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from cases.models import Case
from routing import registry
from routing.models import Suggestion
from routing.tests.conftest import load_default_tree

from .test_csp import RECORD_VIOLATIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAMP_TITLE = "路灯坏了"
LAMP_TEXT = "东街一网格3号楼前的路灯不亮好几天了，晚上走路很黑，老人孩子容易摔倒"


@pytest.fixture(autouse=True)
def fresh_routing(settings, tmp_path):
    """No trained version yet (the keyword model of the category tree suggests), and nothing cached."""
    settings.GONGZHI_ROUTING_DIR = str(tmp_path / "routing")
    settings.GONGZHI_ROUTING_RELOAD_SECONDS = 0
    registry.reset()
    cache.clear()
    yield
    registry.reset()
    cache.clear()


@pytest.fixture
def categories(tree):
    """The default category tree; 市政设施 is led by the county's housing bureau."""
    return load_default_tree(tree)


def type_complaint(page, title: str, text: str, region) -> None:
    """Types like a clerk: the place first, then the title and the content."""
    page.locator("#id_region").select_option(str(region.pk))
    page.get_by_label("标题").fill(title)
    page.get_by_label("内容").fill(text)


def test_a_clerk_accepts_a_suggestion_and_merges_the_second_report_into_the_first(
    page, live_server, tree, users, categories, login, console_errors,
):
    page.add_init_script(RECORD_VIOLATIONS)
    lamp = categories["路灯照明"]
    login(page, "community")
    page.goto(f"{live_server.url}/cases/new/")
    suggestions = page.locator("#routing-suggestions")
    expect(suggestions).to_contain_text("填写标题和内容后")

    # 1. Typing brings the suggestions: the category, its department, a one-click 采用.
    type_complaint(page, LAMP_TITLE, LAMP_TEXT, tree.east_grid1)
    first = suggestions.locator("li").first
    expect(first).to_contain_text("市政设施 / 路灯照明")
    expect(first).to_contain_text("主办：乾县住房和城乡建设局")
    expect(suggestions).to_contain_text("近 30 天本社区没有相似的在办事项")
    version = suggestions.locator("[data-routing-version]").get_attribute("data-routing-version")
    assert version and version.startswith("keywords-")

    # 2. One click fills the category field.
    expect(page.locator("#id_category")).to_have_value("")
    first.get_by_role("button", name="采用").click()
    expect(page.locator("#id_category")).to_have_value(str(lamp.pk))
    expect(first.get_by_role("button", name="已采用")).to_have_attribute("aria-pressed", "true")

    # 3. Taken in: the case carries the category and the suggestion records the clerk's acceptance.
    page.get_by_label("联系人").fill("张大爷")
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_role("button", name="登记").click()
    expect(page.get_by_role("main")).to_contain_text("已受理登记")
    case = Case.objects.get(title=LAMP_TITLE)
    assert case.category == lamp and case.region == tree.east_grid1
    suggestion = Suggestion.objects.get(case=case)
    assert suggestion.outcome == Suggestion.Outcome.ACCEPTED and suggestion.chosen_rank == 1
    assert suggestion.model_version == version and suggestion.decided_by == users["community"]

    # 4. A second complaint about the same lamp, from the same grid: the first case is a likely duplicate.
    page.goto(f"{live_server.url}/cases/new/")
    type_complaint(page, "3号楼前路灯不亮", "3号楼门口的路灯坏了，晚上一片漆黑", tree.east_grid1)
    duplicate = suggestions.locator(f"[data-routing-duplicate='{case.tracking_code}']")
    expect(duplicate).to_contain_text("可能重复")
    expect(duplicate).to_contain_text("同一网格或楼栋")
    expect(duplicate).to_contain_text(f"查询码 {case.tracking_code}")
    with page.context.expect_page() as opened:
        duplicate.get_by_role("link", name="打开该事项").click()
    other = opened.value
    other.wait_for_load_state("domcontentloaded")
    assert re.search(rf"/cases/{case.pk}/$", other.url)
    expect(other.get_by_role("main")).to_contain_text(case.tracking_code)
    other.close()

    # The page itself: the form still holds what was typed, and nothing broke or was refused.
    expect(page.get_by_label("标题")).to_have_value("3号楼前路灯不亮")
    assert page.evaluate("window.__cspViolations") == []

    # 5. Taken in anyway, the new case's page offers the first one again; one click merges it there.
    page.get_by_label("联系人").fill("李阿姨")
    page.get_by_label("联系电话").fill("13887654321")
    page.get_by_role("button", name="登记").click()
    expect(page.get_by_role("main")).to_contain_text("已受理登记")
    offered = page.locator(f"#case-duplicates [data-routing-duplicate='{case.tracking_code}']")
    expect(offered).to_contain_text("同一网格或楼栋")
    offered.get_by_role("button", name="合并到该事项").click()
    expect(page.get_by_role("main")).to_contain_text("已合并")
    second = Case.objects.get(title="3号楼前路灯不亮")
    assert second.merged_into == case
    expect(page.locator("#case-duplicates")).to_have_count(0)
    assert page.evaluate("window.__cspViolations") == []
    assert console_errors == []
