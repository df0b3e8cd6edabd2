"""POST Service Request: an ordinary case is created, every error the specification names is answered in
both formats, tokens map back to the request, and the intake is rate limited."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from api.tests.conftest import Api
from cases.models import Case, Channel, Kind
from cases.selectors import case_list
from cases.workflow import Status
from open311.models import Open311Request
from open311.services import api_key_revoke

from .conftest import KEY, errors, parse, report

pytestmark = pytest.mark.django_db

FORMATS = ["json", "xml"]


def post(client, fmt: str, body: dict, **headers):
    return client.post(f"/open311/v2/requests.{fmt}", body, **headers)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_becomes_an_ordinary_case(client, services, key, users, fmt):
    response = post(client, fmt, report())
    assert response.status_code == 200, response.content.decode()
    body = parse(response, fmt)
    case = Case.objects.get()
    if fmt == "json":
        assert body == [{
            "service_request_id": str(case.pk),
            "service_notice": "按“一般”时限办理：社区立案后1个工作日内响应，7个工作日内办结。",
            "account_id": "acct-42",
        }]
    else:
        assert body.tag == "service_requests"
        assert body.findtext("request/service_request_id") == str(case.pk)
        assert body.findtext("request/account_id") == "acct-42"
        assert body.find("request/token") is None  # realtime: the id, never a token with it
    assert (case.channel, case.kind, case.status) == (Channel.API, Kind.PROBLEM, Status.RECEIVED)
    assert case.category == services.lamps
    assert case.region.code == "610424001001"
    assert case.address == "东街3号楼前"
    assert str(case.latitude) == "34.527000"
    assert (case.contact_name, case.contact_phone) == ("居民乙", "13900002222")
    assert case.title == "3号楼前的路灯坏了一周，晚上很黑"
    assert "【什么时候发现的？】夜间" in case.description and "【有几盏灯不亮？】2" in case.description
    row = Open311Request.objects.get(case=case)
    assert (row.api_key, row.account_id, row.device_id) == (key, "acct-42", "phone-7")
    assert row.email == "resident@example.com"
    assert row.media_url == "https://img.example.com/lamp.jpg"
    assert row.attributes == {"community": "610424001001", "when": "night", "count": "2"}
    # On the community's problem list like any case taken in at the window.
    assert case in case_list(users["community"])
    assert case not in case_list(users["community2"])


def test_the_case_is_on_the_staff_api_list(client, services, key, users):
    case_id = parse(post(client, "json", report()), "json")[0]["service_request_id"]
    listed = Api(client).ok("community", "/api/v1/cases", status="received")["items"]
    assert [(str(c["id"]), c["category"]) for c in listed] == [(case_id, "0101")]


def test_a_grid_or_building_code_places_the_case_there(client, services, key, tree):
    post(client, "json", report(address_id=tree.east_building.code, **{"attribute[community]": tree.east.code}))
    assert Case.objects.get().region == tree.east_building


def test_the_community_attribute_places_the_case_without_address_id(client, services, key, tree):
    response = post(client, "json", report(address_id=None, **{"attribute[community]": tree.west.code}))
    assert response.status_code == 200, response.content.decode()
    assert Case.objects.get().region == tree.west


def test_multivaluelist_answers_and_informational_attributes(client, services, key):
    response = post(client, "json", {**report(), "attribute[kinds][]": ["dark", "pole", "dark"],
                                      "attribute[notice]": "ignored"})
    assert response.status_code == 200, response.content.decode()
    row = Open311Request.objects.get()
    assert row.attributes["kinds"] == ["dark", "pole"]
    assert "notice" not in row.attributes
    assert "【哪些问题？】不亮、灯杆损坏" in row.case.description


def test_without_a_description_the_service_name_says_what_it_is(client, services, key):
    post(client, "json", report(description=None))
    case = Case.objects.get()
    assert case.title == "路灯照明"
    assert case.description.startswith("（通过 Open311 提交的“路灯照明”请求，未填写描述）")


# -- the errors the specification names, in both formats -------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_api_key_is_403(client, services, key, fmt):
    assert errors(post(client, fmt, report(api_key=None)), fmt, 403) == [(403, "api_key was not provided")]
    assert not Case.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_invalid_or_revoked_api_key_is_403(client, services, key, fmt):
    assert errors(post(client, fmt, report(api_key="guess")), fmt, 403) == [
        (403, "api_key is invalid or has been revoked"),
    ]
    api_key_revoke(actor=None, name="12345 热线")
    assert errors(post(client, fmt, report()), fmt, 403)[0][0] == 403
    assert not Case.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_service_code_is_400_and_an_unknown_one_404(client, services, key, fmt):
    assert errors(post(client, fmt, report(service_code=None)), fmt, 400) == [(400, "service_code was not provided")]
    assert errors(post(client, fmt, report(service_code="9999")), fmt, 404) == [
        (404, "service_code 9999 was not found"),
    ]
    assert errors(post(client, fmt, report(service_code="02")), fmt, 404)[0][0] == 404  # not public
    assert not Case.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_jurisdiction_is_404(client, services, key, fmt):
    assert errors(post(client, fmt, report(jurisdiction_id="nowhere")), fmt, 404) == [
        (404, "jurisdiction_id nowhere was not found"),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("change, expected", [
    (dict(lat=None, long=None, address_string=None, address_id=None, **{"attribute[community]": "610424001001"}),
     "a location was not provided: send lat and long, address_string or address_id"),
    (dict(long=None), "lat and long must be sent together"),
    (dict(address_id=None),
     "attribute[community] was not provided: every request is handled by the community it lies in; send "
     "attribute[community] (see the service definition) or a region code as address_id"),
    (dict(address_id="610424001"),
     "address_id 610424001 is not a community, grid or building code of this jurisdiction"),
    (dict(address_id="999999999999"),
     "address_id 999999999999 is not a community, grid or building code of this jurisdiction"),
    ({"attribute[community]": "610424001002"},
     "address_id 610424001001 does not lie in attribute[community] 610424001002"),
    ({"attribute[community]": "610424001", "address_id": None},
     "attribute[community] 610424001 is not a community of this jurisdiction; use a key from the service definition"),
    ({"attribute[when]": None}, "attribute[when] was not provided: 什么时候发现的？"),
    ({"attribute[when]": "dusk"}, "attribute[when] dusk is not a value of the service definition"),
    ({"attribute[count]": "a few"}, "attribute[count] must be a number"),
    (dict(description="长" * 4001), "description must be at most 4,000 characters"),
    (dict(email="not-an-email"), "email is not a valid e-mail address"),
    (dict(media_url="javascript:alert(1)"), "media_url must be an http or https URL of at most 500 characters"),
    (dict(device_id="d" * 101), "device_id must be at most 100 characters"),
])
def test_an_invalid_argument_is_400_and_stores_nothing(client, services, key, fmt, change, expected):
    assert (400, expected) in errors(post(client, fmt, report(**change)), fmt, 400)
    assert not Case.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_several_problems_are_listed_at_once(client, services, key, fmt):
    found = errors(post(client, fmt, report(long=None, email="x", **{"attribute[when]": None})), fmt, 400)
    assert [code for code, _ in found] == [400, 400, 400]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("change, expected", [
    (dict(phone=None), "phone: 请留下联系电话，便于答复您"),
    (dict(phone="12345"), "phone: 联系电话格式不正确（11 位手机号，或区号加座机号）"),
    (dict(description="<script>alert(1)</script>"), "description: 内容不能包含 HTML 标签或脚本，请只填写文字"),
    (dict(lat="91"), "lat: 纬度应在 -90 到 90 之间"),
])
def test_the_case_rules_answer_400_named_by_the_open311_argument(client, services, key, fmt, change, expected):
    assert errors(post(client, fmt, report(**change)), fmt, 400) == [(400, expected)]
    assert not Case.objects.exists()


# -- tokens ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_repeat_with_the_same_token_answers_the_same_request(client, services, key, fmt):
    first = post(client, fmt, report(), HTTP_IDEMPOTENCY_KEY="hotline-0001")
    second = post(client, fmt, report(description="又报了一次"), HTTP_IDEMPOTENCY_KEY="hotline-0001")
    assert first.content == second.content
    assert Case.objects.count() == 1
    other = post(client, fmt, report(), HTTP_IDEMPOTENCY_KEY="hotline-0002")
    assert other.status_code == 200 and Case.objects.count() == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_maps_to_the_service_request_id(client, services, key, fmt):
    post(client, "json", report(), HTTP_IDEMPOTENCY_KEY="hotline-0001")
    case = Case.objects.get()
    body = parse(client.get(f"/open311/v2/tokens/hotline-0001.{fmt}"), fmt)
    if fmt == "json":
        assert body == [{"service_request_id": str(case.pk), "token": "hotline-0001"}]
    else:
        assert body.findtext("request/service_request_id") == str(case.pk)
        assert body.findtext("request/token") == "hotline-0001"
    assert errors(client.get(f"/open311/v2/tokens/unknown-token.{fmt}"), fmt, 404) == [
        (404, "token unknown-token was not found"),
    ]


def test_two_clients_may_use_the_same_token(client, services, key):
    from open311.services import api_key_create

    _, other_key = api_key_create(actor=None, name="网格通")
    post(client, "json", report(), HTTP_IDEMPOTENCY_KEY="0001")
    post(client, "json", report(api_key=other_key), HTTP_IDEMPOTENCY_KEY="0001")
    assert Case.objects.count() == 2
    assert len(parse(client.get("/open311/v2/tokens/0001.json"), "json")) == 2


def test_a_bad_token_is_400(client, services, key):
    found = errors(post(client, "json", report(), HTTP_IDEMPOTENCY_KEY="x" * 41), "json", 400)
    assert found == [(400, "Idempotency-Key must be 1 to 40 visible ASCII characters")]


# -- the intake limit ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_too_many_posts_from_one_address_get_429(client, services, key, settings, fmt):
    settings.INTAKE_RATE_LIMIT = 2
    settings.INTAKE_RATE_WINDOW_SECONDS = 600
    assert post(client, fmt, report()).status_code == 200
    assert post(client, fmt, report(api_key="wrong")).status_code == 403  # refused posts count too
    response = post(client, fmt, report())
    (code, description), = errors(response, fmt, 429)
    assert code == 429 and description.startswith("too many requests from this address")
    assert 1 <= int(response["Retry-After"]) <= 600
    assert post(client, fmt, report(), REMOTE_ADDR="10.9.9.9").status_code == 200  # another address
    assert Case.objects.count() == 2
    assert client.get(f"/open311/v2/services.{fmt}").status_code == 200  # reading is not limited


# -- keys --------------------------------------------------------------------------------------------


def test_keys_are_created_listed_and_revoked_by_command(client, services, capsys):
    call_command("open311_key", "create", "网格通")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    assert post(client, "json", report(api_key=raw)).status_code == 200
    call_command("open311_key", "list")
    listing = capsys.readouterr().out
    assert "网格通" in listing and "有效" in listing and raw not in listing
    call_command("open311_key", "revoke", "网格通")
    assert post(client, "json", report(api_key=raw)).status_code == 403
    call_command("open311_key", "list")
    assert "已吊销" in capsys.readouterr().out


def test_key_commands_refuse_duplicates_and_unknown_names(services):
    from django.core.management.base import CommandError

    call_command("open311_key", "create", "网格通")
    with pytest.raises(CommandError, match="已有名为"):
        call_command("open311_key", "create", "网格通")
    with pytest.raises(CommandError, match="没有名为"):
        call_command("open311_key", "revoke", "不存在")
    call_command("open311_key", "revoke", "网格通")
    call_command("open311_key", "create", "网格通")  # a revoked name may be issued again


def test_the_demo_key_exists_only_in_the_demo(client, services, settings):
    from django.core.exceptions import ImproperlyConfigured

    from demo import open311 as demo_open311

    assert demo_open311.load() == {"open311_api_key": 1}
    assert demo_open311.load() == {}
    assert post(client, "json", report(api_key=demo_open311.DEMO_API_KEY)).status_code == 200
    settings.DEMO = False
    with pytest.raises(ImproperlyConfigured):
        demo_open311.load()


def test_only_the_hash_of_a_key_is_stored(key):
    from open311.models import ApiKey

    assert not ApiKey.objects.filter(key_hash=KEY).exists()
    assert KEY not in str(ApiKey.objects.values_list())
