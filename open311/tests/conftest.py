"""Fixtures of the Open311 tests: services with a lead department and attributes, a client key, and a
client that speaks form-encoded POSTs and reads JSON or XML answers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache

from categories.models import Category, CategoryDepartment, UrgencyLevel
from open311.models import ServiceAttribute
from open311.services import api_key_create, service_attribute_save

KEY = "test-open311-key-0123456789"


@pytest.fixture(autouse=True)
def empty_cache():
    """The intake limit counts in the cache; each test starts with a fresh count."""
    cache.clear()
    yield
    cache.clear()


class Services:
    """Named handles on the services of the test county."""


@pytest.fixture
def services(tree) -> Services:
    s = Services()
    s.general, _ = UrgencyLevel.objects.get_or_create(
        code="general", defaults=dict(name="一般", response_amount=1, response_unit="working_days",
                                      finish_amount=7, finish_unit="working_days", order=3),
    )
    s.municipal = Category.objects.create(code="01", name="市政设施", keywords="市政 设施", default_urgency=s.general)
    s.lamps = Category.objects.create(code="0101", name="路灯照明", parent=s.municipal, level=2,
                                      keywords="路灯、不亮", description="路灯不亮、灯杆损坏")
    s.covers = Category.objects.create(code="0102", name="井盖缺失", parent=s.municipal, level=2)
    s.internal = Category.objects.create(code="02", name="内部事项", accepts_public=False)
    CategoryDepartment.objects.create(category=s.municipal, organisation=tree.department, is_lead=True)
    s.when = service_attribute_save(actor=None, attribute=ServiceAttribute(
        category=s.municipal, code="when", datatype="singlevaluelist", required=True, order=1,
        description="什么时候发现的？", options="day|白天\nnight|夜间",
    ))
    s.count = service_attribute_save(actor=None, attribute=ServiceAttribute(
        category=s.lamps, code="count", datatype="number", order=2, description="有几盏灯不亮？",
    ))
    s.kinds = service_attribute_save(actor=None, attribute=ServiceAttribute(
        category=s.lamps, code="kinds", datatype="multivaluelist", order=3, description="哪些问题？",
        options="dark|不亮\nflicker|闪烁\npole|灯杆损坏",
    ))
    s.notice = service_attribute_save(actor=None, attribute=ServiceAttribute(
        category=s.lamps, code="notice", variable=False, order=4, description="夜间照明问题请同时拨打 12345",
    ))
    return s


@pytest.fixture
def key(db):
    return api_key_create(actor=None, name="12345 热线", raw=KEY)[0]


def parse(response, fmt: str):
    """The body of an Open311 answer: JSON data, or the XML root element (checking the declaration)."""
    text = response.content.decode("utf-8")
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(text)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(text.split("\n", 1)[1])


def errors(response, fmt: str, status: int) -> list[tuple[int, str]]:
    """The (code, description) pairs of an error answer, after checking its status and shape."""
    assert response.status_code == status, response.content.decode()
    body = parse(response, fmt)
    if fmt == "json":
        assert all(set(e) == {"code", "description"} for e in body)
        return [(e["code"], e["description"]) for e in body]
    assert body.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in body.findall("error")]


def report(**overrides) -> dict:
    """A complete, valid POST body for the 路灯照明 service in 东街社区."""
    body = {
        "api_key": KEY, "service_code": "0101", "address_id": "610424001001", "address_string": "东街3号楼前",
        "lat": "34.527", "long": "108.233", "description": "3号楼前的路灯坏了一周，晚上很黑",
        "first_name": "乙", "last_name": "居民", "phone": "13900002222", "email": "resident@example.com",
        "device_id": "phone-7", "account_id": "acct-42", "media_url": "https://img.example.com/lamp.jpg",
        "attribute[when]": "night", "attribute[count]": "2",
    }
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not None}
