"""GET Service Requests and GET Service Request: the county's problems in the public view, the status
mapping, filters, the 90-day / 1,000 defaults with page and page_size, and every error in both formats."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, Channel, Kind
from regions import services as region_services
from tests.case_world import CaseWorld, frozen

from .conftest import errors, parse, report

pytestmark = pytest.mark.django_db

FORMATS = ["json", "xml"]
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")


@pytest.fixture
def world(tree, users, services) -> CaseWorld:
    return CaseWorld(tree, users)


def ago(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def listed(client, fmt: str = "json", **params) -> list[dict]:
    response = client.get(f"/open311/v2/requests.{fmt}", params)
    assert response.status_code == 200, response.content.decode()
    body = parse(response, fmt)
    if fmt == "json":
        return body
    return [{child.tag: child.text for child in request} for request in body.findall("request")]


def ids(requests: list[dict]) -> list[str]:
    return [r["service_request_id"] for r in requests]


@pytest.fixture
def via_open311(client, services, key) -> Case:
    response = client.post("/open311/v2/requests.json", report(description="路灯不亮，有事请打 13912345678"))
    assert response.status_code == 200, response.content.decode()
    return Case.objects.get(pk=parse(response, "json")[0]["service_request_id"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_in_the_public_view(client, via_open311, tree, fmt):
    request, = listed(client, fmt)
    assert request["service_request_id"] == str(via_open311.pk)
    assert request["status"] == "open"
    assert request["status_notes"] == "已受理，等待社区立案分类"
    assert request["service_code"] == "0101" and request["service_name"] == "路灯照明"
    assert "139****5678" in request["description"] and "13912345678" not in request["description"]
    assert request["agency_responsible"] == tree.department.name  # the category's lead, before dispatch
    assert request["service_notice"].startswith("按“一般”时限办理")
    assert W3C.match(request["requested_datetime"]) and W3C.match(request["updated_datetime"])
    assert request["address"] == "东街3号楼前" and request["address_id"] == "610424001001"
    assert request["media_url"] == "https://img.example.com/lamp.jpg"
    if fmt == "json":
        assert request["expected_datetime"] is None and request["zipcode"] is None
        assert (request["lat"], request["long"]) == (34.527, 108.233)
        assert set(request) == {
            "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
            "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
            "address", "address_id", "zipcode", "lat", "long", "media_url",
        }
    else:
        assert (request["lat"], request["long"]) == ("34.527", "108.233")
        assert request["expected_datetime"] is None  # an empty element


def test_nothing_personal_is_shown(client, via_open311):
    text = client.get("/open311/v2/requests.json").content.decode()
    for secret in ("13900002222", "居民", "resident@example.com", "phone-7", "acct-42", via_open311.tracking_code):
        assert secret not in text


def test_the_descriptions_of_other_channels_follow_the_setting(client, world, via_open311, settings):
    window = world.submit(ago(hours=1))
    shown = {r["service_request_id"]: r["description"] for r in listed(client)}
    assert shown[str(window.pk)] is None and shown[str(via_open311.pk)]
    settings.OPEN311_PUBLIC_DESCRIPTIONS = "all"
    assert {r["service_request_id"]: r["description"] for r in listed(client)}[str(window.pk)] == "楼前的路灯坏了一周"
    settings.OPEN311_PUBLIC_DESCRIPTIONS = "none"
    assert all(r["description"] is None for r in listed(client))


def test_difficulties_and_other_counties_are_never_listed(client, world, tree, users, settings):
    problem = world.submit(ago(hours=2))
    case_services.case_submit(
        actor=users["community"], channel=Channel.OPINION_WINDOW, kind=Kind.DIFFICULTY, title="独居老人需要助餐",
        description="王大爷腿脚不便", region=tree.east_grid1, target_group="elderly", contact_phone="13900002222",
    )
    other_county = region_services.region_create(actor=None, code="610425", name="另一个县")
    other_street = region_services.region_create(actor=None, code="610425001", name="某街道", parent=other_county)
    elsewhere = region_services.region_create(actor=None, code="610425001001", name="某社区", parent=other_street)
    outside = case_services.case_submit(
        actor=None, channel=Channel.WEB, kind=Kind.PROBLEM, title="外县问题", description="外县", region=elsewhere,
        contact_phone="13900002222",
    )[0]
    assert ids(listed(client, jurisdiction_id="610424")) == [str(problem.pk)]
    assert ids(listed(client, jurisdiction_id="610425")) == [str(outside.pk)]
    difficulty = Case.objects.get(kind=Kind.DIFFICULTY)
    assert errors(client.get(f"/open311/v2/requests/{difficulty.pk}.json", {"jurisdiction_id": "610424"}),
                  "json", 404)[0][0] == 404
    assert client.get(f"/open311/v2/requests/{outside.pk}.json", {"jurisdiction_id": "610424"}).status_code == 404


def test_statuses_map_to_open_and_closed(client, world, users):
    t = ago(days=1)
    open_case = world.submit(t)
    closed = world.finish(world.reply(world.accept(world.dispatch(world.register(t), t), t), t), t, rating=None)
    rated = world.finish(world.reply(world.accept(world.dispatch(world.register(t), t), t), t), t)
    rejected = world.reject(world.submit(t), t, reason="属于物业合同纠纷，请与物业协商")
    merged = world.submit(t)
    with frozen(t):
        merged = case_services.case_merge(case=merged, actor=world.staff(merged), expected_version=merged.version,
                                          survivor=open_case)
    escalated = world.register(t)
    with frozen(t):
        escalated = case_services.case_escalate(case=escalated, actor=world.staff(escalated),
                                                expected_version=escalated.version, meeting="joint_meeting")
    status = {r["service_request_id"]: (r["status"], r["status_notes"]) for r in listed(client)}
    assert status[str(open_case.pk)] == ("open", "已受理，等待社区立案分类")
    assert status[str(closed.pk)][0] == "closed" and status[str(closed.pk)][1].startswith("已办结")
    assert status[str(rated.pk)][0] == "closed" and status[str(rated.pk)][1].startswith("已办结并评价")
    assert status[str(rejected.pk)] == ("closed", "不予受理：属于物业合同纠纷，请与物业协商")
    assert status[str(merged.pk)] == ("closed", f"与服务请求 {open_case.pk} 合并办理")
    assert status[str(escalated.pk)] == ("open", "已提交会议研究解决")
    assert set(ids(listed(client, status="closed"))) == {str(c.pk) for c in (closed, rated, rejected, merged)}
    assert set(ids(listed(client, status="open"))) == {str(open_case.pk), str(escalated.pk)}
    assert len(listed(client, status="open,closed")) == 6


def test_a_dispatched_request_names_its_lead_and_its_deadline(client, world):
    t = ago(hours=3)
    case = world.dispatch(world.register(t), t)
    request, = listed(client)
    assert request["agency_responsible"] == world.dept.name
    lead = case.assignments.get()
    assert request["expected_datetime"] == timezone.localtime(lead.finish_due).replace(microsecond=0).isoformat()
    assert request["service_notice"] == "按“测试时限”时限办理：社区立案后4小时内响应，48小时内办结。"


def test_the_window_is_the_last_90_days_unless_dates_are_given(client, world):
    recent = world.submit(ago(days=10))
    old = world.submit(ago(days=120))
    assert ids(listed(client)) == [str(recent.pk)]
    start = timezone.localtime(ago(days=130)).isoformat()
    assert ids(listed(client, start_date=start)) == [str(old.pk)]  # start + 90 days
    end = timezone.localtime(ago(days=100)).isoformat()
    assert ids(listed(client, end_date=end)) == [str(old.pk)]  # end − 90 days
    assert ids(listed(client, start_date=start, end_date=timezone.localtime(ago(days=41)).isoformat())) == [
        str(old.pk),
    ]
    # service_request_id overrides every other argument, the window included.
    assert ids(listed(client, service_request_id=f"{old.pk}, {recent.pk},x", status="closed")) == [
        str(recent.pk), str(old.pk),
    ]


def test_filter_by_service_code_and_page(client, world, services, via_open311):
    window_cases = [world.register(ago(hours=n)) for n in range(1, 4)]
    assert ids(listed(client, service_code="0101")) == [str(via_open311.pk)]
    assert ids(listed(client, service_code="0101,T1")) == ids(listed(client))
    newest_first = [str(via_open311.pk)] + [str(c.pk) for c in window_cases]
    assert ids(listed(client, page_size=2)) == newest_first[:2]
    assert ids(listed(client, page_size=2, page=2)) == newest_first[2:]
    assert listed(client, page_size=2, page=3) == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("params, expected", [
    ({"start_date": "yesterday"}, "start_date must be a date-time such as 2026-01-01T00:00:00+08:00"),
    ({"end_date": "2026-13-45T00:00:00Z"}, "end_date must be a date-time such as 2026-01-01T00:00:00+08:00"),
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
     "start_date and end_date may not span more than 90 days"),
    ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
     "end_date must not be before start_date"),
    ({"status": "pending"}, "status must be open, closed, or both separated by a comma"),
    ({"page": "0"}, "page must be a whole number from 1 to 1,000,000"),
    ({"page_size": "1001"}, "page_size must be a whole number from 1 to 1,000"),
])
def test_invalid_arguments_are_400(client, services, fmt, params, expected):
    assert errors(client.get(f"/open311/v2/requests.{fmt}", params), fmt, 400) == [(400, expected)]


def test_empty_arguments_count_as_absent(client, world):
    case = world.submit(ago(hours=1))
    assert ids(listed(client, service_code="", status="", start_date="", page="")) == [str(case.pk)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_request_by_id_and_the_404s(client, via_open311, fmt):
    body = parse(client.get(f"/open311/v2/requests/{via_open311.pk}.{fmt}"), fmt)
    if fmt == "json":
        assert ids(body) == [str(via_open311.pk)]
    else:
        assert body.tag == "service_requests"
        assert body.findtext("request/service_request_id") == str(via_open311.pk)
    for unknown in ("999999", "abc", "1" * 30):
        assert errors(client.get(f"/open311/v2/requests/{unknown}.{fmt}"), fmt, 404) == [
            (404, f"service_request_id {unknown} was not found"),
        ]


def test_the_list_takes_the_same_number_of_queries_at_any_length(client, world):
    t = ago(hours=5)
    world.dispatch(world.register(t), t)
    counts = []
    for extra in (0, 6):
        for _ in range(extra):
            world.dispatch(world.register(t), t)
        with CaptureQueriesContext(connection) as queries:
            listed(client)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_xml_stays_well_formed_with_control_characters_in_text(client, world, settings):
    settings.OPEN311_PUBLIC_DESCRIPTIONS = "all"
    case = world.submit(ago(hours=1))
    Case.objects.filter(pk=case.pk).update(description="坏了\x07\x1b 三天 & <没人管>")
    body = parse(client.get("/open311/v2/requests.xml"), "xml")
    assert body.findtext("request/description") == "坏了 三天 & <没人管>"
