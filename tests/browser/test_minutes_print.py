"""The 会议记录 printed with Chromium on A4: the record on the first page, and the signatures table of a
body of fifteen seats whole on the page after it, with none of the console's navigation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from cases.tests.images import phone_jpeg
from meetings import services
from meetings.tests.conftest import Council
from meetings.workflow import BodyKind
from organisations import services as org_services
from tests.browser.pdf import pdf_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEATS = 15


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_minutes_print_on_a4_with_the_signatures_whole_on_one_page(browser, live_server, tree, users, login):
    council = Council(tree, users)
    body = council.bodies[BodyKind.RESIDENTS_REPRESENTATIVES]
    for n in range(len(council.seats[BodyKind.RESIDENTS_REPRESENTATIVES]) + 1, SEATS + 1):
        council.seats[BodyKind.RESIDENTS_REPRESENTATIVES].append(services.roll_member_add(
            actor=council.staff, body=body,
            person=org_services.person_create(actor=None, name=f"东街居民代表{n:02d}", home_region=tree.east)))
    matter = council.matter()
    meeting = council.held(BodyKind.RESIDENTS_REPRESENTATIVES, matter, present=12)

    page = browser.new_context().new_page()
    login(page, "community")
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/minutes/")
    assert page.locator("[data-signature-row]").count() == SEATS
    page.emulate_media(media="print")
    # Nothing of the console shows on paper.
    for chrome in (".topbar", ".sidenav", ".no-print"):
        expect(page.locator(chrome).first).to_be_hidden()
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    # The record fills the first page; the signatures start on the next and, fitting, end there.
    assert pdf_pages(pdf) == 2

    # The same table for twice the seats no longer fits one page: the count above can tell.
    for n in range(SEATS + 1, 2 * SEATS + 1):
        services.roll_member_add(
            actor=council.staff, body=body,
            person=org_services.person_create(actor=None, name=f"东街居民代表{n:02d}", home_region=tree.east))
    later, _ = services.meeting_schedule(actor=council.staff, body=body, title="居民代表会议（换届后）",
                                         scheduled_at=meeting.scheduled_at + dt.timedelta(days=1))
    page.goto(f"{live_server.url}/meetings/{later.pk}/minutes/")
    assert page.locator("[data-signature-row]").count() == 2 * SEATS
    assert pdf_pages(page.pdf(format="A4")) > 2


def test_the_minutes_print_their_photos_and_keep_the_signatures_on_a_page_of_their_own(
        browser, live_server, tree, users, login, scratch_media_and_cache):
    council = Council(tree, users)
    meeting = council.held(BodyKind.RESIDENTS_REPRESENTATIVES, council.matter())
    services.meeting_attachment_add(
        actor=council.staff, meeting=meeting, caption="纸质签到表",
        photos=[SimpleUploadedFile(f"sheet-{n}.jpg", phone_jpeg((800, 600)), content_type="image/jpeg")
                for n in range(3)])
    page = browser.new_context().new_page()
    login(page, "community")
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/minutes/")
    expect(page.locator("[data-minutes-photos] img")).to_have_count(3)
    assert page.evaluate("[...document.querySelectorAll('[data-minutes-photos] img')].every(i => i.naturalWidth > 0)")
    page.emulate_media(media="print")
    # The record with its three photos on the first page, the signatures on the second.
    assert pdf_pages(page.pdf(format="A4", print_background=True)) == 2
