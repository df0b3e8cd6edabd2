"""The hall's queue with two browsers: the calling screen on the hall's TV and a clerk's counter page. The
clerk calls the next number and the screen shows it within its refresh interval, without a reload and
without an inline script. Then a resident on a phone books a room."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from halls import services
from halls.models import Booking, Room
from halls.views import SCREEN_REFRESH_SECONDS
from halls.workflow import WindowKind
from regions import services as region_services
from regions.models import Facility

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_SIZE = {"width": 390, "height": 844}
TV_SIZE = {"width": 1920, "height": 1080}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_clerk_calls_a_number_and_the_screen_shows_it(browser, live_server, login, tree, users):
    hall = region_services.facility_create(actor=None, name="东街社区便民服务大厅", kind=Facility.Kind.SERVICE_HALL,
                                           region=tree.east)
    window = services.window_create(actor=users["community"], hall=hall, name="4号窗口", kind=WindowKind.GENERAL,
                                    opens_at=dt.time(0, 0), closes_at=dt.time(23, 59), on_duty=[users["community"]])
    errors: list[str] = []
    tv = browser.new_context(viewport=TV_SIZE, locale="zh-CN")
    screen = tv.new_page()
    screen.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    screen.on("pageerror", lambda exc: errors.append(str(exc)))
    screen.goto(f"{live_server.url}/halls/{hall.pk}/screen/")
    expect(screen.get_by_text("欢迎光临，请取号等候")).to_be_visible()
    loads = []
    screen.on("load", lambda _: loads.append(1))

    # A resident takes a number at the kiosk by the door.
    kiosk = tv.new_page()
    kiosk.goto(f"{live_server.url}/halls/{hall.pk}/kiosk/")
    kiosk.get_by_role("button", name="综合受理").click()
    expect(kiosk.locator("[data-ticket-code]")).to_have_text("D001")

    clerk_context = browser.new_context(locale="zh-CN")
    clerk = clerk_context.new_page()
    login(clerk, "community")
    clerk.goto(f"{live_server.url}/halls/{hall.pk}/counter/")
    clerk.get_by_role("button", name="叫下一号").click()
    expect(clerk.locator("[data-current-code]")).to_have_text("D001")

    expect(screen.locator("[data-latest-code]")).to_have_text("D001", timeout=(SCREEN_REFRESH_SECONDS + 3) * 1000)
    expect(screen.locator("[data-latest-window]")).to_have_text(window.name)
    assert loads == [], "the screen reloaded instead of refreshing its board"
    font = screen.locator("[data-latest-code]").evaluate("node => parseFloat(getComputedStyle(node).fontSize)")
    assert font >= 100, font  # read from across the hall
    kiosk.reload()
    expect(kiosk.get_by_text("请到 4号窗口 办理")).to_be_visible()
    assert errors == [], errors
    tv.close()
    clerk_context.close()


def test_a_resident_books_a_room_on_a_phone(browser, live_server, login, tree, users):
    facility = region_services.facility_create(actor=None, name="东街社区“两代表一委员”接待室",
                                               kind=Facility.Kind.RECEPTION_ROOM, region=tree.east)
    room = services.room_create(actor=users["community"], facility=facility, kind=Room.Kind.RECEPTION,
                                opens_at=dt.time(8, 0), closes_at=dt.time(20, 0), weekdays="1234567",
                                min_notice_hours=1, buffer_minutes=30, reception_hours="每周三上午")
    context = browser.new_context(viewport=PHONE_SIZE, locale="zh-CN")
    phone = context.new_page()
    login(phone, "resident")
    phone.goto(f"{live_server.url}/halls/rooms/")
    expect(phone.get_by_text("代表委员接待时间：每周三上午")).to_be_visible()
    phone.get_by_role("link", name="预约", exact=True).click()
    day = timezone.localdate() + dt.timedelta(days=2)
    form = phone.locator("form[method=post]")
    form.get_by_label("日期").fill(day.isoformat())
    form.get_by_label("开始时间").fill("10:00")
    form.get_by_label("使用时长").select_option("60")
    form.get_by_label("联系人").fill("居民乙")
    form.get_by_label("联系电话").fill("13900002222")
    form.get_by_label("用途").fill("约见人大代表反映停车难")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.get_by_role("button", name="提交预约").click()
    expect(phone.get_by_role("heading", name="我的预约")).to_be_visible()
    expect(phone.get_by_text("约见人大代表反映停车难")).to_be_visible()
    booking = Booking.objects.get()
    assert booking.room == room and timezone.localtime(booking.starts_at).hour == 10

    # The same slot again: taken, and what was typed stays on the page.
    phone.goto(f"{live_server.url}/halls/rooms/{room.pk}/book/")
    form = phone.locator("form[method=post]")
    form.get_by_label("日期").fill(day.isoformat())
    form.get_by_label("开始时间").fill("10:30")
    form.get_by_label("联系人").fill("居民乙")
    form.get_by_label("用途").fill("第二次预约")
    phone.get_by_role("button", name="提交预约").click()
    expect(phone.get_by_text("该时段已被预约，请选择其他时段")).to_be_visible()
    expect(form.get_by_label("用途")).to_have_value("第二次预约")
    assert Booking.objects.count() == 1
    context.close()
