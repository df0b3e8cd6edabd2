"""征得同意权 over HTTP: the head of a team placed in a community is appointed only with the community's consent to
that person for that team. Without a decision, or after a refusal, the appointment is refused with a message and
nothing changes; the community's secretary records decisions (refusals too) on the team's page, where they show;
another community's team is 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from conftest import PASSWORD
from core.models import AuditEvent
from organisations import services as org_services
from tasks import services
from tasks.models import Consent, DispatchedTeam

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def team(tree, users):
    placed, _ = services.team_place(actor=users["community"], community=tree.east, name="东街社区警务室",
                                    kind=DispatchedTeam.Kind.POLICE, home_unit=tree.department)
    return placed


@pytest.fixture
def seat(tree):
    person = org_services.person_create(actor=None, name="张所长", home_region=tree.east)
    return org_services.position_assign(actor=None, person=person, organisation=tree.east_party, title="兼职委员",
                                        started_on=tree.today)


def _consent(client, team, person, decision: str, **extra):
    data = {"candidate": person.pk, "decision": decision, "decided_on": dt.date.today().isoformat(),
            "signatories": "社区党委书记、居委会主任", "reasons": "经两委会研究"}
    data.update(extra)
    return client.post(f"/tasks/teams/{team.pk}/consents/", data)


def test_a_head_cannot_be_appointed_before_the_community_has_decided(team, seat):
    community = signed_in("community")
    response = community.post(f"/tasks/teams/{team.pk}/head/", {"seat": seat.pk})
    assert response.status_code == 400
    assert "须先征得社区同意" in response.content.decode()
    team.refresh_from_db()
    assert team.head_seat is None
    assert not AuditEvent.objects.filter(target_type="tasks.dispatchedteam", target_id=str(team.pk),
                                         action=AuditEvent.Action.UPDATE).exists()


def test_a_head_the_community_refused_cannot_be_appointed(team, seat):
    community = signed_in("community")
    assert _consent(community, team, seat.person, "refuse", reasons="群众反映服务态度差").status_code == 302
    response = community.post(f"/tasks/teams/{team.pk}/head/", {"seat": seat.pk})
    body = response.content.decode()
    assert response.status_code == 400
    assert "决定不同意张所长任东街社区警务室负责人，不能任命" in body and "群众反映服务态度差" in body
    team.refresh_from_db()
    assert team.head_seat is None


def test_a_later_refusal_outweighs_an_earlier_consent(team, seat):
    community = signed_in("community")
    earlier = (dt.date.today() - dt.timedelta(days=10)).isoformat()
    _consent(community, team, seat.person, "consent", decided_on=earlier)
    _consent(community, team, seat.person, "refuse", reasons="考察中发现问题")
    assert community.post(f"/tasks/teams/{team.pk}/head/", {"seat": seat.pk}).status_code == 400
    team.refresh_from_db()
    assert team.head_seat is None


def test_with_the_communitys_consent_the_head_is_appointed_and_the_decision_shows_on_the_team_page(team, seat):
    community = signed_in("community")
    assert _consent(community, team, seat.person, "consent", reasons="熟悉社区情况，群众认可").status_code == 302
    response = community.post(f"/tasks/teams/{team.pk}/head/", {"seat": seat.pk})
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.head_seat == seat
    page = community.get(f"/tasks/teams/{team.pk}/").content.decode()
    assert "张所长（东街社区党委 兼职委员" in page
    assert "熟悉社区情况，群众认可" in page and "社区党委书记、居委会主任" in page


def test_a_consent_to_someone_else_does_not_let_this_seat_be_filled(tree, team, seat):
    other = org_services.person_create(actor=None, name="李某", home_region=tree.east)
    community = signed_in("community")
    _consent(community, team, other, "consent")
    assert community.post(f"/tasks/teams/{team.pk}/head/", {"seat": seat.pk}).status_code == 400
    team.refresh_from_db()
    assert team.head_seat is None


def test_a_decision_needs_its_signatories_and_reasons_and_keeps_what_was_typed(team, seat):
    community = signed_in("community")
    response = _consent(community, team, seat.person, "refuse", signatories="社区党委书记", reasons="")
    body = response.content.decode()
    assert response.status_code == 400
    assert "请填写理由" in body and "社区党委书记" in body
    assert not Consent.objects.exists()


def test_another_communitys_team_is_not_found(team, seat):
    other = signed_in("community2")
    assert other.get(f"/tasks/teams/{team.pk}/").status_code == 404
    assert _consent(other, team, seat.person, "consent").status_code == 404
    assert other.post(f"/tasks/teams/{team.pk}/head/", {"seat": seat.pk}).status_code == 404
    assert not Consent.objects.exists()


def test_the_street_above_may_record_a_consent_but_a_grid_worker_sees_no_team(team, seat):
    street = signed_in("street")
    assert _consent(street, team, seat.person, "consent").status_code == 302
    assert signed_in("grid").get(f"/tasks/teams/{team.pk}/").status_code == 404
