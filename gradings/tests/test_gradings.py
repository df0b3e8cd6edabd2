"""Gradings: the community proposes with the evidence of the records beside it — the same numbers as the KPI API
for that head's unit in the community and year — and the county's result, with a reason required where it differs;
the API's scope and paging. Consents are tested with the team they gate, in tasks/tests/test_consent.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from api.tests.conftest import Api
from gradings import selectors, services
from gradings.models import Grade
from organisations import services as org_services
from tasks.models import DispatchedTeam
from tasks.tests.factories import team_with_head
from tasks.workflow import StaleVersion
from tests.case_world import CaseWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(tree, users):
    head = org_services.person_create(actor=None, name="张建军", home_region=tree.east)
    seat = org_services.position_assign(actor=None, person=head, organisation=tree.east_party, title="兼职委员",
                                        started_on=tree.today)
    return team_with_head(actor=users["community"], community=tree.east, name="住建工作站",
                          kind=DispatchedTeam.Kind.OTHER, home_unit=tree.department, seat=seat)


def test_the_evidence_is_the_kpi_apis_numbers_for_the_heads_unit(client, tree, users, team):
    w = CaseWorld(tree, users)
    start = timezone.now() - dt.timedelta(days=2)
    case = w.dispatch(w.classify(w.submit(start), start), start)
    w.reply(w.accept(case, start + dt.timedelta(hours=1)), start + dt.timedelta(hours=3))
    year = timezone.localdate().year
    grading = services.grading_propose(actor=users["community"], team=team, year=year, proposal=Grade.EXCELLENT,
                                       opinion="响应及时，群众满意")
    api = Api(client)
    served = api.ok("county", "/api/v1/gradings", year=year)["items"]
    assert [row["id"] for row in served] == [grading.pk]
    first, last = selectors.year_span(year)
    kpis = api.ok("community", "/api/v1/reports/kpis", region=tree.east.code, **{"from": first.isoformat(),
                                                                                  "to": last.isoformat()})
    row = next(d for d in kpis["departments"] if d["id"] == tree.department.pk)
    assert served[0]["evidence"]["kpis"] == row["kpis"]
    assert row["kpis"]["response"]["denominator"] >= 1


def test_the_county_result_differing_from_the_proposal_needs_a_reason(tree, users, team):
    grading = services.grading_propose(actor=users["community"], team=team, year=2026, proposal=Grade.COMPETENT,
                                       opinion="完成任务")
    with pytest.raises(ValidationError) as caught:
        services.grading_decide(actor=users["county"], grading=grading, expected_version=1, result=Grade.EXCELLENT)
    assert "result_reason" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        services.grading_decide(actor=users["street"], grading=grading, expected_version=1, result=Grade.COMPETENT)
    decided = services.grading_decide(actor=users["county"], grading=grading, expected_version=1,
                                      result=Grade.EXCELLENT, reason="全县专项行动表现突出")
    assert decided.differs and decided.result_reason == "全县专项行动表现突出"
    with pytest.raises(StaleVersion):
        services.grading_decide(actor=users["county"], grading=grading, expected_version=1, result=Grade.COMPETENT)
    with pytest.raises(ValidationError):
        services.grading_propose(actor=users["community"], team=team, year=2026, proposal=Grade.COMPETENT,
                                 opinion="再次评定")


def test_gradings_are_scoped(client, tree, users, team):
    services.grading_propose(actor=users["community"], team=team, year=2026, proposal=Grade.COMPETENT, opinion="好")
    api = Api(client)
    assert len(api.ok("community", "/api/v1/gradings", year=2026)["items"]) == 1
    assert api.ok("community2", "/api/v1/gradings", year=2026)["items"] == []
    assert api.get("county", "/api/v1/gradings", year=1900).status_code == 400
