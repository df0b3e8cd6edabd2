"""Every refusal a signed-in user meets is written to the audit log once, by `core.denials`."""

import pytest

from accounts.services import api_token_issue
from conftest import PASSWORD
from core.models import AuditEvent


def denied_rows():
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.DENIED).order_by("pk"))


def test_a_forbidden_action_in_scope_writes_one_denied_row(client, users):
    client.force_login(users["dept"])
    response = client.post("/organisations/new/", {"name": "不该建的组织"}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 403
    [row] = denied_rows()
    assert row.actor == users["dept"] and row.actor_label == "dept"
    assert row.outcome == "denied" and row.ip_address == "10.1.2.3"
    assert row.target_type == "route" and row.target_id == "organisations:create"
    assert row.target_label == "/organisations/new/" and row.reason == "POST /organisations/new/"
    assert row.changes == {"status": 403, "method": "POST"}


def test_an_object_out_of_scope_writes_one_denied_row(client, tree, users):
    client.force_login(users["community"])
    url = f"/organisations/{tree.north_party.pk}/?tab=people"
    assert client.get(url).status_code == 404
    [row] = denied_rows()
    assert row.actor == users["community"] and row.target_id == "organisations:detail"
    assert row.reason == f"GET {url}" and row.changes["status"] == 404


def test_an_api_refusal_names_the_token_holder(client, tree, users):
    token = api_token_issue(username="community", password=PASSWORD)
    response = client.get(f"/api/v1/organisations/{tree.north_party.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 404
    [row] = denied_rows()
    assert row.actor == users["community"] and row.target_id == "api:get_organisation"


def test_a_view_that_writes_its_own_denied_row_is_not_written_twice(client, users):
    client.force_login(users["county"])
    assert client.get("/accounts/audit/").status_code == 404
    [row] = denied_rows()
    assert row.target_label == "审计日志"


@pytest.mark.parametrize("path", ["/no/such/page/", "/api/v1/no-such-endpoint", "/open311/v2/requests/999999.json"])
def test_unknown_paths_and_open311_are_not_denials(client, users, path):
    client.force_login(users["community"])
    assert client.get(path).status_code == 404
    assert denied_rows() == []


def test_signed_out_visitors_are_not_written(client, tree, users):
    assert client.get(f"/api/v1/organisations/{tree.north_party.pk}").status_code == 401
    assert client.get("/no/such/page/").status_code == 404
    assert client.get("/organisations/new/").status_code == 302
    assert denied_rows() == []


def test_allowed_requests_write_nothing(client, tree, users):
    client.force_login(users["community"])
    assert client.get(f"/organisations/{tree.east_party.pk}/").status_code == 200
    assert denied_rows() == []
