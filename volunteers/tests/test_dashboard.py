"""Volunteering on the region's 数据看板: the numbers staff read in its tables are counted from records."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.tests.images import image_bytes
from volunteers import services

pytestmark = pytest.mark.django_db


class _Table(HTMLParser):
    """The rows of the page's table `data-table="<key>"`, each as the texts of its cells."""

    def __init__(self, key: str):
        super().__init__()
        self.key, self.inside, self.rows, self.cell = key, False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.inside = dict(attrs).get("data-table") == self.key
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def shown(client, user, key: str, query: str = "") -> dict[str, list[str]]:
    """The table `key` of the dashboard `user` sees, keyed by each row's first cell (header row left out)."""
    client.force_login(user)
    response = client.get(f"/reports/dashboard/?period={timezone.localdate():%Y-%m}{query}")
    assert response.status_code == 200
    parser = _Table(key)
    parser.feed(response.content.decode())
    return {row[0]: row[1:] for row in parser.rows[1:] if row}


def figure(client, user, label: str, query: str = "") -> str:
    return shown(client, user, "volunteers", query)[label][0]


def noon_today() -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(12)))


def test_one_more_confirmed_hour_moves_the_hours_on_the_dashboard_of_its_community_only(client, vol):
    staff, other = vol.staff, vol.users["community2"]
    assert figure(client, staff, "确认志愿服务时长") == "0"
    activity = vol.activity(starts_at=noon_today())
    signup = services.signup_create(actor=vol.member_user, activity=activity)
    for action in ("check_in", "check_out"):
        signup = services.signup_check(actor=vol.member_user, activity=activity, code=activity.check_code,
                                       action=action)
    assert figure(client, staff, "确认志愿服务时长") == "0", "hours count only once the organiser confirms them"
    services.signup_transition(actor=staff, signup=signup, action="confirm", expected_version=signup.version,
                               minutes=60)
    assert figure(client, staff, "确认志愿服务时长") == "1"
    assert figure(client, staff, "确认服务人次") == "1"
    assert figure(client, vol.users["county"], "确认志愿服务时长") == "1"
    assert figure(client, other, "确认志愿服务时长") == "0", "another community's dashboard does not count it"
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    client.force_login(staff)
    body = client.get(f"/reports/dashboard/?period={last_month}").content.decode()
    parser = _Table("volunteers")
    parser.feed(body)
    assert {row[0]: row[1] for row in parser.rows[1:]}["确认志愿服务时长"] == "0"


def test_posts_held_and_wishes_posted_claimed_and_fulfilled_follow_the_records(client, vol, scratch_media_and_cache):
    staff = vol.staff
    post = vol.post(head_count=2)
    table = shown(client, staff, "volunteers")
    assert [table[label][0] for label in ("公益岗位设岗人数", "公益岗位在岗人数（期末）", "满员的公益岗位")] == [
        "2", "0", "0"]
    claim = services.post_claim(actor=vol.member_user, post=post)
    assert figure(client, staff, "公益岗位在岗人数（期末）") == "1"
    services.post_give_up(actor=vol.member_user, claim=claim)
    assert figure(client, staff, "公益岗位在岗人数（期末）") == "0"

    wish = vol.wish()
    table = shown(client, staff, "volunteers")
    assert [table[label][0] for label in ("登记微心愿", "认领微心愿", "完成微心愿")] == ["1", "0", "0"]
    for actor, action in [(staff, "publish"), (vol.member_user, "claim")]:
        wish = services.wish_transition(actor=actor, wish=wish, action=action, expected_version=wish.version)
    assert figure(client, staff, "认领微心愿") == "1" and figure(client, staff, "完成微心愿") == "0"
    services.wish_transition(actor=vol.member_user, wish=wish, action="fulfil", expected_version=wish.version,
                             proof=SimpleUploadedFile("p.png", image_bytes("PNG"), content_type="image/png"))
    table = shown(client, staff, "volunteers")
    assert [table[label][0] for label in ("登记微心愿", "认领微心愿", "完成微心愿")] == ["1", "1", "1"]
    assert figure(client, vol.users["community2"], "登记微心愿") == "0"


def test_each_units_registration_rate_rises_when_one_more_member_registers(client, vol):
    county = vol.users["county"]
    units = shown(client, county, "volunteer_units")
    assert units["县住建局机关党支部"] == ["2", "1", "50"]  # 党员甲 registered, 党员丁 not yet
    assert "县住建局机关党支部" not in shown(client, vol.staff, "volunteer_units"), "the unit is placed in the county"
    registration = services.registration_submit(actor=vol.new_user, community=vol.tree.east)
    assert shown(client, county, "volunteer_units")["县住建局机关党支部"] == ["2", "1", "50"], "not yet confirmed"
    services.registration_decide(actor=vol.staff, registration=registration, action="confirm",
                                 expected_version=registration.version)
    assert shown(client, county, "volunteer_units")["县住建局机关党支部"] == ["2", "2", "100"]
