"""Consultations through /api/v1/: one consultation from draft to published, every service by its endpoint,
the refusals with their codes leaving nothing changed, the scope (404) and the cursor paging."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from api.tests.conftest import Api
from consultations import services
from consultations.models import Comment, Consultation
from consultations.workflow import Status
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def post(api: Api, user: str, url: str, body: dict):
    return api.client.post(url, json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {api.token(user)}")


def move(api, user, consultation: dict, action: str, **extra):
    return post(api, user, f"/api/v1/consultations/{consultation['id']}/transitions",
                {"action": action, "version": consultation["version"], **extra})


def test_one_consultation_from_draft_to_published(api, desk, tree):
    draft = {"region": tree.east.code, "title": "小区广场改造方案", "plan": "广场东侧增设健身器材",
             "idempotency_key": "plan-1"}
    response = post(api, "community", "/api/v1/consultations", draft)
    assert response.status_code == 201, response.content.decode()
    body = response.json()
    assert (body["status"], body["allowed_actions"]) == ("draft", ["open"])
    assert (dt.date.fromisoformat(body["closes_on"]) - dt.date.fromisoformat(body["opens_on"])).days == 30
    again = post(api, "community", "/api/v1/consultations", draft)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    body = move(api, "community", body, "open").json()
    assert body["status"] == "open"
    url = f"/api/v1/consultations/{body['id']}"
    first = post(api, "resident", f"{url}/comments", {"text": "建议增设健身器材", "display_name": "张建华",
                                                     "phone": "13912345678", "idempotency_key": "c-1"})
    assert first.status_code == 201 and first.json()["name"] == "张**"
    retry = post(api, "resident", f"{url}/comments", {"text": "建议增设健身器材", "display_name": "张建华",
                                                     "idempotency_key": "c-1"})
    assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"]
    second = post(api, "resident", f"{url}/comments", {"text": "西侧请保留空地跳广场舞", "display_name": "李秀英"})
    spam = post(api, "resident", f"{url}/comments", {"text": "代办证件加微信", "display_name": "王某"})
    assert Comment.objects.count() == 3
    hidden = post(api, "community", f"{url}/comments/{spam.json()['id']}/moderation",
                  {"hidden": True, "reason": "广告"})
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True
    body = api.ok("community", url)
    assert move(api, "community", body, "close").status_code == 400  # early: needs its reason
    body = move(api, "community", body, "close", reason="意见已充分收集").json()
    too_late = post(api, "resident", f"{url}/comments", {"text": "晚到的意见", "display_name": "赵"})
    assert too_late.status_code == 400 and too_late.json()["error"]["code"] == "consultation_closed"
    assert Comment.objects.count() == 3
    wrong = move(api, "community", body, "review", body=desk.party.pk,
                 scheduled_at=(timezone.now() + dt.timedelta(days=3)).isoformat())
    assert wrong.status_code == 400 and "body" in wrong.json()["error"]["fields"]
    body = move(api, "community", body, "review", body=desk.representatives.pk,
                scheduled_at=(timezone.now() + dt.timedelta(days=3)).isoformat()).json()
    assert body["status"] == "reviewed" and body["review_meeting"]
    refused = move(api, "community", body, "publish")
    assert refused.status_code == 400 and "评审会议" in json.dumps(refused.json(), ensure_ascii=False)
    desk.hold(Consultation.objects.get(pk=body["id"]).review_meeting)
    opinion = post(api, "community", f"{url}/opinions", {"comments": [first.json()["id"]], "outcome": "adopted",
                                                         "reason": "东侧增设健身器材"})
    assert opinion.status_code == 201 and opinion.json()["comments"] == [first.json()["id"]]
    refused = move(api, "community", body, "publish")
    assert refused.status_code == 400 and "还有 1 条意见尚未处理" in json.dumps(refused.json(), ensure_ascii=False)
    bad = post(api, "community", f"{url}/opinions", {"comments": [second.json()["id"]], "outcome": "rejected",
                                                     "reason": ""})
    assert bad.status_code == 400 and "reason" in bad.json()["error"]["fields"]
    post(api, "community", f"{url}/opinions", {"comments": [second.json()["id"]], "outcome": "rejected",
                                               "reason": "西侧为消防通道，不能保留空地"})
    body = move(api, "community", body, "publish", outcome="按采纳的意见调整").json()
    assert (body["status"], body["allowed_actions"]) == ("published", [])
    assert [(o["outcome"], o["reason"]) for o in body["opinions"]] == [
        ("adopted", "东侧增设健身器材"), ("rejected", "西侧为消防通道，不能保留空地")]
    assert "13912345678" not in json.dumps(body) and "张建华" not in json.dumps(body, ensure_ascii=False)


def test_a_forbidden_move_is_400_and_a_stale_version_409_and_nothing_changes(api, desk):
    consultation = desk.opened()
    body = api.ok("community", f"/api/v1/consultations/{consultation.pk}")
    jump = move(api, "community", body, "publish")
    assert jump.status_code == 400 and jump.json()["error"]["code"] == "transition_not_allowed"
    stale = move(api, "community", {**body, "version": body["version"] - 1}, "close", reason="提前")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    unknown = move(api, "community", body, "delete")
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "unknown_action"
    consultation.refresh_from_db()
    assert (consultation.status, consultation.version) == (Status.OPEN, body["version"])


def test_an_opinion_naming_ids_no_row_can_have_is_bad_input_not_a_server_error(api, desk):
    consultation = desk.opened()
    url = f"/api/v1/consultations/{consultation.pk}/opinions"
    for ids in ([4447393684096593407508480], [-27690], [0]):
        response = post(api, "community", url, {"comments": ids, "outcome": "adopted", "reason": "理由"})
        assert response.status_code in (400, 422), response.content
        assert "error" in response.json()
    assert not consultation.opinions.exists()


def test_out_of_scope_is_404_and_names_nothing(api, desk):
    consultation = desk.opened()
    comment = desk.comment(consultation)
    url = f"/api/v1/consultations/{consultation.pk}"
    for response in (api.get("community2", url),
                     post(api, "community2", f"{url}/transitions", {"action": "close", "version": 2, "reason": "x"}),
                     post(api, "community2", f"{url}/comments/{comment.pk}/moderation", {"hidden": True,
                                                                                         "reason": "x"}),
                     post(api, "resident", f"{url}/comments/{comment.pk}/moderation", {"hidden": True, "reason": "x"}),
                     post(api, "community2", f"{url}/opinions", {"comments": [comment.pk], "outcome": "adopted",
                                                                 "reason": "x"})):
        assert response.status_code == 404
        assert response.json()["error"]["message"] == "征求意见不存在或无权访问"
    assert api.ok("community2", "/api/v1/consultations")["items"] == []
    assert api.ok("resident", "/api/v1/consultations")["items"] == []
    draft = desk.draft(title="草稿")
    assert post(api, "resident", f"/api/v1/consultations/{draft.pk}/comments",
                {"text": "意见", "display_name": "张"}).status_code == 404
    assert not Comment.objects.filter(hidden=True).exists()


def test_the_list_pages_by_cursor_in_scope(api, desk, tree, django_assert_max_num_queries):
    for n in range(5):
        desk.comment(desk.opened(title=f"方案{n}"))
    api.token("street")
    with django_assert_max_num_queries(8):
        page = api.ok("street", "/api/v1/consultations", limit=2)
    assert len(page["items"]) == 2 and page["next_cursor"]
    items = api.walk("street", "/api/v1/consultations", limit=2)
    assert [item["title"] for item in items] == [f"方案{n}" for n in range(5)]
    assert all(len(item["comments"]) == 1 for item in items)
    bad = api.get("street", "/api/v1/consultations", cursor="nonsense")
    assert bad.status_code == 400 and "cursor" in bad.json()["error"]["fields"]
    assert api.ok("street", "/api/v1/consultations", status="draft")["items"] == []


def test_figures_count_consultations_held_and_opinions_adopted(api, desk, tree):
    consultation = desk.opened()
    comments = [desk.comment(consultation, f"意见{n}") for n in range(3)]
    before = api.ok("county", "/api/v1/reports/figures")
    assert (before["consultations_held"], before["opinions_adopted"]) == (0, 0)
    consultation = desk.closed(consultation)
    services.opinion_decide(actor=desk.staff, consultation=consultation, comments=comments[:2], outcome="adopted",
                            reason="两条意见相同，采纳", summary="增设座椅")
    services.opinion_decide(actor=desk.staff, consultation=consultation, comments=comments[2:], outcome="rejected",
                            reason="场地不足")
    after = api.ok("county", "/api/v1/reports/figures")
    assert (after["consultations_held"], after["opinions_adopted"]) == (1, 1)
    north = api.ok("county", "/api/v1/reports/figures", region=tree.north.code)
    assert (north["consultations_held"], north["opinions_adopted"]) == (0, 0)
    assert AuditEvent.objects.filter(target_type="consultations.opinion").count() == 2
