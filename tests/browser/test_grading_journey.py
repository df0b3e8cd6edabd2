"""A community secretary grades the head of a team placed in the community, with the evidence on the page equal to
that head's unit's figures in the KPI API; the county opens the side-by-side view, records a result that differs
from the proposal, is asked for the reason without losing the choice, and records it with one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from api.tests.conftest import Api
from conftest import PASSWORD
from gradings.models import Grading
from gradings.selectors import year_span
from organisations import services as org_services
from tasks.models import DispatchedTeam
from tasks.tests.factories import team_with_head
from tests.case_world import CaseWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def signed_in(browser, live_server, username: str, errors: list[str]):
    page = browser.new_context(locale="zh-CN").new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("domcontentloaded")
    return page


def test_a_secretary_grades_a_dispatched_head_and_the_county_records_the_result(browser, live_server, tree, users):
    head = org_services.person_create(actor=None, name="张建军", home_region=tree.east)
    seat = org_services.position_assign(actor=None, person=head, organisation=tree.east_party, title="兼职委员",
                                        started_on=tree.today)
    team = team_with_head(actor=users["community"], community=tree.east, name="住建工作站",
                          kind=DispatchedTeam.Kind.OTHER, home_unit=tree.department, seat=seat)
    w = CaseWorld(tree, users)
    start = timezone.now() - dt.timedelta(days=2)
    for n in range(2):
        case = w.dispatch(w.classify(w.submit(start, title=f"楼道灯不亮{n}"), start), start)
        if n == 0:
            w.reply(w.accept(case, start + dt.timedelta(hours=1)), start + dt.timedelta(hours=3))
    year = timezone.localdate().year
    first, last = year_span(year)
    kpis = Api(Client()).ok("community", "/api/v1/reports/kpis", region=tree.east.code,
                            **{"from": first.isoformat(), "to": last.isoformat()})
    figures = next(d for d in kpis["departments"] if d["id"] == tree.department.pk)["kpis"]
    errors: list[str] = []

    page = signed_in(browser, live_server, "community", errors)
    page.goto(f"{live_server.url}/gradings/?year={year}")
    card = page.locator(f"[data-team='{team.pk}']")
    expect(card.get_by_role("heading", level=2)).to_contain_text("住建工作站")
    for key in ("response", "resolution", "satisfaction", "on_time_finish", "whistle_on_time"):
        cell = card.locator(f"[data-kpi='{key}']")
        assert (int(cell.get_attribute("data-numerator")), int(cell.get_attribute("data-denominator"))) == (
            figures[key]["numerator"], figures[key]["denominator"]), key
    assert figures["response"]["denominator"] >= 1
    card.get_by_label("评定建议").select_option(label="称职")
    card.get_by_role("button", name="提交评定建议").click()
    expect(page.get_by_text("请填写评价意见")).to_be_visible()
    card = page.locator(f"[data-team='{team.pk}']")
    card.get_by_label("评价意见").fill("按时报到，处置及时")
    card.get_by_role("button", name="提交评定建议").click()
    expect(page.locator(f"[data-team='{team.pk}'] [data-proposal='competent']")).to_be_visible()

    county = signed_in(browser, live_server, "county", errors)
    county.goto(f"{live_server.url}/gradings/county/?year={year}")
    grading = Grading.objects.get()
    row = county.locator(f"[data-grading='{grading.pk}']")
    expect(row).to_contain_text("按时报到，处置及时")
    expect(row.locator("[data-kpi='response']")).to_have_attribute(
        "data-numerator", str(figures["response"]["numerator"]))
    row.get_by_label("县级评定结果").select_option(label="优秀")
    row.get_by_role("button", name="记录结果").click()
    row = county.locator(f"[data-grading='{grading.pk}']")
    expect(row).to_contain_text("须填写理由")
    expect(row.get_by_label("县级评定结果")).to_have_value("excellent")
    row.get_by_label("与社区建议不一致的理由").fill("全县专项行动中表现突出")
    row.get_by_role("button", name="记录结果").click()
    expect(county.locator(f"[data-grading='{grading.pk}'] [data-result='excellent']")).to_contain_text(
        "全县专项行动中表现突出")
    grading.refresh_from_db()
    assert (grading.proposal, grading.result) == ("competent", "excellent")
    assert errors == []
