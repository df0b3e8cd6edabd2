"""Service discovery, the service list and service definitions, in JSON and XML, with their errors."""

from __future__ import annotations

import pytest

from open311.models import ServiceAttribute
from open311.services import service_attribute_archive
from regions import services as region_services

from .conftest import errors, parse

pytestmark = pytest.mark.django_db

FORMATS = ["json", "xml"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_endpoint_its_formats_and_how_to_get_a_key(client, services, fmt):
    response = client.get(f"/open311/discovery.{fmt}")
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "json":
        assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
        endpoint, = body["endpoints"]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"] == "http://testserver/open311/v2"
        assert endpoint["type"] == "test"  # the test settings are the demo's
        assert endpoint["formats"] == ["text/xml", "application/json"]
    else:
        assert body.tag == "discovery"
        assert body.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2"
        assert [f.text for f in body.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]
        assert body.findtext("key_service")


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_service_list_has_the_public_leaf_categories_grouped_by_function(client, services, fmt):
    body = parse(client.get(f"/open311/v2/services.{fmt}"), fmt)
    if fmt == "json":
        assert [s["service_code"] for s in body] == ["0101", "0102"]
        lamps = body[0]
        assert lamps == {
            "service_code": "0101", "service_name": "路灯照明", "description": "路灯不亮、灯杆损坏", "metadata": True,
            "type": "realtime", "keywords": "路灯, 不亮", "group": "市政设施",
        }
        assert body[1]["description"] == "市政设施 / 井盖缺失"  # no description of its own: its full name
    else:
        assert body.tag == "services"
        codes = [s.findtext("service_code") for s in body.findall("service")]
        assert codes == ["0101", "0102"]
        first = body.find("service")
        assert first.findtext("metadata") == "true"
        assert first.findtext("group") == "市政设施"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_definition_starts_with_the_community_then_its_attributes(client, services, fmt):
    body = parse(client.get(f"/open311/v2/services/0101.{fmt}"), fmt)
    if fmt == "json":
        assert body["service_code"] == "0101"
        codes = [(a["code"], a["order"], a["required"], a["variable"]) for a in body["attributes"]]
        assert codes == [("community", 1, True, True), ("when", 2, True, True), ("count", 3, False, True),
                         ("kinds", 4, False, True), ("notice", 5, False, False)]
        community = body["attributes"][0]
        assert community["datatype"] == "singlevaluelist"
        assert community["values"] == [
            {"key": "610424001001", "name": "城关街道 东街社区"}, {"key": "610424001002", "name": "城关街道 西街社区"},
            {"key": "610424002001", "name": "漠西街道 北关社区"},
        ]
        when = body["attributes"][1]
        assert when["values"] == [{"key": "day", "name": "白天"}, {"key": "night", "name": "夜间"}]
        assert "values" not in body["attributes"][2]
        assert body["attributes"][2]["datatype_description"] is None
    else:
        assert body.tag == "service_definition"
        attributes = body.findall("attributes/attribute")
        assert [a.findtext("code") for a in attributes] == ["community", "when", "count", "kinds", "notice"]
        assert attributes[1].findtext("required") == "true"
        assert [v.findtext("key") for v in attributes[1].findall("values/value")] == ["day", "night"]
        assert attributes[2].find("datatype_description").text is None  # an empty element


def test_an_archived_attribute_is_no_longer_asked(client, services):
    service_attribute_archive(actor=None, attribute=services.count)
    body = parse(client.get("/open311/v2/services/0101.json"), "json")
    assert "count" not in [a["code"] for a in body["attributes"]]


def test_a_group_code_has_a_definition_too_but_a_hidden_category_has_none(client, services):
    assert [a["code"] for a in parse(client.get("/open311/v2/services/01.json"), "json")["attributes"]] == [
        "community", "when",
    ]
    assert errors(client.get("/open311/v2/services/02.json"), "json", 404) == [
        (404, "service_code 02 was not found"),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_service_code_is_404(client, services, fmt):
    assert errors(client.get(f"/open311/v2/services/9999.{fmt}"), fmt, 404) == [
        (404, "service_code 9999 was not found"),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", ["services", "services/0101", "requests", "requests/1", "tokens/abc"])
def test_an_unknown_jurisdiction_is_404_and_the_only_one_is_accepted(client, services, fmt, path):
    assert errors(client.get(f"/open311/v2/{path}.{fmt}", {"jurisdiction_id": "nowhere.gov.cn"}), fmt, 404) == [
        (404, "jurisdiction_id nowhere.gov.cn was not found"),
    ]
    if path.startswith("services"):
        assert client.get(f"/open311/v2/{path}.{fmt}", {"jurisdiction_id": "610424"}).status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_with_several_jurisdictions_the_id_is_required(client, services, settings, fmt):
    region_services.region_create(actor=None, code="610425", name="另一个县")
    body = errors(client.get(f"/open311/v2/services.{fmt}"), fmt, 400)
    assert body == [(400, "jurisdiction_id was not provided (this server serves several jurisdictions)")]
    assert client.get(f"/open311/v2/services.{fmt}", {"jurisdiction_id": "610425"}).status_code == 200
    settings.OPEN311_JURISDICTIONS = {"qianxian.gov.cn": "610424"}
    assert client.get(f"/open311/v2/services.{fmt}").status_code == 200
    assert client.get(f"/open311/v2/services.{fmt}", {"jurisdiction_id": "qianxian.gov.cn"}).status_code == 200
    assert client.get(f"/open311/v2/services.{fmt}", {"jurisdiction_id": "610424"}).status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_paths_and_methods(client, services, fmt):
    assert errors(client.get(f"/open311/v2/nothing.{fmt}"), fmt, 404)[0][0] == 404
    response = client.delete(f"/open311/v2/services.{fmt}")
    assert errors(response, fmt, 405) == [(405, "method DELETE is not allowed here")]
    assert response["Allow"] == "GET, HEAD"
    assert client.put(f"/open311/v2/requests.{fmt}")["Allow"] == "GET, HEAD, POST"
    assert client.get("/open311/v2/services.html").status_code == 404


def test_attribute_definitions_are_validated(services):
    from django.core.exceptions import ValidationError

    from open311.services import service_attribute_save

    bad = [
        dict(code="community", description="x"),
        dict(code="list", datatype="singlevaluelist", description="x"),
        dict(code="dupes", datatype="multivaluelist", description="x", options="a|A\na|B"),
        dict(code="text", datatype="string", description="x", options="a|A"),
        dict(code="bad key", description="x"),
    ]
    for values in bad:
        with pytest.raises(ValidationError):
            service_attribute_save(actor=None, attribute=ServiceAttribute(category=services.covers, **values))


ENDPOINTS = [
    ("get", "services"), ("get", "services/0101"), ("get", "requests"), ("get", "requests/1"),
    ("get", "tokens/abc"), ("post", "requests"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_every_endpoint_needs_the_jurisdiction_when_there_are_several(client, services, key, fmt, method, path):
    region_services.region_create(actor=None, code="610425", name="另一个县")
    body = {"api_key": "test-open311-key-0123456789"} if method == "post" else {}
    response = getattr(client, method)(f"/open311/v2/{path}.{fmt}", body)
    assert errors(response, fmt, 400) == [
        (400, "jurisdiction_id was not provided (this server serves several jurisdictions)"),
    ]
    response = getattr(client, method)(f"/open311/v2/{path}.{fmt}", {**body, "jurisdiction_id": "nowhere"})
    assert errors(response, fmt, 404) == [(404, "jurisdiction_id nowhere was not found")]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path, name", [
    ("services/", "service_code"), ("requests/", "service_request_id"), ("tokens/", "token"),
])
def test_an_identifier_missing_from_the_path_is_400(client, services, fmt, path, name):
    assert errors(client.get(f"/open311/v2/{path}.{fmt}"), fmt, 400) == [(400, f"{name} was not provided")]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("method, path", [("get", "discovery"), *[(m, f"v2/{p}") for m, p in ENDPOINTS]])
def test_an_unforeseen_failure_is_the_general_service_error(client, services, key, monkeypatch, fmt, method, path):
    from open311 import selectors, views

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(views, "_jurisdiction", broken)
    monkeypatch.setattr(selectors, "changeset", broken)
    body = {"api_key": "test-open311-key-0123456789"} if method == "post" else {}
    response = getattr(client, method)(f"/open311/{path}.{fmt}", body)
    assert errors(response, fmt, 400) == [
        (400, "General service error: the request could not be processed; please notify us"),
    ]
