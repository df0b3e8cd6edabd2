import pytest

from accounts.models import ApiToken
from conftest import PASSWORD


def token_for(client, username: str) -> str:
    response = client.post("/api/v1/auth/token", {"username": username, "password": PASSWORD},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def get(client, url: str, token: str):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_token_is_issued_for_valid_credentials_and_only_its_hash_is_stored(client, users):
    token = token_for(client, "community")
    assert len(token) >= 32
    assert not ApiToken.objects.filter(key_hash=token).exists()
    assert ApiToken.objects.filter(user=users["community"]).count() == 1


def test_wrong_password_gets_a_structured_401(client, users):
    response = client.post("/api/v1/auth/token", {"username": "community", "password": "wrong-one"},
                           content_type="application/json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_missing_fields_get_a_structured_400(client, users):
    response = client.post("/api/v1/auth/token", {"username": "community"}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert "password" in body["fields"]


def test_calls_without_a_valid_token_are_refused(client, users):
    assert client.get("/api/v1/regions").status_code == 401
    response = get(client, "/api/v1/regions", "not-a-token")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("username, root_code", [
    ("county", "610424"), ("street", "610424001"), ("community", "610424001001"),
    ("community2", "610424001002"), ("grid", "610424001001001"), ("dept", "610424"), ("member", "610424001001"),
])
def test_regions_without_parent_answers_the_callers_scope_root(client, users, username, root_code):
    body = get(client, "/api/v1/regions", token_for(client, username)).json()
    assert body["next_cursor"] is None
    regions = body["items"]
    assert [r["code"] for r in regions] == [root_code]
    assert set(regions[0]) >= {"code", "name", "level"}


def test_children_of_a_region_in_scope(client, users):
    token = token_for(client, "street")
    regions = get(client, "/api/v1/regions?parent=610424001", token).json()["items"]
    assert [(r["code"], r["level"]) for r in regions] == [("610424001001", "community"), ("610424001002", "community")]


def test_another_communitys_children_answer_404_not_403(client, users):
    token = token_for(client, "community")
    response = get(client, "/api/v1/regions?parent=610424001002", token)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    # The parent above the user's own node is out of scope as well.
    assert get(client, "/api/v1/regions?parent=610424001", token).status_code == 404


def test_a_resident_has_no_region_scope(client, users):
    token = token_for(client, "resident")
    assert get(client, "/api/v1/regions", token).json() == {"items": [], "next_cursor": None}
    assert get(client, "/api/v1/regions?parent=610424", token).status_code == 404


def test_openapi_schema_is_served(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/regions" in schema["paths"]
