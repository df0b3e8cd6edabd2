"""Task admission and ledgers through /api/v1/: a request without authority or funds cannot be admitted and
nothing changes, two reviewers at once (one wins, the other 409), money refused when it is not exact, the
unbalanced ledger flagged, the scope (404) and the cursor paging."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from api.tests.conftest import Api
from core.models import AuditEvent
from tasks import services
from tasks.models import CommunityTask, LedgerEntry, TaskRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, users) -> Api:
    return Api(client)


def post(api: Api, user: str, url: str, body: dict):
    return api.client.post(url, json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {api.token(user)}")


def file(api, tree, **extra) -> dict:
    body = {"region": tree.county.code, "department": tree.department.pk, "category": "employment",
            "title": "就业困难人员认定初审", "legal_basis": "《就业促进法》第五十二条",
            "authority": "就业困难人员申请受理与初审", "funds": "36000.00", "people": 2, **extra}
    response = post(api, "dept", "/api/v1/task-requests", body)
    assert response.status_code == 201, response.content.decode()
    return response.json()


def move(api, user, request: dict, action: str, **extra):
    return post(api, user, f"/api/v1/task-requests/{request['id']}/transitions",
                {"action": action, "version": request["version"], **extra})


@pytest.mark.parametrize(("missing", "field"), [({"funds": None}, "funds"), ({"authority": ""}, "authority"),
                                                 ({"funds": "0"}, "funds")])
def test_a_task_without_funds_or_authority_cannot_be_admitted(api, tree, missing, field):
    request = file(api, tree, **missing)
    assert field in request["missing_for_admission"]
    api.token("county")  # signing in writes its own audit row
    audit_rows = AuditEvent.objects.count()
    response = move(api, "county", request, "admit")
    assert response.status_code == 400, response.content.decode()
    error = response.json()["error"]
    assert error["code"] == "admission_incomplete" and list(error["fields"]) == [field]
    again = api.ok("county", f"/api/v1/task-requests/{request['id']}")
    assert (again["status"], again["version"]) == ("filed", request["version"])
    assert AuditEvent.objects.count() == audit_rows


def test_admitted_with_both_and_then_refused_moves_are_400(api, tree):
    request = file(api, tree)
    admitted = move(api, "county", request, "admit")
    assert admitted.status_code == 200 and admitted.json()["status"] == "admitted"
    response = move(api, "county", admitted.json(), "refuse", reason="迟到的意见")
    assert response.status_code == 400 and response.json()["error"]["code"] == "transition_not_allowed"
    unknown = move(api, "county", admitted.json(), "approve")
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "unknown_action"


def test_refusing_needs_a_reason_and_refused_requests_stay_listed(api, tree):
    request = file(api, tree)
    bare = move(api, "county", request, "refuse")
    assert bare.status_code == 400 and "reason" in bare.json()["error"]["fields"]
    refused = move(api, "county", request, "refuse", reason="属于部门自身职责，不宜下沉社区")
    assert refused.json()["status"] == "refused"
    listed = api.walk("county", "/api/v1/task-requests", status="refused")
    assert [row["id"] for row in listed] == [request["id"]]


def test_two_reviewers_at_once_one_wins_the_other_gets_409(api, tree):
    request = file(api, tree)
    first = move(api, "county", request, "admit")
    second = move(api, "county", request, "refuse", reason="不符合准入条件")
    assert (first.status_code, second.status_code) == (200, 409)
    assert second.json()["error"]["code"] == "stale_version"
    assert TaskRequest.objects.get(pk=request["id"]).status == "admitted"


def _admitted(api, tree) -> dict:
    request = file(api, tree)
    return move(api, "county", request, "admit").json()


def entry(api, user, request, tree, kind, amount, community=None):
    return post(api, user, f"/api/v1/tasks/{request['id']}/ledger",
                {"community": (community or tree.east).code, "kind": kind, "amount": amount})


def test_the_ledger_refuses_inexact_negative_and_overspent_money(api, tree):
    request = _admitted(api, tree)
    assert entry(api, "dept", request, tree, "commitment", "3000.00").status_code == 201
    assert entry(api, "dept", request, tree, "transfer", "1000.50").status_code == 201
    for kind, amount, user in [("transfer", "10.005", "dept"), ("transfer", "-5", "dept"),
                               ("transfer", "1e3x", "dept"), ("spending", "1000.51", "community")]:
        response = entry(api, user, request, tree, kind, amount)
        assert response.status_code == 400, (kind, amount)
        assert "amount" in response.json()["error"]["fields"]
    assert "1000.50" in entry(api, "community", request, tree, "spending", "1000.51").json()["error"]["fields"][
        "amount"][0]
    assert entry(api, "community", request, tree, "spending", "1000.50").status_code == 201
    assert LedgerEntry.objects.count() == 3
    ledger = api.ok("county", f"/api/v1/tasks/{request['id']}/ledger")
    line = ledger["communities"][0]
    assert (line["committed"], line["received"], line["spent"], line["balanced"]) == (
        "3000.00", "1000.50", "1000.50", True)
    assert ledger["balanced"] is True


def test_an_amount_written_with_three_decimals_is_refused_even_when_they_are_zeros(api, tree):
    request = _admitted(api, tree)
    messages = set()
    for amount in ("10.000", "10.005", "0.000"):
        response = entry(api, "dept", request, tree, "transfer", amount)
        assert response.status_code == 400, amount
        messages.add(response.json()["error"]["fields"]["amount"][0])
    assert messages == {"拨付金额最多保留两位小数（到分）"}
    assert entry(api, "dept", request, tree, "commitment", "10.00").status_code == 201
    assert LedgerEntry.objects.count() == 1
    filed = post(api, "dept", "/api/v1/task-requests", {
        "region": tree.county.code, "department": tree.department.pk, "category": "employment",
        "title": "就业援助", "legal_basis": "《就业促进法》", "authority": "受理", "funds": "36000.000"})
    assert filed.status_code == 400
    assert filed.json()["error"]["fields"]["funds"] == ["随事项拨付的经费最多保留两位小数（到分）"]


def test_a_float_amount_is_refused_by_the_service():
    errors: dict[str, str] = {}
    assert services.parse_money(errors, "amount", 0.1, label="金额") is None
    assert "amount" in errors
    assert services.parse_money({}, "amount", "12.3", label="金额") == Decimal("12.30")


def test_a_ledger_not_balancing_is_flagged(api, tree):
    request = _admitted(api, tree)
    entry(api, "dept", request, tree, "commitment", "1000.00")
    entry(api, "dept", request, tree, "transfer", "1500.00")  # more than committed: recorded, and flagged
    entry(api, "dept", request, tree, "commitment", "500.00", community=tree.west)
    ledger = api.ok("county", f"/api/v1/tasks/{request['id']}/ledger")
    flags = {line["community"]["code"]: line["balanced"] for line in ledger["communities"]}
    assert flags == {tree.east.code: False, tree.west.code: True}
    assert ledger["balanced"] is False
    # The west community's staff see only their own line.
    mine = api.ok("community2", f"/api/v1/tasks/{request['id']}/ledger")
    assert [line["community"]["code"] for line in mine["communities"]] == [tree.west.code]


def test_only_an_admitted_task_has_a_ledger_and_scope_is_404(api, tree, users):
    request = file(api, tree)
    assert api.get("county", f"/api/v1/tasks/{request['id']}/ledger").status_code == 404
    assert api.get("resident", f"/api/v1/task-requests/{request['id']}").status_code == 404
    assert api.get("county", "/api/v1/task-requests/0").status_code == 400
    assert api.get("county", f"/api/v1/task-requests/{2**63}").status_code == 400
    other, _ = services.task_request_file(actor=users["county"], region=tree.other_street,
                                          department=tree.department,
                                          category=services.TaskCategory.objects.get(code="health"),
                                          title="漠西街道健康档案", legal_basis="依据")
    assert api.get("community", f"/api/v1/task-requests/{other.pk}").status_code == 404


def test_a_task_pushed_without_admission_is_listed_and_the_community_may_refuse(api, tree, users):
    request = file(api, tree, funds=None)
    pushed = post(api, "dept", f"/api/v1/task-requests/{request['id']}/communities", {"community": tree.east.code})
    assert pushed.status_code == 201 and pushed.json()["admitted"] is False
    task = CommunityTask.objects.get(pk=pushed.json()["id"])
    with pytest.raises(ValidationError):
        services.community_task_refuse(actor=users["community"], task=task, reason="")
    task = services.community_task_refuse(actor=users["community"], task=task, reason="未经准入，无经费保障")
    assert task.state == CommunityTask.State.REFUSED
    admitted = _admitted(api, tree)
    pushed = post(api, "dept", f"/api/v1/task-requests/{admitted['id']}/communities", {"community": tree.east.code})
    with pytest.raises(ValidationError, match="已经准入"):
        services.community_task_refuse(actor=users["community"], task=CommunityTask.objects.get(
            pk=pushed.json()["id"]), reason="不想做")


def test_the_list_pages_by_cursor(api, tree):
    ids = [file(api, tree, title=f"事项{n}")["id"] for n in range(5)]
    assert [row["id"] for row in api.walk("county", "/api/v1/task-requests", limit=2)] == ids


def test_the_figure_counts_categories_with_an_admitted_task_in_the_region(api, tree, users):
    def figure(user, code):
        return api.ok(user, "/api/v1/reports/figures", region=code)["community_task_categories"]

    assert figure("county", tree.county.code) == 0
    _admitted(api, tree)
    _admitted(api, tree)  # the same category again counts once
    file(api, tree, category="health")  # filed, not admitted
    refused = file(api, tree, category="culture_sports")
    move(api, "county", refused, "refuse", reason="不宜下沉")
    assert figure("county", tree.county.code) == 1
    assert figure("community", tree.east.code) == 1  # a county task reaches each community
