"""The cases API over HTTP: intake, the full happy path, rework, errors in the project's shape, paging."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from cases.workflow import Status
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


class Api:
    """A test client that signs each user in once and speaks JSON."""

    def __init__(self, client):
        self.client = client
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            response = self.client.post(
                "/api/v1/auth/token", {"username": username, "password": PASSWORD}, content_type="application/json"
            )
            assert response.status_code == 200, response.content
            self.tokens[username] = response.json()["token"]
        return self.tokens[username]

    def get(self, username: str, url: str):
        return self.client.get(url, HTTP_AUTHORIZATION=f"Bearer {self.token(username)}")

    def post(self, username: str, url: str, body: dict, **headers):
        return self.client.post(
            url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {self.token(username)}", **headers
        )

    def move(self, username: str, case_id: int, action: str, **body):
        if "version" not in body:
            body["version"] = Case.objects.get(pk=case_id).version
        return self.post(username, f"/api/v1/cases/{case_id}/transitions", {"action": action, **body})


@pytest.fixture
def api(client, world) -> Api:
    return Api(client)


REPORT = {
    "kind": "problem", "title": "东街路灯不亮", "description": "3号楼前路灯坏了一周，晚上很黑",
    "region": "610424001001001", "address": "东街3号楼前", "lat": 34.527, "long": 108.233,
    "contact_name": "居民乙", "contact_phone": "13900002222",
}


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content.decode()
    return response.json()


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content.decode()
    return response.json()["error"]


def test_intake_answers_201_and_a_repeat_with_the_same_key_answers_the_same_case(api):
    first = ok(api.post("resident", "/api/v1/cases", REPORT, HTTP_IDEMPOTENCY_KEY="k-1"), 201)
    assert set(first) == {"id", "tracking_code", "status", "version"}
    assert first["status"] == "received" and first["version"] == 1
    again = ok(api.post("resident", "/api/v1/cases", REPORT, HTTP_IDEMPOTENCY_KEY="k-1"), 200)
    assert again == first
    assert Case.objects.count() == 1


@pytest.mark.parametrize("channel", ["opinion_window", "service_hall", "phone", "grid_patrol", "meeting"])
def test_a_resident_cannot_file_as_a_window_a_meeting_or_a_patrol(api, channel):
    # The figures count cases by channel (283 problems collected at the windows): no resident may add to them.
    found = error(api.post("resident", "/api/v1/cases", {**REPORT, "channel": channel}), 400)
    assert found["code"] == "invalid" and "工作人员" in found["fields"]["channel"][0]
    assert Case.objects.count() == 0
    assert ok(api.post("resident", "/api/v1/cases", {**REPORT, "channel": "web"}), 201)["status"] == "received"


def test_residents_reports_through_the_api_are_limited_per_address_and_staff_are_not(api, settings):
    cache.clear()
    settings.REPORT_RATE_LIMIT = 2
    for n in range(2):
        ok(api.post("resident", "/api/v1/cases", {**REPORT, "title": f"路灯{n}"}), 201)
    response = api.post("resident", "/api/v1/cases", REPORT)
    assert error(response, 429)["code"] == "rate_limited" and 1 <= int(response["Retry-After"]) <= 600
    assert Case.objects.count() == 2
    for n in range(3):
        ok(api.post("community", "/api/v1/cases", {**REPORT, "title": f"窗口{n}", "channel": "opinion_window"}), 201)
    cache.clear()


def test_staff_in_scope_file_from_the_window_and_the_case_counts_there(api):
    created = ok(api.post("community", "/api/v1/cases", {**REPORT, "channel": "opinion_window"}), 201)
    assert Case.objects.get(pk=created["id"]).channel == "opinion_window"


@pytest.mark.parametrize("change, field", [
    ({"region": None}, "region"),
    ({"region": "610424"}, "region"),
    ({"region": "999999999999"}, "region"),
    ({"description": "字" * 4001}, "description"),
    ({"description": "<script>alert('x')</script>"}, "description"),
    ({"category": "no-such-category"}, "category"),
    ({"lat": 200}, "lat"),
    ({"kind": "complaint"}, "kind"),
])
def test_bad_intake_gets_400_with_the_field_and_nothing_is_stored(api, change, field):
    body = error(api.post("resident", "/api/v1/cases", {**REPORT, **change}), 400)
    assert body["code"] == "invalid"
    assert field in body["fields"], body
    assert Case.objects.count() == 0


def test_a_malformed_body_gets_the_same_error_shape(api):
    body = error(api.post("resident", "/api/v1/cases", {**REPORT, "lat": "north"}), 400)
    assert body["code"] == "invalid" and "lat" in body["fields"]


def test_the_detail_masks_the_phone_and_is_404_out_of_scope(api):
    case_id = ok(api.post("resident", "/api/v1/cases", REPORT), 201)["id"]
    detail = ok(api.get("community", f"/api/v1/cases/{case_id}"))
    assert detail["contact_phone"] == "139****2222"
    assert detail["region"] == {"code": "610424001001001", "name": "东街一网格"}
    assert detail["allowed_actions"][:3] == ["classify", "reject", "merge"]
    assert detail["events"][0]["action"] == "submit"
    for outsider in ("community2", "dept", "resident2"):
        assert error(api.get(outsider, f"/api/v1/cases/{case_id}"), 404)["code"] == "not_found"
    assert error(api.move("community2", case_id, "classify", category="01"), 404)["code"] == "not_found"


def test_the_full_happy_path_over_http(api, world):
    case_id = ok(api.post("resident", "/api/v1/cases", REPORT, HTTP_IDEMPOTENCY_KEY="happy"), 201)["id"]
    moved = ok(api.move("community", case_id, "classify", category="01", note="市政设施类"))
    assert moved["status"] == "registered" and moved["version"] == 2
    moved = ok(api.move("community", case_id, "dispatch", assignees=[
        {"organisation": world.dept.pk, "role": "lead"}, {"organisation": world.dept2.pk, "role": "assist"},
    ]))
    assert moved["status"] == "dispatched"
    detail = ok(api.get("dept2", f"/api/v1/cases/{case_id}"))
    by_role = {a["role"]: a for a in detail["assignments"]}
    assert by_role["lead"]["assignee"] == "县住房和城乡建设局"
    moved = ok(api.move("dept2", case_id, "return", assignment=by_role["assist"]["id"], reason="路灯不归城管局管理"))
    assert moved["status"] == "dispatched"
    moved = ok(api.move("dept", case_id, "accept", assignment=by_role["lead"]["id"]))
    assert moved["status"] == "in_progress"
    ok(api.move("dept", case_id, "note", note="已安排电工"))
    moved = ok(api.move("dept", case_id, "reply", assignment=by_role["lead"]["id"], reply="已更换灯泡"))
    assert moved["status"] == "replied"
    assert ok(api.move("community", case_id, "verify", note="夜间核查已亮"))["status"] == "verified"
    assert ok(api.move("community", case_id, "close"))["status"] == "closed"
    moved = ok(api.move("resident", case_id, "rate", result="satisfied", comment="很及时"))
    assert moved["status"] == "rated"
    detail = ok(api.get("community", f"/api/v1/cases/{case_id}"))
    assert [e["action"] for e in detail["events"]] == [
        "submit", "classify", "dispatch", "return", "accept", "note", "reply", "verify", "close", "rate",
    ]
    assert all(e["actor"] for e in detail["events"])
    assert detail["public_note"] == "已更换灯泡"
    assert {a["status"] for a in detail["assignments"]} == {"returned", "replied"}


def test_the_rework_path_over_http(api, flow):
    case = flow.reach(Status.CLOSED)
    moved = ok(api.move("resident", case.pk, "rate", result="unsatisfied", comment="还是不亮"))
    assert moved["status"] == "in_progress"
    detail = ok(api.get("dept", f"/api/v1/cases/{case.pk}"))
    assert detail["rework_count"] == 1
    lead = next(a for a in detail["assignments"] if a["role"] == "lead")
    assert lead["status"] == "accepted"
    ok(api.move("dept", case.pk, "reply", assignment=lead["id"], reply="已更换整套灯具"))
    ok(api.move("community", case.pk, "verify"))
    ok(api.move("community", case.pk, "close"))
    moved = ok(api.move("resident", case.pk, "rate", result="unsatisfied", comment="晚上仍然闪烁"))
    assert moved["status"] == "escalated"
    detail = ok(api.get("community", f"/api/v1/cases/{case.pk}"))
    assert detail["escalated_to"] == "joint_meeting"
    assert [e["action"] for e in detail["events"]][-2:] == ["rate", "escalate"]


def test_a_stale_version_gets_409_before_anything_else(api, flow):
    case = flow.reach(Status.RECEIVED)
    flow.classify(case)
    # Stale, and also a move the table forbids with no inputs: the version is reported.
    body = error(api.move("community", case.pk, "close", version=1), 409)
    assert body["code"] == "stale_version"
    body = error(api.move("community", case.pk, "no_such_action", version=1), 409)
    assert body["code"] == "stale_version"


def test_a_move_the_table_forbids_gets_400(api, flow):
    case = flow.reach(Status.RECEIVED)
    body = error(api.move("community", case.pk, "close"), 400)
    assert body["code"] == "transition_not_allowed"
    assert "已受理" in body["message"]
    assert error(api.move("community", case.pk, "fly"), 400)["code"] == "unknown_action"


def test_a_move_by_someone_the_edge_does_not_allow_gets_403(api, flow):
    case = flow.reach(Status.DISPATCHED)
    body = error(api.move("dept", case.pk, "dispatch", assignees=[{"organisation": flow.w.dept3.pk, "role": "assist"}]),
                 403)
    assert body["code"] == "forbidden"
    assert Case.objects.get(pk=case.pk).version == case.version


def test_bad_transition_input_gets_400_with_fields(api, flow):
    case = flow.reach(Status.RECEIVED)
    assert "category" in error(api.move("community", case.pk, "classify", category="nope"), 400)["fields"]
    assert "category" in error(api.move("community", case.pk, "classify"), 400)["fields"]
    case = flow.classify(case)
    assert "assignees" in error(api.move("community", case.pk, "dispatch"), 400)["fields"]
    body = error(api.move("community", case.pk, "dispatch", assignees=[{"organisation": 999999}]), 400)
    assert body["fields"] == {"assignees": ["单位不存在"]}
    assert Case.objects.get(pk=case.pk).version == case.version


def test_whistle_report_in_and_score_over_http(api, flow, world):
    from accounts.models import Role, User

    User.objects.create_user(username="dept3", password=PASSWORD, role=Role.DEPARTMENT_HANDLER,
                             organisation=world.dept3)
    case = flow.reach(Status.IN_PROGRESS)
    ok(api.move("community", case.pk, "whistle", reasons=["emergency", "needs_enforcement"],
                organisations=[world.dept3.pk], note="占道经营堵塞消防通道"))
    detail = ok(api.get("dept3", f"/api/v1/cases/{case.pk}"))
    summons = detail["whistles"][0]["summons"][0]
    assert summons["organisation"] == "县市场监督管理局"
    ok(api.move("dept3", case.pk, "report_in", summons=summons["id"]))
    case = flow.close(flow.verify(flow.reply(Case.objects.get(pk=case.pk))))
    ok(api.move("community", case.pk, "score", summons=summons["id"], score=5, comment="到场迅速"))
    detail = ok(api.get("community", f"/api/v1/cases/{case.pk}"))
    assert detail["whistles"][0]["summons"][0]["score"] == 5
    assert detail["whistles"][0]["summons"][0]["reported_at"] is not None


def test_the_list_is_scoped_filtered_and_paged_by_cursor(api, flow, world):
    east = [flow.submit(title=f"东街事项{n}") for n in range(5)]
    flow.submit(actor=flow.u["community2"], region=world.tree.west, reporter_user=None, title="西街事项")
    page = ok(api.get("community", "/api/v1/cases?limit=2"))
    assert len(page["items"]) == 2 and page["next_cursor"]
    seen = [item["id"] for item in page["items"]]
    while page["next_cursor"]:
        page = ok(api.get("community", f"/api/v1/cases?limit=2&cursor={page['next_cursor']}"))
        seen += [item["id"] for item in page["items"]]
    assert seen == [case.pk for case in reversed(east)]
    assert len(ok(api.get("street", "/api/v1/cases"))["items"]) == 6
    assert [i["title"] for i in ok(api.get("street", "/api/v1/cases?region=610424001002"))["items"]] == ["西街事项"]
    flow.classify(east[0])
    filtered = ok(api.get("community", "/api/v1/cases?status=registered&category=01"))["items"]
    assert [i["id"] for i in filtered] == [east[0].pk]
    assert ok(api.get("dept", "/api/v1/cases"))["items"] == []
    assert "cursor" in error(api.get("community", "/api/v1/cases?cursor=!!bad"), 400)["fields"]


def test_the_list_takes_the_same_number_of_queries_for_any_page_size(api, flow):
    for n in range(2):
        flow.classify(flow.submit(title=f"事项{n}"))
    api.token("community")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            ok(api.get("community", "/api/v1/cases?limit=50"))
        return len(queries)

    few = count()
    for n in range(6):
        flow.classify(flow.submit(title=f"更多事项{n}"))
    assert count() == few


def test_calls_without_a_token_get_401(client, world):
    assert client.get("/api/v1/cases").status_code == 401
    assert client.post("/api/v1/cases", REPORT, content_type="application/json").status_code == 401


def test_a_resident_sees_their_own_case_without_internal_detail(api, flow):
    case = flow.reach(Status.IN_PROGRESS)
    detail = ok(api.get("resident", f"/api/v1/cases/{case.pk}"))
    assert detail["assignments"] == [] and detail["whistles"] == []
    assert [e["action"] for e in detail["events"]] == ["submit", "classify", "dispatch", "accept"]
    assert all(e["actor"] == "" for e in detail["events"])
    assert ok(api.get("community", f"/api/v1/cases/{case.pk}"))["assignments"]


@pytest.mark.parametrize("limit", ["0", "-1", "201", "many"])
def test_a_limit_out_of_range_on_the_case_list_is_a_400_naming_limit(api, flow, limit):
    flow.submit(title="东街事项")
    body = error(api.get("community", f"/api/v1/cases?limit={limit}"), 400)
    assert "limit" in body["fields"]


def test_the_case_list_takes_up_to_the_documented_200_per_page(api, flow):
    for n in range(3):
        flow.submit(title=f"东街事项{n}")
    assert len(ok(api.get("community", "/api/v1/cases?limit=200"))["items"]) == 3


def test_a_cursor_of_another_list_is_refused_by_the_case_list(api, flow):
    for n in range(2):
        flow.submit(title=f"东街事项{n}")
    from core import cursor as cursor_codec

    regions_cursor = cursor_codec.encode("code", "610424001", 4)  # what the regions list hands out
    body = error(api.get("community", f"/api/v1/cases?cursor={regions_cursor}"), 400)
    assert body["fields"] == {"cursor": ["翻页标记无效，请从第一页重新开始"]}
