"""Dispatching over the API names only what the caller may see: a target outside the case's reach answers
exactly as an id that does not exist, and its name appears nowhere in the answer."""

from __future__ import annotations

import pytest

from cases.models import Case, Kind
from cases.workflow import Status
from organisations import services as org_services
from organisations.models import Organisation
from regions import services as region_services
from regions.models import Facility

from .test_api import Api

pytestmark = pytest.mark.django_db

UNKNOWN = 987654321
LABELS = {"organisation": "单位", "facility": "服务站点", "party_member": "党员"}


@pytest.fixture
def api(client, world) -> Api:
    return Api(client)


def _refusal(api: Api, case: Case, assignee: dict) -> tuple[int, dict]:
    response = api.move("community", case.pk, "dispatch", assignees=[{**assignee, "role": "lead"}])
    return response.status_code, response.json()


def _same_as_unknown(api: Api, flow, field: str, ident: int, secret: str, *, kind: str = Kind.PROBLEM) -> None:
    extra = {"target_group": "elderly"} if kind == Kind.DIFFICULTY else {}
    case = flow.classify(flow.submit(kind=kind, title="东街需要帮助", **extra))
    version = Case.objects.get(pk=case.pk).version
    status, body = _refusal(api, case, {field: ident})
    unknown_status, unknown_body = _refusal(api, case, {field: UNKNOWN})
    assert status == unknown_status == 400 and body == unknown_body
    assert body["error"]["fields"] == {"assignees": [f"{LABELS[field]}不存在"]}
    assert secret not in str(body)
    case.refresh_from_db()
    assert case.version == version and case.status == Status.REGISTERED


def test_an_organisation_of_another_street_reads_as_unknown(api, flow, tree):
    elsewhere = org_services.organisation_create(
        actor=None, name="北关物业秘密公司", kind=Organisation.Kind.PROPERTY_COMPANY, region=tree.north
    )
    _same_as_unknown(api, flow, "organisation", elsewhere.pk, "北关物业秘密公司")


def test_a_facility_of_another_community_reads_as_unknown(api, flow, tree):
    elsewhere = region_services.facility_create(
        actor=None, name="北关秘密法律服务站", kind=Facility.Kind.LEGAL_STATION, region=tree.north
    )
    _same_as_unknown(api, flow, "facility", elsewhere.pk, "北关秘密法律服务站")


def test_a_party_member_registered_elsewhere_reads_as_unknown(api, flow, tree):
    person = org_services.person_create(actor=None, name="北关党员丙")
    member = org_services.party_member_register(
        actor=None, person=person, branch=tree.north_party, registered_community=tree.north,
        registered_on=tree.today,
    )
    _same_as_unknown(api, flow, "party_member", member.pk, "北关党员丙", kind=Kind.DIFFICULTY)


def test_an_in_scope_target_is_still_dispatched(api, flow, world):
    case = flow.classify(flow.submit())
    response = api.move("community", case.pk, "dispatch",
                        assignees=[{"organisation": world.dept.pk, "role": "lead"}])
    assert response.status_code == 200, response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED


def test_a_whistle_to_an_organisation_out_of_reach_reads_as_unknown(api, flow, tree):
    elsewhere = org_services.organisation_create(
        actor=None, name="漠西秘密派出所", kind=Organisation.Kind.DISPATCHED_AGENCY, region=tree.other_street
    )
    case = flow.reach(Status.RECEIVED)
    answers = []
    for ident in (elsewhere.pk, UNKNOWN):
        response = api.move("community", case.pk, "whistle", organisations=[ident], reasons=["beyond_power"])
        answers.append((response.status_code, response.json()))
    (status, body), (unknown_status, unknown_body) = answers
    assert status == unknown_status == 400 and body == unknown_body
    assert "漠西秘密派出所" not in str(body)
