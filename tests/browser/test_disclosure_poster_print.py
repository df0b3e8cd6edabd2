"""The 公示 notice printed with Chromium on A4 for the 公开栏: one A4 page carrying its heading and the
resolving vote, with nothing of the portal; a text too long for one page runs on to a second, not cut."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from cases.tests.images import phone_jpeg
from meetings import services
from meetings.tests.conftest import Council
from meetings.workflow import Stage
from tests.browser.pdf import is_a4, page_sizes, pdf_pages, pdf_title

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def disclose(council, matter, action: str, note: str):
    matter = services.matter_transition(actor=council.staff, matter=matter, action=action,
                                        expected_version=matter.version, note=note)
    return matter, matter.steps.get(action=action)


def printed(page, url: str) -> bytes:
    page.goto(url)
    page.emulate_media(media="print")
    return page.pdf(format="A4", prefer_css_page_size=True, print_background=True)


def test_each_notice_prints_on_one_a4_page_with_its_heading_and_the_vote(browser, live_server, tree, users):
    council = Council(tree, users)
    matter, resolution = disclose(council, council.matter(stage=Stage.RESOLVED), "disclose_resolution",
                                  "东街小区3号楼加装电梯方案经居民代表会议表决通过，现予公示。")
    page = browser.new_context().new_page()
    pdf = printed(page, f"{live_server.url}/public/disclosures/{resolution.pk}/poster/")
    heading = "东街社区“四议两公开”决议公示"
    expect(page.locator("[data-poster-title]")).to_have_text(heading)
    # On paper: the vote of the 居民代表会议 (6 due, 6 present, 6 for), the issuers, and no portal bar.
    for key, text in [("expected", "6 人"), ("present", "6 人"), ("in_favour", "6 票"), ("against", "0 票"),
                      ("abstained", "0 票")]:
        expect(page.locator(f'[data-count="{key}"]')).to_have_text(text)
    expect(page.locator("[data-poster-issuers]")).to_contain_text("东街社区居民委员会")
    expect(page.locator(".poster-bar")).to_be_hidden()
    assert pdf.startswith(b"%PDF") and pdf_pages(pdf) == 1
    assert [is_a4(size) for size in page_sizes(pdf)] == [True]
    assert pdf_title(pdf).startswith(f"{heading} · {matter.title}")

    matter, result = disclose(council, matter, "disclose_result", "电梯已安装完毕并通过验收，投入使用。")
    pdf = printed(page, f"{live_server.url}/public/disclosures/{result.pk}/poster/")
    assert pdf_pages(pdf) == 1 and pdf_title(pdf).startswith("东街社区“四议两公开”实施结果公示")
    expect(page.locator('[data-count="in_favour"]')).to_have_text("6 票")

    # The same notice with a text of forty paragraphs no longer fits: the count above can tell.
    long_text = "\n".join(f"第{n}项：电梯井道施工、设备安装、验收和资金使用情况说明。" for n in range(1, 41))
    other = council.matter(title="背街小巷路灯增设", stage=Stage.RESOLVED)
    _, step = disclose(council, other, "disclose_resolution", long_text)
    assert pdf_pages(printed(page, f"{live_server.url}/public/disclosures/{step.pk}/poster/")) > 1


def test_a_notice_with_photos_prints_two_of_them_and_stays_on_one_a4_page(browser, live_server, tree, users,
                                                                          scratch_media_and_cache):
    council = Council(tree, users)
    matter = council.matter(stage=Stage.RESOLUTION_DISCLOSED)
    photos = [SimpleUploadedFile(f"site-{n}.jpg", phone_jpeg((800, 600)), content_type="image/jpeg")
              for n in range(3)]
    matter = services.matter_transition(actor=council.staff, matter=matter, action="disclose_result",
                                        expected_version=matter.version, photos=photos,
                                        note="电梯已安装完毕并通过验收，投入使用。\n" * 3)
    step = matter.steps.get(action="disclose_result")
    page = browser.new_context().new_page()
    pdf = printed(page, f"{live_server.url}/public/disclosures/{step.pk}/poster/")
    shown = page.locator("[data-poster-photos] img")
    expect(shown).to_have_count(2)
    assert page.evaluate("[...document.querySelectorAll('[data-poster-photos] img')].every(i => i.naturalWidth > 0)")
    assert pdf_pages(pdf) == 1 and [is_a4(size) for size in page_sizes(pdf)] == [True]
