"""The 三联三沉 figures are counted from records, per subtree, and served scoped by the API and the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import PASSWORD
from core.services import record_archive
from organisations import services as org_services
from organisations.models import JointActivity, Organisation, Pact
from regions import services as region_services
from regions.models import Facility
from reports.figures import FIGURE_KEYS, FIGURE_LABELS, FIGURES
from reports.selectors import figures_for

SIGNED = dt.date(2024, 1, 1)


def org(name, kind, region, **extra):
    return org_services.organisation_create(actor=None, name=name, kind=kind, region=region, **extra)


def pact(community_org, partner, kind=Pact.Kind.BRANCH_JOINT_BUILDING, ends_on=None):
    return org_services.pact_create(actor=None, community_organisation=community_org, partner=partner, kind=kind,
                                    signed_on=SIGNED, ends_on=ends_on)


def facility(kind, region, name=None):
    return region_services.facility_create(actor=None, name=name or f"{region.name}{kind}", kind=kind, region=region)


@pytest.fixture
def network(tree):
    """Partners and facilities spread over both streets of the test county."""
    n = tree
    n.second_agency = org("县民政局机关党支部", Organisation.Kind.AGENCY_PARTY, tree.county, parent=tree.department)
    n.north_agency = org("县教育局机关党支部", Organisation.Kind.AGENCY_PARTY, tree.county)
    n.company = org("东街商贸公司党支部", Organisation.Kind.NEW_ECONOMIC, tree.east)
    n.association = org("县义工联合会党支部", Organisation.Kind.NEW_SOCIAL, tree.county)
    n.north_company = org("北关物流公司党支部", Organisation.Kind.NEW_ECONOMIC, tree.north)
    n.west_property = org("西街物业公司", Organisation.Kind.PROPERTY_COMPANY, tree.west)
    n.north_property = org("北关物业公司", Organisation.Kind.PROPERTY_COMPANY, tree.north)
    # The same agency in pacts with two communities of one street counts once.
    pact(tree.east_party, tree.agency_branch)
    pact(tree.west_party, tree.agency_branch, kind=Pact.Kind.CO_BUILDING)
    pact(tree.west_party, n.second_agency)
    pact(tree.north_party, n.north_agency)
    pact(tree.east_party, n.company)
    pact(tree.west_party, n.association)
    pact(tree.north_party, n.north_company)
    n.east_property_pact = pact(tree.east_party, tree.property_company, kind=Pact.Kind.PROPERTY_JOINT_BUILDING)
    pact(tree.west_party, n.west_property, kind=Pact.Kind.PROPERTY_JOINT_BUILDING)
    pact(tree.north_party, n.north_property, kind=Pact.Kind.PROPERTY_JOINT_BUILDING)
    # A property company in an ordinary pact is not a 物业党建联建.
    pact(tree.north_party, org("北关二号物业", Organisation.Kind.PROPERTY_COMPANY, tree.north))
    # A social organisation in a pact is neither an agency nor a 两新 organisation.
    pact(tree.east_party, org("阳光家政服务中心", Organisation.Kind.SOCIAL_ORGANISATION, tree.east))

    n.east_center = facility(Facility.Kind.CULTURAL_CENTER, tree.east)
    facility(Facility.Kind.CULTURAL_CENTER, tree.north)
    facility(Facility.Kind.OPINION_WINDOW, tree.east)
    facility(Facility.Kind.OPINION_WINDOW, tree.east_grid1, name="网格民意征求窗口")
    facility(Facility.Kind.DAY_CARE_CENTER, tree.west)
    facility(Facility.Kind.AFTER_SCHOOL_CENTER, tree.north)
    facility(Facility.Kind.RECEPTION_ROOM, tree.east)
    facility(Facility.Kind.MEDIATION_ROOM, tree.east)
    facility(Facility.Kind.MEDIATION_ROOM, tree.north)
    facility(Facility.Kind.SERVICE_HALL, tree.east)
    facility(Facility.Kind.SERVICE_HALL, tree.west)
    facility(Facility.Kind.SERVICE_HALL, tree.north)
    facility(Facility.Kind.VOLUNTEER_STATION, tree.east)  # counted by no figure
    for title in ("同上党课", "重阳敬老"):
        org_services.joint_activity_create(
            actor=None, title=title, kind=JointActivity.Kind.PARTY_LESSON, held_on=SIGNED, community=tree.east,
            organisations=[tree.east_party, tree.agency_branch], venue=n.east_center,
        )
    org_services.joint_activity_create(
        actor=None, title="北关联建", kind=JointActivity.Kind.JOINT_EVENT, held_on=SIGNED, community=tree.north,
        organisations=[tree.north_party, n.north_agency],
    )
    return n


def test_the_county_figures_count_every_record_below_it(network):
    assert figures_for(network.county) == {
        "agency_party_orgs_linked": 3,
        "two_new_orgs_linked": 3,
        "cultural_activity_centers": 2,
        "joint_activities": 3,
        "property_companies_linked": 3,
        "opinion_windows": 2,
        "problems_collected": 0,
        "day_care_centers": 1,
        "after_school_centers": 1,
        "difficulties_solved": 0,
        "reception_and_mediation_rooms": 3,
        "service_halls": 3,
        "service_window_kinds": 0,
        "meetings_held": 0,
        "joint_council_quarters_missed": 0,
        "resolution_tasks_overdue": 0,
        "matters_decided": 0,
        "consultations_held": 0,
        "opinions_adopted": 0,
        "red_scarf_volunteer_services": 0,
        "deeds_done": 0,
        "service_item_categories": 0,
        "service_items": 0,
        "community_task_categories": 0,
    }


def test_a_streets_figures_exclude_the_other_street(network):
    street = figures_for(network.street)
    assert street["agency_party_orgs_linked"] == 2  # agency_branch (two pacts, counted once) + second_agency
    assert street["two_new_orgs_linked"] == 2
    assert street["property_companies_linked"] == 2
    assert street["cultural_activity_centers"] == 1
    assert street["joint_activities"] == 2
    assert street["after_school_centers"] == 0
    assert street["reception_and_mediation_rooms"] == 2
    assert street["service_halls"] == 2
    other = figures_for(network.other_street)
    assert other["agency_party_orgs_linked"] == 1
    assert other["property_companies_linked"] == 1
    assert other["joint_activities"] == 1


def test_a_communitys_figures_include_its_grids(network):
    east = figures_for(network.east)
    assert east["opinion_windows"] == 2
    assert east["agency_party_orgs_linked"] == 1
    assert figures_for(network.east_grid1)["opinion_windows"] == 1
    assert figures_for(network.west)["day_care_centers"] == 1


def test_archiving_a_facility_drops_its_figure(network):
    assert figures_for(network.east)["cultural_activity_centers"] == 1
    region_services.facility_archive(actor=None, facility=network.east_center, reason="场地收回")
    assert figures_for(network.east)["cultural_activity_centers"] == 0
    assert figures_for(network.county)["cultural_activity_centers"] == 1


def test_a_pact_counts_until_its_end_date_and_not_after(tree):
    today = timezone.localdate()
    pact(tree.east_party, tree.agency_branch, ends_on=today)
    assert figures_for(tree.county)["agency_party_orgs_linked"] == 1
    assert figures_for(tree.county, day=today + dt.timedelta(days=1))["agency_party_orgs_linked"] == 0
    expired = org("县财政局机关党支部", Organisation.Kind.AGENCY_PARTY, tree.county)
    pact(tree.east_party, expired, ends_on=today - dt.timedelta(days=1))
    assert figures_for(tree.county)["agency_party_orgs_linked"] == 1


def test_archived_pacts_partners_and_activities_do_not_count(network):
    record_archive(network.east_property_pact, actor=None)
    org_services.organisation_archive(actor=None, organisation=network.company, reason="企业注销")
    record_archive(JointActivity.objects.get(title="同上党课"), actor=None)
    east = figures_for(network.east)
    assert east["property_companies_linked"] == 0
    assert east["two_new_orgs_linked"] == 0
    assert east["joint_activities"] == 1


def test_figures_take_a_fixed_handful_of_queries(network, django_assert_num_queries):
    # pacts, facilities, activities, rollups built?, cases, meetings, matters, councils (and their sittings
    # when there are councils), overdue resolution tasks, consultations held, opinions adopted, window kinds,
    # the catalogue's categories and items, red-scarf services, the deeds' fulfilled wishes, helped
    # difficulties and post tasks, and the categories with an admitted task
    with django_assert_num_queries(18):
        figures_for(network.county)


def test_every_figure_has_a_chinese_label():
    assert list(FIGURE_LABELS) == list(FIGURE_KEYS)
    assert all(figure.label and figure.unit for figure in FIGURES)


# ---- API -------------------------------------------------------------------------------------------


def token_for(client, username: str) -> str:
    response = client.post("/api/v1/auth/token", {"username": username, "password": PASSWORD},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def api_get(client, url: str, username: str):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {token_for(client, username)}")


def test_api_answers_for_a_region_in_scope(client, users, network):
    response = api_get(client, "/api/v1/reports/figures?region=610424001", "county")
    assert response.status_code == 200
    body = response.json()
    assert body["region"] == {"code": "610424001", "name": "城关街道", "level": "street"}
    assert {key: body[key] for key in FIGURE_KEYS} == figures_for(network.street)


@pytest.mark.parametrize("username, root_code", [
    ("county", "610424"), ("street", "610424001"), ("community", "610424001001"), ("grid", "610424001001001"),
    ("dept", "610424"), ("member", "610424001001"),
])
def test_api_without_region_answers_for_the_callers_scope_root(client, users, network, username, root_code):
    body = api_get(client, "/api/v1/reports/figures", username).json()
    assert body["region"]["code"] == root_code


def test_api_refuses_another_community_with_404(client, users, network):
    response = api_get(client, "/api/v1/reports/figures?region=610424001002", "community")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    # The street above the caller is out of scope too, and an unknown code looks the same.
    assert api_get(client, "/api/v1/reports/figures?region=610424001", "community").status_code == 404
    assert api_get(client, "/api/v1/reports/figures?region=999999", "county").status_code == 404


def test_api_gives_residents_no_figures(client, users, network):
    response = api_get(client, "/api/v1/reports/figures", "resident")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_api_refuses_a_bad_token_with_json_401(client, users):
    response = client.get("/api/v1/reports/figures", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/reports/figures").status_code == 401


# ---- page ------------------------------------------------------------------------------------------


def test_page_shows_the_figures_of_the_users_root_with_chinese_labels(client, users, network):
    client.login(username="community", password=PASSWORD)
    response = client.get("/reports/figures/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "东街社区" in html
    for figure in FIGURES:
        assert figure.label in html
    assert 'data-figure="opinion_windows">2<' in html
    # The picker offers the user's own community only.
    assert 'value="610424001001"' in html
    assert 'value="610424001002"' not in html


def test_page_picker_stops_at_communities_and_follows_the_choice(client, users, network):
    client.login(username="county", password=PASSWORD)
    html = client.get("/reports/figures/?region=610424002").content.decode()
    assert 'value="610424002" selected' in html
    assert 'value="610424002001"' in html
    assert 'value="610424001001001"' not in html  # grids are not offered
    assert 'data-figure="service_halls">1<' in html


def test_page_answers_404_out_of_scope(client, users, network):
    client.login(username="community", password=PASSWORD)
    assert client.get("/reports/figures/?region=610424001002").status_code == 404
    assert client.get("/reports/figures/?region=610424").status_code == 404
    client.logout()
    client.login(username="resident", password=PASSWORD)
    assert client.get("/reports/figures/").status_code == 404


def test_page_requires_sign_in(client, db):
    response = client.get("/reports/figures/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
