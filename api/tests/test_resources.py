"""Categories, organisations, party members, facilities and regions over the API: scoped like the pages,
filtered, masked, and 404 (never 403) outside the caller's scope."""

from __future__ import annotations

import pytest

from categories.api import Responsibles, categories_visible_to
from categories.models import Category, CategoryDepartment
from categories.selectors import departments_for
from organisations import services as org_services
from organisations.models import Organisation, PartyMember
from regions import services as region_services
from regions.models import Facility

pytestmark = pytest.mark.django_db


@pytest.fixture
def categories(tree):
    """市政设施 (lead 住建局, assisting 物业) → 路灯 (inherits) and 井盖 (own lead 城管); 内部事项 is not public."""
    municipal = Category.objects.create(code="01", name="市政设施", keywords="市政 设施")
    lamps = Category.objects.create(code="0101", name="路灯", parent=municipal, level=2, keywords="路灯、不亮")
    covers = Category.objects.create(code="0102", name="井盖", parent=municipal, level=2)
    Category.objects.create(code="010201", name="雨水井盖", parent=covers, level=3)
    internal = Category.objects.create(code="02", name="内部事项", accepts_public=False)
    Category.objects.create(code="0201", name="内部子项", parent=internal, level=2)
    city = org_services.organisation_create(
        actor=None, name="县城市管理局", kind=Organisation.Kind.DEPARTMENT, region=tree.county
    )
    CategoryDepartment.objects.create(category=municipal, organisation=tree.department, is_lead=True)
    CategoryDepartment.objects.create(category=municipal, organisation=tree.property_company, is_lead=False)
    CategoryDepartment.objects.create(category=covers, organisation=city, is_lead=True)
    return {"municipal": municipal, "lamps": lamps, "covers": covers, "internal": internal, "city": city}


# -- categories ------------------------------------------------------------------------------------


def test_staff_walk_the_category_tree_by_level_and_parent(api, categories):
    roots = api.ok("community", "/api/v1/categories", level=1)["items"]
    assert [(c["code"], c["public"], c["has_children"]) for c in roots] == [("01", True, True), ("02", False, True)]
    children = api.ok("community", "/api/v1/categories", parent="01")["items"]
    assert [c["code"] for c in children] == ["0101", "0102"]
    assert children[0]["full_name"] == "市政设施 / 路灯"
    assert children[0]["keywords"] == ["路灯", "不亮"]


def test_a_category_names_its_own_or_inherited_departments(api, categories, tree):
    lamps = api.ok("community", "/api/v1/categories/0101")
    assert lamps["lead_department"]["name"] == tree.department.name
    assert [d["name"] for d in lamps["assisting_departments"]] == [tree.property_company.name]
    assert lamps["departments_from"] == "01"
    deep = api.ok("community", "/api/v1/categories/010201")
    assert deep["lead_department"]["name"] == "县城市管理局"
    assert deep["departments_from"] == "0102"
    assert api.ok("community", "/api/v1/categories/0102")["children"] == [{"code": "010201", "name": "雨水井盖"}]


def test_the_batch_resolution_of_departments_agrees_with_the_selector_for_every_category(categories, users):
    rows = list(categories_visible_to(users["county"]))
    resolved = Responsibles(rows)
    for category in rows:
        lead, assisting, source = resolved.of(category)
        expected = departments_for(category)
        assert (lead, tuple(assisting), source) == (expected.lead, expected.assisting, expected.source), category.code


def test_a_resident_sees_only_public_categories(api, categories):
    codes = [c["code"] for c in api.walk("resident", "/api/v1/categories")]
    assert codes == ["01", "0101", "0102", "010201"]
    assert api.get("resident", "/api/v1/categories/0201").status_code == 404


def test_the_public_filter_and_name_search(api, categories):
    hidden = [c["code"] for c in api.walk("county", "/api/v1/categories", public="false")]
    assert hidden == ["02", "0201"]
    assert [c["code"] for c in api.ok("county", "/api/v1/categories", q="井盖")["items"]] == ["0102", "010201"]


def test_an_unknown_category_is_404(api, categories):
    response = api.get("county", "/api/v1/categories/99")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# -- organisations ---------------------------------------------------------------------------------


def test_organisations_are_scoped_like_the_pages(api, tree):
    east = {o["name"] for o in api.walk("community", "/api/v1/organisations")}
    assert east == {tree.east_party.name, tree.property_company.name}
    assert api.get("community", f"/api/v1/organisations/{tree.west_party.pk}").status_code == 404
    assert api.ok("street", f"/api/v1/organisations/{tree.west_party.pk}")["region"] == {
        "code": tree.west.code, "name": tree.west.name,
    }


def test_organisations_filter_by_kind_region_parent_and_name(api, tree):
    parties = api.walk("county", "/api/v1/organisations", kind="community_party")
    assert {o["name"] for o in parties} == {tree.east_party.name, tree.west_party.name, tree.north_party.name}
    in_street = api.walk("county", "/api/v1/organisations", region=tree.street.code)
    assert {o["name"] for o in in_street} == {tree.east_party.name, tree.west_party.name, tree.property_company.name}
    children = api.ok("county", "/api/v1/organisations", parent=tree.department.pk)["items"]
    assert [o["name"] for o in children] == [tree.agency_branch.name]
    assert children[0]["parent"] == {"id": tree.department.pk, "name": tree.department.name}
    assert [o["name"] for o in api.ok("county", "/api/v1/organisations", q="物业")["items"]] == ["安居物业公司"]
    assert api.get("county", "/api/v1/organisations", kind="no_such_kind").status_code == 400


def test_a_resident_sees_no_organisations(api, tree):
    assert api.ok("resident", "/api/v1/organisations") == {"items": [], "next_cursor": None}


# -- party members ---------------------------------------------------------------------------------


def test_party_members_come_with_phone_and_id_number_masked(api, tree):
    member = api.ok("community", "/api/v1/party-members")["items"]
    assert len(member) == 1
    assert member[0]["name"] == "党员甲"
    assert member[0]["phone"] == "138****1111"
    assert member[0]["id_number"] == "610424********1234"
    assert member[0]["registered_community"] == {"code": tree.east.code, "name": tree.east.name}
    assert member[0]["branch"]["name"] == tree.agency_branch.name


def test_party_members_are_scoped_and_outside_scope_is_404(api, tree):
    member = PartyMember.objects.get()
    assert api.ok("community2", "/api/v1/party-members")["items"] == []
    assert api.get("community2", f"/api/v1/party-members/{member.pk}").status_code == 404
    assert api.ok("dept", f"/api/v1/party-members/{member.pk}")["id"] == member.pk  # a member of its branch
    assert api.ok("member", f"/api/v1/party-members/{member.pk}")["name"] == "党员甲"  # oneself


def test_party_members_filter(api, tree):
    assert len(api.ok("county", "/api/v1/party-members", community=tree.east.code)["items"]) == 1
    assert api.ok("county", "/api/v1/party-members", community=tree.west.code)["items"] == []
    assert len(api.ok("county", "/api/v1/party-members", grid=tree.east_grid1.code)["items"]) == 1
    assert len(api.ok("county", "/api/v1/party-members", registered="true")["items"]) == 1
    assert api.ok("county", "/api/v1/party-members", registered="false")["items"] == []
    assert api.ok("county", "/api/v1/party-members", central_household="true")["items"] == []
    assert len(api.ok("county", "/api/v1/party-members", name="党员")["items"]) == 1
    assert len(api.ok("county", "/api/v1/party-members", branch=tree.agency_branch.pk)["items"]) == 1


# -- facilities ------------------------------------------------------------------------------------


@pytest.fixture
def facilities(tree):
    make = region_services.facility_create
    return {
        "care": make(actor=None, name="东街日间照料中心", kind=Facility.Kind.DAY_CARE_CENTER, region=tree.east,
                     capacity=40, host_organisation=tree.east_party),
        "legal": make(actor=None, name="东街法律服务站", kind=Facility.Kind.LEGAL_STATION, region=tree.east_grid1),
        "west": make(actor=None, name="西街调解室", kind=Facility.Kind.MEDIATION_ROOM, region=tree.west),
    }


def test_facilities_are_scoped_and_filtered_by_kind_group_and_region(api, facilities, tree):
    assert {f["name"] for f in api.walk("community", "/api/v1/facilities")} == {"东街日间照料中心", "东街法律服务站"}
    assert api.get("community", f"/api/v1/facilities/{facilities['west'].pk}").status_code == 404
    care = api.ok("street", "/api/v1/facilities", kind="day_care_center")["items"]
    assert [(f["name"], f["capacity"], f["host_organisation"]["name"]) for f in care] == [
        ("东街日间照料中心", 40, tree.east_party.name),
    ]
    assert [f["name"] for f in api.ok("street", "/api/v1/facilities", group="stations")["items"]] == ["东街法律服务站"]
    assert [f["name"] for f in api.ok("street", "/api/v1/facilities", group="rooms")["items"]] == ["西街调解室"]
    assert [f["name"] for f in api.ok("street", "/api/v1/facilities", region=tree.east_grid1.code)["items"]] == [
        "东街法律服务站",
    ]
    assert api.ok("street", f"/api/v1/facilities/{facilities['west'].pk}")["kind_label"] == "调解室"


# -- regions ---------------------------------------------------------------------------------------


def test_a_region_in_scope_with_its_visible_ancestors(api, tree):
    body = api.ok("community", f"/api/v1/regions/{tree.east_grid1.code}")
    assert body["parent"] == tree.east.code
    assert body["ancestors"] == [{"code": tree.east.code, "name": tree.east.name}]  # cut at the caller's scope
    assert body["child_count"] == 1
    assert api.ok("county", f"/api/v1/regions/{tree.east_grid1.code}")["ancestors"][0]["code"] == tree.county.code


def test_a_region_outside_scope_or_unknown_is_404(api, tree):
    assert api.get("community", f"/api/v1/regions/{tree.west.code}").status_code == 404
    assert api.get("community", "/api/v1/regions/999999").status_code == 404
    assert api.get("resident", f"/api/v1/regions/{tree.east.code}").status_code == 404


def test_region_children_are_paged(api, tree):
    first = api.ok("county", "/api/v1/regions", parent=tree.county.code, limit=1)
    assert [r["code"] for r in first["items"]] == [tree.street.code]
    second = api.ok("county", "/api/v1/regions", parent=tree.county.code, limit=1, cursor=first["next_cursor"])
    assert [r["code"] for r in second["items"]] == [tree.other_street.code]
    assert second["next_cursor"] is None
