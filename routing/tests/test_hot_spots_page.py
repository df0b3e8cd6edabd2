"""热点聚类 through HTTP: open cases about one thing in one community are shown as one group, only from the
reader's area, and to the staff who take cases in."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

PAGE = "routing:hot_spots"


def _login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def lamps(intake, tree):
    """Three reports of the dark lamps at building 3 from two grids of one community, and one about water."""
    cases = [
        intake.submit("3号楼路灯不亮", "东街3号楼前的路灯不亮，晚上很黑", region=tree.east_grid1),
        intake.submit("3号楼路灯坏了", "东街3号楼前的路灯不亮了，晚上很黑", region=tree.east_grid1),
        intake.submit("3号楼前路灯不亮", "3号楼门口路灯不亮，晚上看不见路", region=tree.east_grid2),
    ]
    water = intake.submit("小区停水", "家里没有自来水，已经一整天了", region=tree.east_grid1)
    return cases, water


def test_reports_of_one_lamp_are_one_hot_spot_of_the_community(lamps, tree, users):
    cases, water = lamps
    html = _login("community").get(reverse(PAGE)).content.decode()
    assert f"{tree.east.name}：1 个热点" in html and "3 件" in html
    for case in cases:
        assert case.tracking_code in html and reverse("cases:detail", args=[case.pk]) in html
    assert water.tracking_code not in html
    assert tree.east_grid1.name in html and tree.east_grid2.name in html


def test_a_county_clerk_picks_the_community_and_an_outsider_sees_nothing_of_it(lamps, tree, users):
    html = _login("county").get(reverse(PAGE), {"region": tree.east.code}).content.decode()
    assert "3 件" in html
    assert _login("community").get(reverse(PAGE), {"region": tree.north.code}).status_code == 404


@pytest.mark.parametrize("username", ["resident", "member", "dept"])
def test_only_staff_who_take_cases_in_see_hot_spots(lamps, username):
    assert _login(username).get(reverse(PAGE)).status_code == 403


def test_a_quiet_community_says_so(tree, users):
    html = _login("community").get(reverse(PAGE)).content.decode()
    assert "没有多人反映的同类在办事项" in html
