"""A resident on a phone reads a plan put to residents (征求意见), comments on it, makes a mistake the page
explains without losing the text, and later reads the published outcome: each opinion adopted or rejected
with its reason, names masked and no phone number anywhere. axe-core checks the pages on the way."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from consultations import services
from consultations.models import Comment
from meetings import services as meeting_services
from meetings.workflow import BodyKind
from organisations import services as org_services
from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_SIZE = {"width": 390, "height": 844}
PHONE = "13655501234"


@pytest.fixture(autouse=True)
def fresh_cache():
    """The comment limit counts per address in the cache: the journey starts from nothing."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def phone(browser, console_errors):
    # axe-core is injected as a script tag, which the site's CSP (no inline or foreign script) would refuse.
    context = browser.new_context(viewport=PHONE_SIZE, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    yield page
    context.close()


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_resident_comments_on_a_phone_and_later_reads_the_outcome(browser, phone, live_server, tree, users,
                                                                   console_errors):
    staff = users["community"]
    body = meeting_services.body_create(actor=staff, kind=BodyKind.RESIDENTS_REPRESENTATIVES,
                                        name="东街社区居民代表会议", region=tree.east)
    for n in range(1, 4):
        meeting_services.roll_member_add(actor=staff, body=body, person=org_services.person_create(
            actor=None, name=f"居民代表{n}", home_region=tree.east))
    consultation, _ = services.consultation_create(
        actor=staff, region=tree.east, title="东街社区党群服务中心布局调整方案",
        plan="一楼东侧为便民服务台，西侧为老年活动室，中间大厅设阅览区。")
    consultation = services.consultation_open(actor=staff, consultation=consultation,
                                              expected_version=consultation.version)
    page = phone

    # The resident finds the plan from the portal's home page.
    page.goto(f"{live_server.url}/public/")
    page.get_by_role("link", name=re.compile("征求意见")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("征求意见")
    page.get_by_role("link", name="东街社区党群服务中心布局调整方案").click()
    expect(page.get_by_text("西侧为老年活动室")).to_be_visible()
    assert fits_the_phone(page)
    assert_accessible(page, "consultation")

    # A wrong phone number is explained; the comment typed stays in the form.
    page.get_by_label(re.compile("您的意见")).fill("建议老年活动室增加棋牌桌，下午人多坐不下。")
    page.get_by_label(re.compile("称呼")).fill("张建华")
    page.get_by_label(re.compile("手机号码")).fill("1365550")
    page.get_by_role("button", name="提交意见").click()
    expect(page.get_by_role("alert")).to_contain_text("手机号码应为 11 位数字")
    expect(page.get_by_label(re.compile("您的意见"))).to_have_value("建议老年活动室增加棋牌桌，下午人多坐不下。")
    assert_accessible(page, "comment error")
    page.get_by_label(re.compile("手机号码")).fill(PHONE)
    page.get_by_role("button", name="提交意见").click()
    expect(page.get_by_role("status")).to_contain_text("感谢您的意见")
    expect(page.get_by_text("张**：建议老年活动室增加棋牌桌，下午人多坐不下。")).to_be_visible()
    comment = Comment.objects.get()
    assert (comment.display_name, comment.phone) == ("张建华", PHONE)

    # Staff close the period, the representatives review it, one more comment is rejected, and it is published.
    other, _ = services.comment_add(consultation=consultation, text="希望把老年活动室搬到二楼", display_name="赵桂兰")
    consultation = services.consultation_close(actor=staff, consultation=consultation,
                                               expected_version=consultation.version, reason="意见已充分收集")
    consultation = services.consultation_review(actor=staff, consultation=consultation,
                                                expected_version=consultation.version, body=body,
                                                scheduled_at=timezone.now() + dt.timedelta(hours=2))
    meeting = meeting_services.meeting_transition(actor=staff, meeting=consultation.review_meeting, action="open",
                                                  expected_version=consultation.review_meeting.version)
    meeting_services.meeting_transition(actor=staff, meeting=meeting, action="close", expected_version=meeting.version,
                                        minutes="逐条评审居民意见")
    services.opinion_decide(actor=staff, consultation=consultation, comments=[comment], outcome="adopted",
                            reason="增设棋牌桌 4 张")
    services.opinion_decide(actor=staff, consultation=consultation, comments=[other], outcome="rejected",
                            reason="中心没有电梯，老年人上下楼不便")
    services.consultation_publish(actor=staff, consultation=consultation, expected_version=consultation.version,
                                  outcome="采纳 1 条意见，不予采纳 1 条意见。")

    # Later, the resident opens the same page and reads the outcome: no form any more.
    page.reload()
    expect(page.get_by_role("heading", name="征求意见结果")).to_be_visible()
    adopted = page.locator("[data-opinion=adopted]")
    expect(adopted).to_contain_text("采纳")
    expect(adopted).to_contain_text("张**：建议老年活动室增加棋牌桌")
    expect(adopted).to_contain_text("理由：增设棋牌桌 4 张")
    rejected = page.locator("[data-opinion=rejected]")
    expect(rejected).to_contain_text("不予采纳")
    expect(rejected).to_contain_text("理由：中心没有电梯，老年人上下楼不便")
    expect(page.get_by_role("button", name="提交意见")).to_have_count(0)
    text = page.locator("main").inner_text()
    assert PHONE not in text and PHONE[-4:] not in text and "张建华" not in text and "赵桂兰" not in text
    assert fits_the_phone(page)
    assert_accessible(page, "published outcome")
    assert console_errors == []

    # The same pages with the content security policy enforced: nothing they need is refused.
    strict = browser.new_context(viewport=PHONE_SIZE, locale="zh-CN")
    strict_page = strict.new_page()
    strict_page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    for path in ("/public/consultations/", f"/public/consultations/{consultation.pk}/"):
        strict_page.goto(f"{live_server.url}{path}")
        strict_page.get_by_role("button", name="大字模式").click()
        expect(strict_page.locator("html")).to_have_class(re.compile("large-text"))
        strict_page.get_by_role("button", name="大字模式").click()
    strict.close()
    assert console_errors == []
