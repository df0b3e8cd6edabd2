"""One problem followed across four people in real browsers.

A resident reports it on a phone; the window clerk classifies it and dispatches it to two departments;
the assisting one returns it, the lead handles it; on a second case the community blows the whistle and
the department reports in; the community verifies and closes; the resident is not satisfied and the case
goes back; then it closes for good, and the department's KPI page shows the change.
"""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from accounts.models import Role, User
from cases import services
from cases.models import Case
from cases.workflow import Status
from conftest import PASSWORD
from organisations import services as org_services
from organisations.models import Organisation
from portal.tests.helpers import make_categories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def signed_in(browser, live_server, username: str, errors: list[str]):
    context = browser.new_context()
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    return page


def act(page, action: str):
    """Opens the form of one action on the case page and returns it."""
    section = page.locator(f"#action-{action}")
    if section.get_attribute("open") is None:
        section.locator("summary").click()
    return section


def choose(select, text: str) -> None:
    """Selects the option whose label contains `text`."""
    select.select_option(select.locator("option", has_text=text).first.get_attribute("value"))


def submit(section, status_text: str | None = None):
    section.locator("button[type=submit]").click()
    if status_text:
        expect(section.page.get_by_role("main")).to_contain_text(status_text)


def kpi(page, live_server, department, key: str) -> str:
    page.goto(f"{live_server.url}/reports/departments/{department.pk}/")
    return page.locator(f"[data-kpi={key}]").inner_text()


def test_a_problem_across_resident_clerk_departments_and_back(browser, live_server, tree, users):
    errors: list[str] = []
    make_categories(tree)
    water = org_services.organisation_create(actor=None, name="县水务局", kind=Organisation.Kind.DEPARTMENT,
                                             region=tree.county)
    User.objects.create_user(username="dept_water", password=PASSWORD, role=Role.DEPARTMENT_HANDLER,
                             organisation=water)

    # 1. A resident reports on a phone-sized page, without an account.
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    phone.goto(f"{live_server.url}/public/report/")
    phone.get_by_role("radio", name=re.compile("^反映问题")).check()
    phone.get_by_label("所在社区").select_option(tree.east.code)
    phone.get_by_label("标题").fill("3号楼前路灯不亮")
    phone.get_by_label("具体情况").fill("东街3号楼前的路灯一周没亮，晚上老人出门不方便")
    phone.get_by_label("联系人姓名").fill("王秀英")
    phone.get_by_label("手机号码").fill("13912345678")
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_role("heading", name="提交成功")).to_be_visible()
    case = Case.objects.get(title="3号楼前路灯不亮")
    expect(phone.get_by_role("main")).to_contain_text(case.tracking_code)

    dept_before = signed_in(browser, live_server, "dept", errors)
    assert kpi(dept_before, live_server, tree.department, "satisfaction") == "—"
    assert kpi(dept_before, live_server, tree.department, "whistle_score") == "—"

    # 2. The window clerk finds it on the 问题清单, classifies it and dispatches it to two departments.
    clerk = signed_in(browser, live_server, "community", errors)
    clerk.goto(f"{live_server.url}/cases/?q={case.tracking_code}")
    clerk.get_by_role("link", name=case.tracking_code).first.click()
    expect(clerk.get_by_role("heading", level=1)).to_contain_text("3号楼前路灯不亮")
    form = act(clerk, "classify")
    choose(form.get_by_label("问题分类"), "路灯")
    submit(form, "已立案")
    form = act(clerk, "dispatch")
    choose(form.get_by_label("主办单位"), "县住房和城乡建设局")
    form.get_by_role("checkbox", name=re.compile("县水务局")).check()
    submit(form, "已派遣")

    # 3. The water bureau returns its part as a mis-dispatch; the lead reports in and replies.
    water_page = signed_in(browser, live_server, "dept_water", errors)
    water_page.goto(f"{live_server.url}/cases/{case.pk}/")
    form = act(water_page, "return")
    form.get_by_label(re.compile("退回原因|原因")).fill("路灯不属于水务职责")
    submit(form, "已退回")

    dept = signed_in(browser, live_server, "dept", errors)
    dept.goto(f"{live_server.url}/cases/handling/")
    expect(dept.get_by_role("main")).to_contain_text(case.tracking_code)
    dept.goto(f"{live_server.url}/cases/{case.pk}/")
    submit(act(dept, "accept"), "处置中")
    form = act(dept, "reply")
    form.get_by_label("答复内容").fill("已更换灯泡，路灯恢复照明")
    submit(form, "已反馈")

    # 4. On a second case the community blows the whistle; the department reports in.
    second, _ = services.case_submit(
        actor=users["community"], channel="opinion_window", kind="problem", title="小区门口井盖缺失",
        description="东街小区南门井盖缺失，有安全隐患", region=tree.east_grid1, contact_name="李四",
        contact_phone="13800003333",
    )
    clerk.goto(f"{live_server.url}/cases/{second.pk}/")
    form = act(clerk, "whistle")
    form.get_by_role("checkbox", name=re.compile("紧急情况")).check()
    form.get_by_role("checkbox", name=re.compile("县住房和城乡建设局")).check()
    submit(form, "吹哨")
    dept.goto(f"{live_server.url}/cases/whistles/")
    expect(dept.get_by_role("main")).to_contain_text("小区门口井盖缺失")
    dept.goto(f"{live_server.url}/cases/{second.pk}/")
    submit(act(dept, "report_in"), "已完成“部门报到”")

    # 5. The community verifies and closes the first case.
    clerk.goto(f"{live_server.url}/cases/{case.pk}/")
    submit(act(clerk, "verify"), "已核查")
    submit(act(clerk, "close"), "已结案")

    # 6. The resident is not satisfied: the case goes back to the department.
    phone.goto(f"{live_server.url}/public/track/?code={case.tracking_code}")
    phone.get_by_role("radio", name="不满意").check()
    phone.get_by_label("评价意见").fill("晚上还是很暗")
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.get_by_role("status")).to_contain_text("已退回承办单位重新办理")
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and case.rework_count == 1

    # 7. Handled again, verified, closed; this time the resident is satisfied.
    dept.goto(f"{live_server.url}/cases/{case.pk}/")
    form = act(dept, "reply")
    form.get_by_label("答复内容").fill("加装一盏路灯，亮度已达标")
    submit(form, "已反馈")
    clerk.goto(f"{live_server.url}/cases/{case.pk}/")
    submit(act(clerk, "verify"), "已核查")
    submit(act(clerk, "close"), "已结案")
    phone.goto(f"{live_server.url}/public/track/?code={case.tracking_code}")
    phone.get_by_role("radio", name="满意", exact=True).check()
    phone.get_by_role("button", name="提交评价").click()
    case.refresh_from_db()
    assert case.status == Status.RATED

    # The second case is handled to closure; then the community scores the department that reported in.
    second = Case.objects.get(pk=second.pk)
    community, handler = users["community"], users["dept"]
    second = services.case_classify(case=second, actor=community, expected_version=second.version,
                                    category=case.category)
    second = services.case_dispatch(case=second, actor=community, expected_version=second.version,
                                    assignees=[services.AssigneeSpec(organisation=tree.department)])
    lead = second.assignments.get()
    second = services.case_accept(case=second, actor=handler, expected_version=second.version, assignment=lead)
    second = services.case_reply(case=second, actor=handler, expected_version=second.version, assignment=lead,
                                 reply="已补装井盖")
    second = services.case_verify(case=second, actor=community, expected_version=second.version)
    services.case_close(case=second, actor=community, expected_version=second.version)
    clerk.goto(f"{live_server.url}/cases/{second.pk}/")
    form = act(clerk, "score")
    form.locator("select[name=score-score]").select_option("4")
    submit(form, "4 分")

    # 8. The department's KPI page reflects the ratings (one 不满意, one 满意) and the whistle score.
    assert kpi(dept, live_server, tree.department, "satisfaction") == "50.0%"
    assert kpi(dept, live_server, tree.department, "whistle_score") == "4 分"
    assert errors == []
