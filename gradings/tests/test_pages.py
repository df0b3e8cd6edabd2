"""The grading pages over HTTP: the community proposes beside the evidence; the county's side-by-side view refuses a
differing result without its reason (typed input kept) and records it with one; who may open which page."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import PASSWORD
from gradings.models import Grading
from organisations import services as org_services
from tasks.models import DispatchedTeam
from tasks.tests.factories import team_with_head

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def team(tree, users):
    head = org_services.person_create(actor=None, name="张建军", home_region=tree.east)
    seat = org_services.position_assign(actor=None, person=head, organisation=tree.east_party, title="兼职委员",
                                        started_on=tree.today)
    return team_with_head(actor=users["community"], community=tree.east, name="住建工作站",
                          kind=DispatchedTeam.Kind.OTHER, home_unit=tree.department, seat=seat)


def test_the_community_proposes_and_the_county_records_a_differing_result_with_its_reason(tree, users, team):
    community = signed_in("community")
    page = community.get("/gradings/?year=2026")
    assert page.status_code == 200 and "住建工作站" in page.content.decode() and "响应率" in page.content.decode()
    bare = community.post(f"/gradings/teams/{team.pk}/propose/?year=2026", {"proposal": "competent", "opinion": ""})
    assert bare.status_code == 400 and "请填写评价意见" in bare.content.decode()
    done = community.post(f"/gradings/teams/{team.pk}/propose/?year=2026",
                          {"proposal": "competent", "opinion": "完成社区交办任务"})
    assert done.status_code == 302
    grading = Grading.objects.get()
    county = signed_in("county")
    assert "完成社区交办任务" in county.get("/gradings/county/?year=2026").content.decode()
    refused = county.post(f"/gradings/{grading.pk}/decide/", {"version": grading.version, "result": "excellent",
                                                              "result_reason": ""})
    assert refused.status_code == 400 and "须填写理由" in refused.content.decode()
    recorded = county.post(f"/gradings/{grading.pk}/decide/", {"version": grading.version, "result": "excellent",
                                                               "result_reason": "专项行动表现突出"})
    assert recorded.status_code == 302
    grading.refresh_from_db()
    assert (grading.result, grading.result_reason) == ("excellent", "专项行动表现突出")
    stale = county.post(f"/gradings/{grading.pk}/decide/", {"version": 1, "result": "competent",
                                                            "result_reason": "改回"})
    assert stale.status_code == 409


def test_who_may_open_which_page(tree, users, team):
    assert signed_in("community").get("/gradings/county/").status_code == 404
    assert signed_in("dept").get("/gradings/").status_code == 404
    assert signed_in("community2").post(f"/gradings/teams/{team.pk}/propose/",
                                        {"proposal": "competent", "opinion": "x"}).status_code == 404
