"""`GET /api/v1/routing/suggest`, `GET /api/v1/routing/hot-spots` and the intake page's suggestion fragment."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.services import token_hash

URL = "/api/v1/routing/suggest"


@pytest.fixture(autouse=True)
def _people(users):
    return users


def _token(username: str) -> str:
    raw = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=User.objects.get(username=username), key_hash=token_hash(raw),
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    return raw


def _get(username: str | None, url: str = URL, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {_token(username)}"} if username else {}
    return Client().get(url, params, **headers)


@pytest.fixture
def lamp_case(default_tree, intake):
    return intake.submit("楼道灯坏了好几天", "东街1号楼楼道灯不亮，晚上上下楼看不见")


def test_suggest_answers_the_top_three_with_departments_and_duplicates(default_tree, lamp_case, tree):
    response = _get("community", title="楼道灯不亮了", description="1号楼楼道的灯坏了，晚上上下楼看不见",
                    region=tree.east_grid1.code)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["model"]["kind"] == "keywords" and body["model"]["calibrated"] is False
    assert 1 <= len(body["suggestions"]) <= 3
    first = body["suggestions"][0]
    assert first["category"]["name"] == "路灯照明" and first["category"]["path"] == ["市政设施", "路灯照明"]
    assert first["departments"] == [
        {"id": first["departments"][0]["id"], "name": "乾县住房和城乡建设局", "role": "lead"}
    ]
    assert [d["tracking_code"] for d in body["duplicates"]] == [lamp_case.tracking_code]


def test_duplicates_are_limited_to_cases_the_caller_may_see(default_tree, lamp_case, tree):
    body = _get("community2", title="楼道灯不亮了", description="楼道的灯坏了", region=tree.east_grid1.code)
    assert body.status_code == 400  # the east grid is outside the west community's scope
    body = _get("grid", title="楼道灯不亮了", description="1号楼楼道的灯坏了", region=tree.east_grid1.code).json()
    assert [d["id"] for d in body["duplicates"]] == [lamp_case.pk]


def test_suggest_needs_a_token_staff_and_some_text(default_tree):
    assert _get(None, title="路灯").status_code == 401
    assert _get("resident", title="路灯").status_code == 403
    assert _get("dept", title="路灯").status_code == 403
    response = _get("community")
    assert response.status_code == 400 and "title" in response.json()["error"]["fields"]


def test_hot_spots_endpoint(default_tree, lamp_case, intake, users, tree):
    intake.submit("楼道灯不亮", "1号楼楼道的灯坏了，晚上上下楼看不见", actor=users["county"])
    body = _get("street", url="/api/v1/routing/hot-spots").json()
    assert len(body) == 1 and body[0]["size"] == 2 and body[0]["community"]["code"] == tree.east.code
    assert _get("community2", url="/api/v1/routing/hot-spots").json() == []


def _login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_fragment_offers_one_click_buttons_and_duplicates(default_tree, lamp_case, tree):
    response = _login("community").get(reverse("routing:suggest_fragment"), {
        "title": "楼道灯不亮了", "description": "1号楼楼道的灯坏了，晚上上下楼看不见",
        "region": str(tree.east_grid1.pk),
    })
    assert response.status_code == 200
    html = response.content.decode()
    lamp = default_tree["路灯照明"]
    assert f'data-routing-category="{lamp.pk}"' in html and f'data-routing-category-code="{lamp.code}"' in html
    assert 'data-routing-target="id_category"' in html and "采用" in html
    assert "乾县住房和城乡建设局" in html
    assert lamp_case.tracking_code in html and reverse("cases:detail", args=[lamp_case.pk]) in html
    assert "<script" not in html and "style=" not in html


def test_the_fragment_without_text_shows_a_hint_and_keeps_a_safe_target(default_tree):
    client = _login("community")
    html = client.get(reverse("routing:suggest_fragment")).content.decode()
    assert "填写标题和内容后" in html
    html = client.get(reverse("routing:suggest_fragment"), {"title": "停水", "target": '"><x'}).content.decode()
    assert 'data-routing-target="id_category"' in html


def test_the_fragment_is_for_staff_only(default_tree):
    assert _login("resident").get(reverse("routing:suggest_fragment"), {"title": "停水"}).status_code == 403
    response = Client().get(reverse("routing:suggest_fragment"), {"title": "停水"})
    assert response.status_code == 302
