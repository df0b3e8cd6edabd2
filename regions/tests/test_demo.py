"""The demo county: its records produce the article's figures, loading twice changes nothing, and every
demo account signs in with the demo password and lands in its own scope."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from accounts.models import Role, User
from core.models import AuditEvent
from organisations.models import Organisation, Pact, PartyMember, Person, Position
from organisations.selectors import cross_appointments
from regions.demo import DEMO_PASSWORD, id_check_digit
from regions.models import Facility, Region
from regions.selectors import scope_root
from reports.selectors import figures_for

# The figures of 乾县's 三联三沉 account.
ARTICLE_FIGURES = {
    "agency_party_orgs_linked": 62,
    "two_new_orgs_linked": 21,
    "cultural_activity_centers": 5,
    "joint_activities": 32,
    "property_companies_linked": 12,
    "opinion_windows": 8,
    "day_care_centers": 2,
    "after_school_centers": 3,
    "reception_and_mediation_rooms": 15,
    "service_halls": 8,
}
COUNTED_MODELS = (Region, Organisation, Facility, Person, PartyMember, Position, Pact, User, AuditEvent)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo county, loaded once for this module and rolled back after it."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("load_demo", stdout=io.StringIO())
            yield
            transaction.set_rollback(True)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED_MODELS}


def test_the_county_figures_are_the_articles(demo, db):
    assert figures_for(Region.objects.get(code="610424")) == ARTICLE_FIGURES


def test_loading_again_changes_nothing(demo, db):
    before = counts()
    call_command("load_demo", stdout=io.StringIO())
    assert counts() == before
    assert figures_for(Region.objects.get(code="610424")) == ARTICLE_FIGURES


def test_the_tree_has_streets_communities_grids_and_buildings(demo, db):
    by_level = {level: Region.objects.filter(level=level).count()
                for level in ("county", "street", "community", "grid", "building")}
    assert by_level["county"] == 1 and by_level["street"] == 3 and by_level["community"] == 8
    assert by_level["grid"] >= 16 and by_level["building"] >= by_level["grid"] * 2
    assert Region.objects.get(code="610424").name == "乾县"
    assert Region.objects.get(code="610424001").name == "城关街道"
    assert all(len(code) == 15 for code in Region.objects.filter(level="grid").values_list("code", flat=True))


def test_records_were_written_through_the_audited_services(demo, db):
    audited = AuditEvent.objects.filter(action=AuditEvent.Action.CREATE)
    assert audited.filter(target_type="regions.region").count() == Region.objects.count()
    assert audited.filter(target_type="organisations.pact").count() == Pact.objects.count()
    assert audited.filter(target_type="organisations.person").count() == Person.objects.count()


def test_people_and_party_members_are_realistic(demo, db):
    members = PartyMember.objects.all()
    assert 180 <= members.count() <= 260
    assert members.filter(registered_community__isnull=False).exists()
    assert members.filter(is_central_household=True).exists()
    for person in Person.objects.all()[:50]:
        assert len(person.id_number) == 18
        assert person.id_number[-1] == id_check_digit(person.id_number[:17])
        assert len(person.phone) == 11 and person.phone.startswith("1")
    # Positions over time: former secretaries whose posts have ended.
    assert Position.objects.filter(ended_on__isnull=False, is_leader=True).exists()


@pytest.mark.parametrize("username, role, root_code", [
    ("county", Role.COUNTY_STAFF, "610424"),
    ("street", Role.STREET_STAFF, "610424001"),
    ("community", Role.COMMUNITY_STAFF, "610424001001"),
    ("community2", Role.COMMUNITY_STAFF, "610424001002"),
    ("grid", Role.GRID_WORKER, "610424001001001"),
    ("dept", Role.DEPARTMENT_HANDLER, "610424"),
    ("member", Role.PARTY_MEMBER, "610424001001"),
    ("resident", Role.RESIDENT, None),
])
def test_each_demo_account_signs_in_and_lands_in_its_scope(demo, db, client, username, role, root_code):
    assert client.login(username=username, password=DEMO_PASSWORD)
    user = User.objects.get(username=username)
    assert user.role == role
    assert not user.must_change_password
    root = scope_root(user)
    assert (root.code if root else None) == root_code
    assert client.get("/").status_code == 200  # not sent to the password-change page


def test_demo_accounts_details(demo, db):
    assert User.objects.get(username="dept").organisation.name == "乾县住房和城乡建设局"
    member = User.objects.get(username="member").person.party_member
    assert member.registered_community.code == "610424001001"
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password(DEMO_PASSWORD)


def test_the_two_community_accounts_are_in_the_same_street(demo, db):
    first, second = (User.objects.get(username=name).region for name in ("community", "community2"))
    assert first != second and first.parent == second.parent
    assert User.objects.get(username="grid").region.parent == first


def test_an_agency_head_sits_on_a_community_committee(demo, db):
    entries = cross_appointments(user=User.objects.get(username="county"))
    heads = [entry for entry in entries if entry["agency_head_on_committee"]]
    assert heads
    kinds = {p.organisation.kind for p in heads[0]["positions"]}
    assert {Organisation.Kind.DISPATCHED_AGENCY, Organisation.Kind.COMMUNITY_PARTY} <= kinds
    # 双向进入、交叉任职: a property manager on the community committee as well.
    assert any(
        {p.organisation.kind for p in entry["positions"]} >= {Organisation.Kind.PROPERTY_COMPANY,
                                                              Organisation.Kind.COMMUNITY_PARTY}
        for entry in entries
    )


def test_the_command_refuses_outside_the_demo(demo, db):
    before = counts()
    with override_settings(DEMO=False), pytest.raises(CommandError, match="GONGZHI_DEMO"):
        call_command("load_demo")
    assert counts() == before
