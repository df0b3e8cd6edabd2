"""One major matter taken through all six steps of 四议两公开 on the real pages.

The community's officer registers it and proposes it; gives notice of a 两委会, opens it, ticks the
roll, records the vote and closes it with the minutes, and takes the consultation with it. The first
党员大会 misses its quorum: the step is refused in Chinese, and nothing typed is lost; it is held
again, a party member signing themself in on a phone. Then the 居民代表会议 resolves it, both 公开
are published, and a resident reads them on a phone.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role, User
from conftest import PASSWORD
from meetings import services
from meetings.tests.conftest import Council
from meetings.tests.qr import decoded_qr
from meetings.workflow import BodyKind
from organisations import services as org_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
MATTER = "东街小区3号楼加装电梯"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def signed_in(browser, live_server, username: str, errors: list[str], **context):
    page = browser.new_context(**context).new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("domcontentloaded")
    return page


def choose(select, text: str) -> None:
    """Selects the option whose label contains `text`."""
    select.select_option(select.locator("option", has_text=text).first.get_attribute("value"))


def hold(page, live_server, council: Council, kind: str, *, present: int, member_phone=None) -> str:
    """Gives notice of a meeting of the body of `kind` with the matter on its agenda, opens it, ticks the
    first `present` seats (or fewer, when a member signs in on `member_phone`), records a unanimous vote
    of those present and closes it; returns the meeting page's URL."""
    body = council.bodies[kind]
    page.goto(f"{live_server.url}/meetings/new/")
    choose(page.get_by_label("议事机构"), body.name)
    page.get_by_label("会议名称").fill(f"{body.name}（{present} 人）")
    when = timezone.localtime(timezone.now() + dt.timedelta(days=services.notice_days(kind) + 1))
    page.get_by_label("会议时间").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("地点").fill("东街社区会议室")
    page.locator("#id_agenda_1_title").fill("加装电梯")
    choose(page.get_by_label("议题 1 所议重大事项"), MATTER)
    page.get_by_role("button", name="发出会议通知").click()
    expect(page.get_by_role("main")).to_contain_text("已发出会议通知")
    url = page.url
    page.get_by_role("button", name="开会签到").click()
    expect(page.locator("[data-meeting-status]")).to_have_text("进行中")
    expect(page.locator('[data-count="expected"]')).to_have_text(str(body.roll.count()))
    ticked = present
    if member_phone is not None:
        # The member scans the QR code shown at the door: the image, decoded, is the address printed under it.
        qr = page.locator("[data-sign-in-qr]")
        assert qr.is_visible() and qr.evaluate("img => img.naturalWidth") > 0
        (sign_in_url,) = decoded_qr(page.content())
        assert sign_in_url == page.locator("[data-sign-in-url]").inner_text().strip()
        member_phone.goto(sign_in_url)
        button = member_phone.get_by_role("button", name=re.compile("签到$"))
        box = button.bounding_box()
        assert box["height"] >= 48 and box["width"] >= 300, box  # a large button, easy to press on a phone
        button.click()
        expect(member_phone.locator(".sign-in-message")).to_contain_text("您已签到")
        ticked -= 1
    for seat in council.seats[kind][:ticked]:
        page.get_by_role("button", name=f"{seat.display_name} 实到", exact=True).click()
        expect(page.get_by_role("main")).to_contain_text(f"已登记：{seat.display_name} 实到")
    page.goto(url)
    expect(page.locator('[data-count="present"]')).to_have_text(str(present))
    page.get_by_label("赞成").fill(str(present))
    page.get_by_label("决议", exact=True).fill("同意加装电梯")
    page.get_by_role("button", name="记录表决").click()
    expect(page.locator("[data-vote]")).to_contain_text(f"赞成 {present} 票")
    page.locator("#action-close summary").click()
    page.locator("#id_close-minutes").fill(f"应到 {body.roll.count()} 人，实到 {present} 人；议定：同意加装电梯。")
    page.get_by_role("button", name="散会").click()
    expect(page.locator("[data-meeting-status]")).to_have_text("已结束")
    return url


def step(page, action: str, label: str, *, meeting: str | None = None, note: str = ""):
    form = page.locator(f"#action-{action}")
    if meeting is not None:
        choose(form.locator(f"#id_{action}-meeting"), meeting)
    if note:
        form.locator("textarea").fill(note)
    form.get_by_role("button", name=label).click()


def test_one_matter_through_all_six_steps(browser, live_server, tree, users):
    errors: list[str] = []
    council = Council(tree, users)
    # A party member whose account is on the 党员大会's roll signs in on their phone.
    member = User.objects.create_user(username="dangyuan", password=PASSWORD, role=Role.PARTY_MEMBER)
    person = org_services.person_create(actor=None, name="王党员", home_region=tree.east)
    council.seats[BodyKind.PARTY_MEMBERS].append(services.roll_member_add(
        actor=council.staff, body=council.bodies[BodyKind.PARTY_MEMBERS], person=person, account=member))

    page = signed_in(browser, live_server, "community", errors)
    # 1. Register the matter from the navigation, and propose it.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="重大事项（四议两公开）").click()
    page.get_by_role("link", name="登记重大事项").click()
    page.get_by_label("事项名称").fill(MATTER)
    page.get_by_label("事项内容").fill("3号楼加装电梯一部，费用由业主按楼层分摊")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_role("main")).to_contain_text("已登记重大事项")
    matter_url = page.url
    step(page, "propose", "党组织提议", note="社区党委提议加装电梯")
    expect(page.locator("[data-matter-stage]")).to_have_text("党组织已提议")

    # 2. 两委会商议: a meeting held on the pages, then the step taken with it.
    hold(page, live_server, council, BodyKind.TWO_COMMITTEES, present=5)
    page.goto(matter_url)
    step(page, "consult", "两委会商议", meeting="实到 5 人")
    expect(page.locator("[data-matter-stage]")).to_have_text("两委会已商议")

    # 3. 党员大会审议: 4 of 10 present misses the quorum; refused in Chinese, the note kept.
    hold(page, live_server, council, BodyKind.PARTY_MEMBERS, present=4)
    page.goto(matter_url)
    step(page, "review", "党员大会审议", meeting="实到 4 人", note="党员大会审议意见：同意")
    alert = page.get_by_role("alert").first
    expect(alert).to_contain_text("应到 10 人，实到 4 人")
    expect(alert).to_contain_text("请另行召开会议")
    expect(page.locator("#action-review textarea")).to_have_value("党员大会审议意见：同意")
    expect(page.locator("[data-matter-stage]")).to_have_text("两委会已商议")
    # Held again: the party member signs in on a phone-sized page, the recorder ticks six more.
    phone = signed_in(browser, live_server, "dangyuan", errors, viewport=PHONE)
    hold(page, live_server, council, BodyKind.PARTY_MEMBERS, present=7, member_phone=phone)
    phone.reload()
    expect(phone.locator(".sign-in-message")).to_contain_text("王党员，您已签到")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.goto(matter_url)
    step(page, "review", "党员大会审议", meeting="实到 7 人", note="党员大会审议意见：同意")
    expect(page.locator("[data-matter-stage]")).to_have_text("党员大会已审议")

    # 4. 居民代表会议决议.
    hold(page, live_server, council, BodyKind.RESIDENTS_REPRESENTATIVES, present=6)
    page.goto(matter_url)
    step(page, "resolve", "居民（代表）会议决议", meeting="实到 6 人")
    expect(page.locator("[data-matter-stage]")).to_have_text("居民（代表）会议已决议")

    # 5 and 6. The two 公开.
    step(page, "disclose_resolution", "决议公开", note="经居民代表会议决议，同意3号楼加装电梯")
    expect(page.locator("[data-matter-stage]")).to_have_text("决议已公开")
    step(page, "disclose_result", "实施结果公开", note="电梯已于本月安装完成并通过验收")
    expect(page.locator("[data-matter-stage]")).to_have_text("实施结果已公开")
    expect(page.locator("tr[data-step]")).to_have_count(6)
    review = page.locator('tr[data-step="review"]')
    expect(review).to_contain_text("10")
    expect(review).to_contain_text("7")

    # A resident reads both 公开 on a phone, without an account.
    resident = browser.new_context(viewport=PHONE).new_page()
    resident.on("pageerror", lambda exc: errors.append(str(exc)))
    resident.goto(f"{live_server.url}/public/disclosures/")
    links = resident.get_by_role("link", name=MATTER)
    expect(links).to_have_count(2)
    texts = {}
    for n in range(2):
        resident.goto(f"{live_server.url}/public/disclosures/")
        resident.get_by_role("link", name=MATTER).nth(n).click()
        texts[n] = resident.get_by_role("main").inner_text()
        assert resident.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    both = "\n".join(texts.values())
    assert "电梯已于本月安装完成并通过验收" in both and "同意3号楼加装电梯" in both
    assert "应到" in both and "赞成" in both
    # From the last one read, the notice to print for the 公开栏, and the 居民代表会议 among the public meetings.
    resident.get_by_role("link", name="打印公示（A4）").click()
    expect(resident.locator("[data-poster-title]")).to_contain_text("东街社区“四议两公开”")
    resident.goto(f"{live_server.url}/public/meetings/")
    expect(resident.get_by_role("link", name=re.compile("居民代表会议"))).to_have_count(1)
    assert errors == []
