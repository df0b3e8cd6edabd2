"""Social service organisations (社会服务组织) over HTTP: staff register and change them in their scope (another
street's provider is 404), residents find them by community with the phone masked, and rate each once a month."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from api.tests.conftest import Api
from core.models import AuditEvent
from govservices.models import Provider, ProviderRating

from .factories import PROVIDER_PHONE, provider

pytestmark = pytest.mark.django_db

MASKED = "138****7319"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()  # the rating limit counts in the cache


@pytest.fixture
def east_provider(tree, users):
    return provider(users["community"], tree.east, [tree.east])


@pytest.fixture
def north_provider(tree, users):
    return provider(users["county"], tree.north, [tree.north], name="北关明理法律咨询服务中心", kind="legal",
                    phone="02935512345")


def form(tree, **overrides) -> dict:
    values = {"name": "东街启航青少年托管中心", "kind": "education", "services": "课后托管、作业辅导",
              "hours": "周一至周五 16:00-19:00", "phone": "139 5550 8642", "address": "东街 8 号",
              "region": tree.east.pk, "communities": [tree.east.pk]}
    return values | overrides


def test_community_staff_register_a_provider_and_the_phone_is_kept_encrypted_and_shown_masked(client, tree, users):
    client.force_login(users["community"])
    assert client.get("/services/providers/new/").status_code == 200
    response = client.post("/services/providers/new/", form(tree))
    assert response.status_code == 302
    registered = Provider.objects.get(name="东街启航青少年托管中心")
    assert registered.phone == "13955508642" and registered.registered_by == users["community"]
    page = client.get(response["Location"]).content.decode()
    assert "139****8642" in page and "13955508642" not in page
    audit = AuditEvent.objects.get(target_type="govservices.provider", action="create")
    assert "13955508642" not in str(audit.changes)
    listed = client.get("/services/providers/").content.decode()
    assert "东街启航青少年托管中心" in listed and "13955508642" not in listed


def test_an_empty_name_and_a_bad_phone_get_chinese_messages_and_keep_what_was_typed(client, tree, users):
    client.force_login(users["community"])
    response = client.post("/services/providers/new/", form(tree, name="", phone="12345", services="上门理发、助浴"))
    text = response.content.decode()
    assert response.status_code == 400
    assert "请填写名称" in text and "联系电话应为 11 位手机号或带区号的固定电话" in text
    assert "上门理发、助浴" in text and "周一至周五 16:00-19:00" in text and "12345" in text
    assert not Provider.objects.exists()
    markup = client.post("/services/providers/new/", form(tree, name="<script>x</script>"))
    assert markup.status_code == 400 and not Provider.objects.exists()
    no_community = client.post("/services/providers/new/", form(tree, communities=[]))
    assert no_community.status_code == 400 and "请至少选择一个服务社区" in no_community.content.decode()


def test_a_community_outside_the_registering_place_is_refused(client, tree, users):
    client.force_login(users["street"])
    response = client.post("/services/providers/new/", form(tree, communities=[tree.north.pk]))
    assert response.status_code == 400 and not Provider.objects.exists()
    client.force_login(users["county"])
    outside = client.post("/services/providers/new/", form(tree, communities=[tree.north.pk]))
    assert outside.status_code == 400 and "服务社区须是东街社区辖区内的社区" in outside.content.decode()


def test_another_streets_provider_is_not_found_and_names_nothing(client, tree, users, east_provider, north_provider):
    client.force_login(users["community"])
    listed = client.get("/services/providers/").content.decode()
    assert east_provider.name in listed and north_provider.name not in listed
    response = client.get(f"/services/providers/{north_provider.pk}/")
    assert response.status_code == 404 and north_provider.name not in response.content.decode()
    assert client.post(f"/services/providers/{north_provider.pk}/", {"name": "改名"}).status_code == 404
    assert client.post(f"/services/providers/{north_provider.pk}/archive/").status_code == 404
    client.force_login(users["community2"])  # the same street, another community
    assert client.get(f"/services/providers/{east_provider.pk}/").status_code == 404
    client.force_login(users["street"])
    assert client.get(f"/services/providers/{east_provider.pk}/").status_code == 200
    client.force_login(users["resident"])
    assert client.get("/services/providers/").status_code == 404


def test_a_county_provider_is_seen_by_the_communities_it_serves_but_changed_only_by_the_county(client, tree, users):
    serving = provider(users["county"], tree.county, [tree.east, tree.north], name="乾县乐龄居家养老服务中心",
                       kind="elderly")
    client.force_login(users["community"])
    page = client.get(f"/services/providers/{serving.pk}/")
    assert page.status_code == 200 and "data-provider-form" not in page.content.decode()
    assert client.post(f"/services/providers/{serving.pk}/", {"version": 1, "name": "改名"}).status_code == 403
    client.force_login(users["community2"])
    assert client.get(f"/services/providers/{serving.pk}/").status_code == 404


def test_staff_change_a_provider_keep_the_phone_when_left_blank_and_a_stale_page_keeps_what_was_typed(
        client, tree, users, east_provider):
    client.force_login(users["community"])
    url = f"/services/providers/{east_provider.pk}/"
    edit = client.get(url).content.decode()
    assert PROVIDER_PHONE not in edit and MASKED in edit
    changed = {"version": 1, "name": east_provider.name, "kind": "housekeeping", "services": "上门保洁、家电清洗",
               "hours": "每日 8:00-21:00", "phone": "", "address": "", "communities": [tree.east.pk]}
    assert client.post(url, changed).status_code == 302
    east_provider.refresh_from_db()
    assert east_provider.services == "上门保洁、家电清洗" and east_provider.phone == PROVIDER_PHONE
    assert east_provider.version == 2
    stale = client.post(url, changed | {"services": "我写的新内容"})
    assert stale.status_code == 409 and "我写的新内容" in stale.content.decode()
    bad = client.post(url, changed | {"version": 2, "name": "", "phone": "abc"})
    assert bad.status_code == 400 and "请填写名称" in bad.content.decode()
    assert client.post(f"/services/providers/{east_provider.pk}/archive/", {"reason": "停业"}).status_code == 302
    assert client.get(url).status_code == 404
    assert Provider.objects.filter(pk=east_provider.pk, archived_at__isnull=False).exists()
    assert client.get("/public/services/providers/").content.decode().count("data-provider=") == 0


def test_the_public_list_by_community_masks_every_phone(client, tree, east_provider, north_provider):
    page = client.get("/public/services/providers/", {"community": tree.east.code}).content.decode()
    assert east_provider.name in page and north_provider.name not in page
    assert MASKED in page and PROVIDER_PHONE not in page
    everyone = client.get("/public/services/providers/").content.decode()
    assert north_provider.name in everyone and "02935512345" not in everyone and "029****2345" in everyone
    assert client.get("/public/services/providers/", {"kind": "legal"}).content.decode().count("data-provider=") == 1
    assert client.get("/public/services/providers/", {"community": "x' or 1=1"}).status_code == 200
    detail = client.get(f"/public/services/providers/{east_provider.pk}/").content.decode()
    assert MASKED in detail and PROVIDER_PHONE not in detail and "居民登录后评价" in detail
    assert client.get("/public/services/providers/999999/").status_code == 404


def test_large_text_mode_reaches_the_provider_pages(client, east_provider):
    client.cookies["text_size"] = "large"
    client.get("/public/text-size/", {"size": "large", "next": "/public/services/providers/"})
    page = client.get("/public/services/providers/").content.decode()
    assert 'class="large-text"' in page


def test_a_resident_rates_a_provider_once_a_month(client, users, east_provider):
    url = f"/public/services/providers/{east_provider.pk}/"
    anonymous = client.post(url, {"level": "5"})
    assert anonymous.status_code == 403 and "请用居民账号登录后评价" in anonymous.content.decode()
    client.force_login(users["community"])  # staff on the portal are not residents
    assert client.post(url, {"level": "5"}).status_code == 403
    client.force_login(users["resident"])
    empty = client.post(url, {"comment": "服务很周到"})
    assert empty.status_code == 400 and "请选择评价等级" in empty.content.decode()
    assert "服务很周到" in empty.content.decode()
    assert client.post(url, {"level": "4", "comment": "准时上门"}).status_code == 302
    again = client.post(url, {"level": "1"})
    assert again.status_code == 400 and "您本月已评价过该服务组织" in again.content.decode()
    assert ProviderRating.objects.filter(provider=east_provider).count() == 1
    page = client.get(url).content.decode()
    assert "4.0 分（1 人评价）" in page and "您本月已评价过" in page


def test_ratings_are_rate_limited_per_address(client, settings, users, east_provider):
    settings.PORTAL_RATING_LIMIT = 2
    client.force_login(users["resident"])
    url = f"/public/services/providers/{east_provider.pk}/"
    assert [client.post(url, {}).status_code for _ in range(2)] == [400, 400]
    limited = client.post(url, {"level": "5"})
    assert limited.status_code == 429 and "评价提交过于频繁" in limited.content.decode()
    assert not ProviderRating.objects.exists()


def test_the_api_lists_providers_in_scope_with_masked_phones_and_cursor_paging(api: Api, tree, users, east_provider,
                                                                               north_provider):
    def get(user, **params):
        return api.client.get("/api/v1/service-providers", params, HTTP_AUTHORIZATION=f"Bearer {api.token(user)}")

    mine = get("community").json()
    assert [row["name"] for row in mine["items"]] == [east_provider.name]
    assert mine["items"][0]["phone"] == MASKED and mine["items"][0]["communities"][0]["code"] == tree.east.code
    everything = get("county", limit=1).json()
    assert len(everything["items"]) == 1 and everything["next_cursor"]
    rest = get("county", limit=1, cursor=everything["next_cursor"]).json()
    assert rest["items"][0]["id"] != everything["items"][0]["id"]
    assert get("county", cursor="nonsense").status_code == 400
    assert get("county", kind="nonsense").json()["error"]["code"] == "invalid"
    assert get("county", community=tree.north.code).json()["items"][0]["name"] == north_provider.name
    assert api.client.get("/api/v1/service-providers").status_code == 401
    assert get("resident").json()["items"] == []
