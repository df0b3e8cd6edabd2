"""The service pages and API over HTTP: scope (out of scope is 404), bad input (a Chinese message, never
500, what was typed kept), the public catalogue, the rating by tracking code."""

from __future__ import annotations

import pytest

from api.tests.conftest import Api
from govservices.models import FollowUp, ServiceRequest

from .factories import MATERIALS, finished, item, taken

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(users):
    return item(users["county"])


def post_json(api: Api, user: str, url: str, body: dict):
    return api.client.post(url, body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {api.token(user)}")


def test_the_catalogue_api_is_public_and_finds_by_initials(client, catalogue):
    page = client.get("/api/v1/service-items", {"q": "zm"}).json()
    assert [row["code"] for row in page["items"]] == ["ZM001"] and page["next_cursor"] is None
    one = client.get("/api/v1/service-items/ZM001").json()
    assert one["materials"][0]["name"] == "居民身份证" and one["version"] == 1 and one["promised_days"] == 3
    assert client.get("/api/v1/service-items/NOPE").json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/service-items", {"limit": 0}).status_code == 400


def test_a_request_through_the_api_with_its_moves(api, catalogue, tree, users):
    body = {"item": "ZM001", "region": tree.east.code, "channel": "window", "applicant_name": "王秀英",
            "idempotency_key": "api-1"}
    created = post_json(api, "community", "/api/v1/service-requests", body)
    assert created.status_code == 201, created.content
    again = post_json(api, "community", "/api/v1/service-requests", body)
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    data = created.json()
    assert data["first_receiver"] == "community" and data["status"] == "accepted" and data["applicant_name"] != "王秀英"
    url = f"/api/v1/service-requests/{data['id']}/transitions"
    skipped = post_json(api, "community", url, {"action": "deliver", "version": data["version"]})
    assert skipped.status_code == 400 and skipped.json()["error"]["code"] == "transition_not_allowed"
    moved = post_json(api, "community", url, {"action": "transfer", "version": data["version"],
                                              "handler": users["dept"].pk})
    assert moved.status_code == 200 and moved.json()["handler"] == "dept"
    stale = post_json(api, "community", url, {"action": "complete", "version": data["version"], "result": "好"})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    # Out of scope: another community's staff do not find it.
    assert post_json(api, "community2", url, {"action": "complete", "version": 3}).status_code == 404
    huge = post_json(api, "community", f"/api/v1/service-requests/{2**63}/transitions",
                     {"action": "complete", "version": 1})
    assert huge.status_code in (400, 422) and huge.status_code != 500
    done = post_json(api, "dept", url, {"action": "complete", "version": moved.json()["version"], "result": "已出具"})
    assert done.status_code == 200 and done.json()["status"] == "completed"


def test_an_online_application_by_a_resident_waits_for_a_clerk(api, catalogue, tree):
    response = post_json(api, "resident", "/api/v1/service-requests",
                         {"item": "ZM001", "region": tree.east.code, "applicant_name": "居民乙"})
    assert response.status_code == 201 and response.json()["status"] == "submitted"
    window = post_json(api, "resident", "/api/v1/service-requests",
                       {"item": "ZM001", "region": tree.east.code, "channel": "window", "applicant_name": "居民乙"})
    assert window.status_code in (400, 403)
    bad = post_json(api, "resident", "/api/v1/service-requests",
                    {"item": "ZM001", "region": tree.east.code, "applicant_name": ""})
    assert bad.status_code == 400 and "applicant_name" in bad.json()["error"]["fields"]


def test_the_public_item_page_and_its_notice_list_every_material(client, catalogue):
    page = client.get("/public/services/?q=zm")
    assert page.status_code == 200 and "居住证明开具" in page.content.decode()
    assert "居住证明开具" not in client.get("/public/services/?q=xyz").content.decode()
    guide = client.get("/public/services/items/ZM001/").content.decode()
    notice = client.get("/public/services/items/ZM001/notice/").content.decode()
    for material in MATERIALS:
        assert material["name"] in guide and material["name"] in notice
    assert "<script" not in notice
    assert client.get("/public/services/items/NOPE/").status_code == 404


def test_the_clerk_takes_a_request_on_the_page_and_bad_input_keeps_what_was_typed(client, catalogue, tree, users):
    client.force_login(users["community"])
    empty = client.post("/services/new/", {"applicant_name": "王秀英", "assisted": "on"})
    text = empty.content.decode()
    assert empty.status_code == 400 and "王秀英" in text and "请选择服务事项" in text
    no_consent = client.post("/services/new/", {"item": catalogue.pk, "region": tree.east.pk,
                                                "applicant_name": "王秀英", "assisted": "on"})
    assert no_consent.status_code == 400 and "本人的同意" in no_consent.content.decode()
    response = client.post("/services/new/", {"item": catalogue.pk, "region": tree.east.pk,
                                              "applicant_name": "王秀英", "idempotency_key": "page-1"})
    assert response.status_code == 302
    request = ServiceRequest.objects.get(idempotency_key="page-1")
    detail = client.get(f"/services/{request.pk}/").content.decode()
    assert "王秀英" not in detail and "一次性告知补正" in detail
    missing = client.post(f"/services/{request.pk}/act/correct/", {"correct-version": request.version,
                                                                  "correct-missing": ""})
    assert missing.status_code == 400 and "全部材料" in missing.content.decode()
    moved = client.post(f"/services/{request.pk}/act/transfer/", {"transfer-version": request.version,
                                                                 "transfer-handler": users["street"].pk})
    assert moved.status_code == 302
    stale = client.post(f"/services/{request.pk}/act/handle/", {"handle-version": request.version})
    assert stale.status_code in (400, 409)
    handed = client.get("/services/handed-over/").content.decode()
    assert request.tracking_code in handed
    client.force_login(users["community2"])
    assert client.get(f"/services/{request.pk}/").status_code == 404


def test_the_resident_rates_by_code_and_a_bad_rating_shows_the_follow_up(client, catalogue, tree, users):
    request = finished(users["community"], taken(users["community"], catalogue, tree.east))
    url = f"/public/services/requests/{request.tracking_code}/"
    assert client.get(url).status_code == 200
    no_reason = client.post(url, {"level": "2"})
    assert no_reason.status_code == 400 and "不满意的原因" in no_reason.content.decode()
    assert client.post(url, {"level": "2", "comment": "等了很久"}).status_code == 302
    page = client.get(url).content.decode()
    assert "不满意" in page and "整改" in page
    follow_up = FollowUp.objects.get(rating__request=request)
    client.force_login(users["community"])
    assert request.tracking_code in client.get("/services/follow-ups/").content.decode()
    assert client.post(f"/services/follow-ups/{follow_up.pk}/reply/", {f"f{follow_up.pk}-version": 1,
                                                                      f"f{follow_up.pk}-reply": ""}).status_code == 400
    assert client.post(f"/services/follow-ups/{follow_up.pk}/reply/", {
        f"f{follow_up.pk}-version": 1, f"f{follow_up.pk}-reply": "已增开窗口"}).status_code == 302
    client.logout()
    assert "已增开窗口" in client.get(url).content.decode()
    client.force_login(users["community"])
    rates = client.get("/services/rates/").content.decode()
    assert "居住证明开具" in rates and "0.0%" in rates
