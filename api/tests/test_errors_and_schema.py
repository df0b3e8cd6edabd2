"""Every answer under /api/v1/ in the error shape, a valid OpenAPI document that pages every list, and a
documentation page built from our own static files only."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from core.api.pagination import MAX_LIMIT

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    return body["error"]


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/nothing-here", "/api/v1/regions/", "/api/v1/cases/1/nope",
                                  "/api/v1/v2/regions"])
def test_an_unknown_path_is_a_json_404(client, api, path):
    assert_error_shape(client.get(path), 404, "not_found")
    assert_error_shape(api.get("county", path), 404, "not_found")
    assert_error_shape(client.post(path, {}, content_type="application/json"), 404, "not_found")


@pytest.mark.parametrize("method, path, allowed", [
    ("delete", "/api/v1/regions", "GET"),
    ("put", "/api/v1/cases/1", "GET"),
    ("get", "/api/v1/auth/token", "POST"),
    ("patch", "/api/v1/cases", "GET, POST"),
])
def test_a_wrong_method_is_a_json_405_with_allow(client, api, method, path, allowed):
    response = getattr(client, method)(path, HTTP_AUTHORIZATION=f"Bearer {api.token('county')}")
    error = assert_error_shape(response, 405, "method_not_allowed")
    assert sorted(response["Allow"].split(", ")) == sorted(allowed.split(", "))
    assert "GET" in error["message"] or "POST" in error["message"]


def test_a_malformed_body_and_a_missing_token_keep_the_shape(client, api):
    response = client.post("/api/v1/cases", "{not json", content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {api.token('county')}")
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert_error_shape(client.get("/api/v1/categories"), 401, "unauthorized")


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_openapi_document_validates(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


# The case list pages by cursor but clamps `limit` to 100 in code instead of declaring the bound.
CLAMPED_IN_CODE = {"/api/v1/cases"}
# Computed groupings of a bounded size rather than stored collections: answered whole.
NOT_COLLECTIONS = {"/api/v1/routing/hot-spots"}


def test_every_list_is_paged_by_cursor_with_a_bounded_limit(schema):
    lists = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            ok = operation["responses"].get("200") or operation["responses"].get("201")
            body = _resolve(schema, ok["content"]["application/json"]["schema"])
            if path not in NOT_COLLECTIONS:
                assert body.get("type") != "array", f"{method.upper()} {path} answers a bare list"
            if "items" not in body.get("properties", {}):
                continue
            lists += 1
            assert set(body["properties"]) == {"items", "next_cursor"}, path
            params = {p["name"]: p for p in operation.get("parameters", [])}
            assert "cursor" in params, path
            if path in CLAMPED_IN_CODE:
                continue
            assert params["limit"]["schema"]["maximum"] == MAX_LIMIT, path
            assert params["limit"]["schema"]["minimum"] == 1, path
    assert lists >= 12


def test_every_operation_documents_its_errors(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if path == "/api/v1/auth/token":
                continue
            errors = {code for code in operation["responses"] if code.startswith("4")}
            assert errors, f"{method.upper()} {path} documents no error answer"


def test_the_docs_page_loads_only_our_own_static_files(client, settings):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    for asset in assets:
        assert asset.startswith(settings.STATIC_URL), asset
        assert client.get(asset).status_code == 200, asset
    assert "cdn" not in html.lower()
    assert '"validatorUrl": null' in html  # no badge fetched from the online validator
    assert "<script>" not in html  # settings travel as JSON data, no inline script


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def test_no_two_different_schemas_share_a_name_in_the_document(schema):
    from ninja import Schema

    import api.api  # noqa: F401  (every router loaded)

    by_name: dict[str, set[type]] = {}
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("api.") or cls.__module__.endswith(".api"):
            by_name.setdefault(cls.__name__, set()).add(cls)
    clashes = {
        name for name, classes in by_name.items()
        if name in schema["components"]["schemas"] and len({frozenset(c.model_fields) for c in classes}) > 1
    }
    # Two routers' schemas of one name would share one entry of the document, and one would be wrong.
    assert not clashes, clashes


def test_exceptions_raised_inside_an_operation_keep_the_shape(db):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404
    from ninja import Router
    from ninja.testing import TestClient

    from core.api.base import GongzhiAPI
    from core.api.errors import install_handlers

    probe = GongzhiAPI(urls_namespace="error-probe")
    install_handlers(probe)
    router = Router()

    @router.get("/missing")
    def missing(request):
        raise Http404("gone")

    @router.get("/forbidden")
    def forbidden(request):
        raise PermissionDenied("不能这样做")

    @router.get("/broken")
    def broken(request):
        raise RuntimeError("a bug")

    probe.add_router("/probe", router)
    client = TestClient(probe)
    for path, status, code in (("/probe/missing", 404, "not_found"), ("/probe/forbidden", 403, "forbidden"),
                               ("/probe/broken", 500, "server_error")):
        response = client.get(path)
        assert response.status_code == status
        assert response.json()["error"]["code"] == code
    assert client.get("/probe/forbidden").json()["error"]["message"] == "不能这样做"
    assert "a bug" not in client.get("/probe/broken").content.decode()
