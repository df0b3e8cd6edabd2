"""Points rankings over HTTP: per community on the overview, per unit on the unit's page, by the points rule."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role, User
from cases.tests.images import image_bytes
from conftest import PASSWORD
from organisations import services as org_services
from volunteers import services
from volunteers.points import POINTS_PER_DEED

pytestmark = pytest.mark.django_db


class _Tables(HTMLParser):
    """Every table of a page with a caption: caption → rows, each the texts of its cells (header row left out)."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.caption = self.rows = self.text = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.rows = []
        elif tag == "tr" and self.rows is not None:
            self.rows.append([])
        elif tag in ("td", "th", "caption") and self.rows is not None:
            self.text = ""

    def handle_endtag(self, tag):
        if tag == "caption" and self.text is not None:
            self.caption, self.text = self.text.strip(), None
        elif tag in ("td", "th") and self.text is not None:
            self.rows[-1].append(self.text.strip())
            self.text = None
        elif tag == "table" and self.rows is not None:
            if self.caption:
                self.tables[self.caption] = self.rows[1:]
            self.caption = self.rows = None

    def handle_data(self, data):
        if self.text is not None:
            self.text += data


def tables(client, user, url: str) -> dict[str, list[list[str]]]:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.tables


def names(rows: list[list[str]]) -> list[str]:
    return [row[1] for row in rows]


def tasks_done(vol, user, count: int) -> None:
    """`user`'s member claims an east post and the community records `count` shifts done (a deed each)."""
    claim = services.post_claim(actor=user, post=vol.post(head_count=1, title=f"岗位{user.pk}"))
    for _ in range(count):
        services.post_task_record(actor=vol.staff, claim=claim, done_on=timezone.localdate(), note="完成巡查")


@pytest.fixture
def ranked(vol, scratch_media_and_cache):
    """党员丁 (two deeds) and 党员甲 (one) of the agency unit registered at 东街; 党员戊 of 西街 (one wish)."""
    services.registration_submit(actor=vol.staff, community=vol.tree.east, member=vol.new_member)
    tasks_done(vol, vol.new_user, 2)
    tasks_done(vol, vol.member_user, 1)
    person = org_services.person_create(actor=None, name="党员戊", phone="13600005555", home_region=vol.tree.west)
    org_services.party_member_register(actor=None, person=person, branch=vol.tree.west_party,
                                       registered_community=vol.tree.west, registered_on=timezone.localdate())
    west_user = User.objects.create_user(username="member3", password=PASSWORD, role=Role.PARTY_MEMBER,
                                         person=person)
    wish = services.wish_post(actor=vol.users["resident"], community=vol.tree.west, title="修门锁", text="门锁坏了")
    for actor, action in [(vol.users["community2"], "publish"), (west_user, "claim")]:
        wish = services.wish_transition(actor=actor, wish=wish, action=action, expected_version=wish.version)
    services.wish_transition(actor=west_user, wish=wish, action="fulfil", expected_version=wish.version,
                             proof=SimpleUploadedFile("p.png", image_bytes("PNG"), content_type="image/png"))
    return vol


def test_a_community_sees_the_ranking_of_the_members_registered_with_it_by_the_points_rule(client, ranked):
    shown = tables(client, ranked.staff, "/volunteers/")
    east = shown["东街社区 积分排行"]
    assert names(east) == ["党员丁", "党员甲"]
    assert [row[-1] for row in east] == [str(2 * POINTS_PER_DEED), str(POINTS_PER_DEED)]
    assert east[0][0] == "1" and east[0][2] == "县住建局机关党支部"
    assert "西街社区 积分排行" not in shown and "全辖区积分排行" not in shown
    west = tables(client, ranked.users["community2"], "/volunteers/")
    assert names(west["西街社区 积分排行"]) == ["党员戊"] and "东街社区 积分排行" not in west


def test_the_county_sees_each_communitys_ranking_and_one_over_them_all(client, ranked):
    shown = tables(client, ranked.users["county"], "/volunteers/")
    assert names(shown["东街社区 积分排行"]) == ["党员丁", "党员甲"]
    assert names(shown["西街社区 积分排行"]) == ["党员戊"]
    # 党员甲 and 党员戊 have the same points; the one on the roster first ranks first.
    assert names(shown["全辖区积分排行"]) == ["党员丁", "党员甲", "党员戊"]


def test_the_unit_page_ranks_the_units_own_members_wherever_they_serve(client, ranked):
    unit = ranked.tree.agency_branch
    shown = tables(client, ranked.users["dept"], f"/volunteers/units/{unit.pk}/")
    rows = shown["县住建局机关党支部 积分排行"]
    assert names(rows) == ["党员丁", "党员甲"] and [row[2] for row in rows] == ["东街社区", "东街社区"]
    assert [row[-1] for row in rows] == [str(2 * POINTS_PER_DEED), str(POINTS_PER_DEED)]
    west = tables(client, ranked.users["community2"], f"/volunteers/units/{ranked.tree.west_party.pk}/")
    assert names(west["西街社区党委 积分排行"]) == ["党员戊"]
    client.force_login(ranked.users["community2"])
    assert client.get(f"/volunteers/units/{unit.pk}/").status_code == 404
