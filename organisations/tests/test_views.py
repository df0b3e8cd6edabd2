"""The organisation network's console pages, through HTTP, for every role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from conftest import PASSWORD
from core.models import AuditEvent
from organisations import services
from organisations.models import JointActivity, Organisation, Pact, PactCommitment
from regions import services as region_services
from regions.models import Facility

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 1)


def login(client, username: str):
    assert client.login(username=username, password=PASSWORD)
    return client


def hold(person, organisation, title, *, leader=False, started_on=DAY, ended_on=None):
    return services.position_assign(
        actor=None, person=person, organisation=organisation, title=title, is_leader=leader,
        started_on=started_on, ended_on=ended_on,
    )


@pytest.fixture
def network(tree):
    """Pacts, commitments, an activity, positions, a registration and a cross-appointment."""
    n = tree
    n.police = services.organisation_create(
        actor=None, name="城关派出所", kind=Organisation.Kind.DISPATCHED_AGENCY, region=tree.street
    )
    n.pact = services.pact_create(
        actor=None, community_organisation=tree.east_party, partner=tree.agency_branch,
        kind=Pact.Kind.BRANCH_JOINT_BUILDING, signed_on=dt.date(2025, 5, 1),
        commitments=[("community", "提供活动场地"), ("partner", "每季度上一次党课")],
    )
    PactCommitment.objects.filter(content="提供活动场地").update(fulfilled=True)
    n.property_pact = services.pact_create(
        actor=None, community_organisation=tree.east_party, partner=tree.property_company,
        kind=Pact.Kind.PROPERTY_JOINT_BUILDING, signed_on=dt.date(2025, 6, 1), ends_on=dt.date(2027, 6, 1),
    )
    n.west_pact = services.pact_create(
        actor=None, community_organisation=tree.west_party, partner=tree.agency_branch,
        kind=Pact.Kind.CO_BUILDING, signed_on=dt.date(2025, 7, 1),
    )
    n.hall = region_services.facility_create(
        actor=None, name="东街党群服务中心", kind=Facility.Kind.PARTY_SERVICE_CENTER, region=tree.east,
        host_organisation=tree.east_party,
    )
    n.lesson = services.joint_activity_create(
        actor=None, title="七一同上党课", kind=JointActivity.Kind.PARTY_LESSON, held_on=dt.date(2025, 7, 1),
        community=tree.east, organisations=[tree.east_party, tree.agency_branch], venue=n.hall, pact=n.pact,
        participant_count=45,
    )
    n.clean_up = services.joint_activity_create(
        actor=None, title="环境卫生共建日", kind=JointActivity.Kind.VOLUNTEER_SERVICE, held_on=dt.date(2026, 4, 2),
        community=tree.east, organisations=[tree.east_party, tree.property_company], participant_count=20,
    )
    n.west_event = services.joint_activity_create(
        actor=None, title="西街邻里节", kind=JointActivity.Kind.JOINT_EVENT, held_on=dt.date(2026, 5, 1),
        community=tree.west, organisations=[tree.west_party], participant_count=60,
    )
    n.registration = services.agency_registration_create(
        actor=None, organisation=tree.agency_branch, community=tree.east, registered_on=dt.date(2025, 3, 1),
    )
    services.agency_registration_create(
        actor=None, organisation=tree.agency_branch, community=tree.west, registered_on=dt.date(2025, 3, 2),
    )
    n.secretary = services.person_create(actor=None, name="王书记", home_region=tree.east_grid1)
    n.chief = services.person_create(actor=None, name="李所长", home_region=tree.east_grid2)
    n.west_chief = services.person_create(actor=None, name="赵委员", home_region=tree.west_grid1)
    hold(n.secretary, tree.east_party, "书记", leader=True)
    hold(n.chief, n.police, "所长", leader=True)
    hold(n.chief, tree.east_party, "兼职委员")
    hold(n.west_chief, tree.west_party, "委员")
    hold(n.west_chief, tree.property_company, "经理", ended_on=dt.date(2026, 6, 30), started_on=dt.date(2025, 1, 1))
    return n


# --- organisation list ------------------------------------------------------------------------

def names(response) -> set[str]:
    return {organisation.name for organisation in response.context["page"].object_list}


@pytest.mark.parametrize(("username", "sees", "hidden"), [
    ("community", {"东街社区党委", "安居物业公司"}, {"西街社区党委", "北关社区党支部", "县住房和城乡建设局"}),
    ("community2", {"西街社区党委"}, {"东街社区党委"}),
    ("street", {"东街社区党委", "西街社区党委"}, {"北关社区党支部", "县住房和城乡建设局"}),
    ("county", {"东街社区党委", "西街社区党委", "北关社区党支部", "县住房和城乡建设局"}, set()),
    ("dept", {"县住房和城乡建设局", "县住建局机关党支部"}, set()),
])
def test_organisation_list_is_scoped(client, users, tree, username, sees, hidden):
    response = login(client, username).get(reverse("organisations:list"))
    assert response.status_code == 200
    assert sees <= names(response) and not hidden & names(response)


def test_organisation_list_filters_by_kind_region_and_name(client, users, tree):
    login(client, "county")
    url = reverse("organisations:list")
    assert names(client.get(url, {"kind": "community_party"})) == {"东街社区党委", "西街社区党委", "北关社区党支部"}
    assert names(client.get(url, {"region": tree.east.code})) == {"东街社区党委", "安居物业公司"}
    assert names(client.get(url, {"q": "住建"})) == {"县住建局机关党支部"}
    assert names(client.get(url, {"q": "社区", "region": tree.other_street.code})) == {"北关社区党支部"}


def test_organisation_list_refuses_a_region_outside_scope_in_chinese(client, users, tree):
    response = login(client, "community").get(reverse("organisations:list"), {"region": tree.west.code})
    assert response.status_code == 200 and names(response) == set()
    assert "未找到该区域编码" in response.content.decode()


def test_organisation_list_is_paginated(client, users, tree):
    for number in range(52):
        services.organisation_create(
            actor=None, name=f"社会组织{number:02d}", kind="social_organisation", region=tree.east
        )
    login(client, "community")
    first = client.get(reverse("organisations:list"), {"kind": "social_organisation"})
    assert len(first.context["page"].object_list) == 50 and "下一页" in first.content.decode()
    second = client.get(reverse("organisations:list"), {"kind": "social_organisation", "page": "2"})
    assert len(second.context["page"].object_list) == 2


def test_organisation_list_query_count_does_not_grow_with_rows(client, users, tree, django_assert_max_num_queries):
    login(client, "county")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("organisations:list"))
    for number in range(30):
        services.organisation_create(
            actor=None, name=f"网格党小组{number}", kind="grid_party_group", region=tree.east_grid1,
            parent=tree.east_party,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("organisations:list"))


def test_residents_get_404_on_every_organisation_page(client, users, tree):
    login(client, "resident")
    for url in [
        reverse("organisations:list"), reverse("organisations:detail", args=[tree.east_party.pk]),
        reverse("organisations:create"), reverse("organisations:edit", args=[tree.east_party.pk]),
        reverse("organisations:pacts"), reverse("organisations:activities"),
        reverse("organisations:cross_appointments"), reverse("organisations:agency_registrations"),
    ]:
        assert client.get(url).status_code == 404, url


# --- organisation detail ----------------------------------------------------------------------

@pytest.mark.parametrize(("username", "allowed", "refused"), [
    ("community", ["east_party", "property_company"], ["west_party", "north_party", "department"]),
    ("community2", ["west_party"], ["east_party", "property_company"]),
    ("street", ["east_party", "west_party"], ["north_party", "department"]),
    ("county", ["east_party", "west_party", "north_party", "department", "agency_branch"], []),
    ("dept", ["department", "agency_branch"], []),
    ("grid", [], ["east_party", "west_party"]),
])
def test_organisation_detail_answers_404_outside_scope(client, users, tree, username, allowed, refused):
    login(client, username)
    for name in allowed:
        pk = getattr(tree, name).pk
        assert client.get(reverse("organisations:detail", args=[pk])).status_code == 200, name
    for name in refused:
        pk = getattr(tree, name).pk
        assert client.get(reverse("organisations:detail", args=[pk])).status_code == 404, name


def test_organisation_page_shows_positions_pacts_activities_facilities_members_and_registrations(
    client, users, network
):
    response = login(client, "county").get(reverse("organisations:detail", args=[network.east_party.pk]))
    body = response.content.decode()
    assert body.count("<h1>") == 1 and "社区党组织" in body and "东街社区" in body
    assert reverse("organisations:person_detail", args=[network.secretary.pk]) in body
    assert "王书记" in body and "书记" in body and "李所长" in body and "兼职委员" in body
    assert "县住建局机关党支部" in body and "提供活动场地" in body and "每季度上一次党课" in body and "已兑现" in body
    assert "物业党建联建" in body and "安居物业公司" in body
    assert "七一同上党课" in body and "环境卫生共建日" in body and "西街邻里节" not in body
    assert "东街党群服务中心" in body
    assert "县住建局机关党支部，2025-03-01 报到" in body


def test_organisation_page_counts_party_members_of_the_branch(client, users, tree):
    response = login(client, "dept").get(reverse("organisations:detail", args=[tree.agency_branch.pk]))
    assert response.context["party_member_count"] == 1
    assert "1 名" in response.content.decode()


def test_agency_page_lists_where_it_registered_only_inside_the_readers_scope(client, users, network):
    response = login(client, "dept").get(reverse("organisations:detail", args=[network.agency_branch.pk]))
    assert {r.community.name for r in response.context["registrations"]} == {"东街社区", "西街社区"}


def test_partners_above_the_readers_scope_are_named_but_not_linked(client, users, network):
    login(client, "community")
    body = client.get(reverse("organisations:detail", args=[network.east_party.pk])).content.decode()
    assert "县住建局机关党支部" in body
    assert reverse("organisations:detail", args=[network.agency_branch.pk]) not in body
    assert reverse("organisations:detail", args=[network.property_company.pk]) in body


def test_organisation_page_query_count_does_not_grow_with_rows(client, users, network, django_assert_max_num_queries):
    url = reverse("organisations:detail", args=[network.east_party.pk])
    login(client, "street")
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    baseline = len(few.captured_queries)
    for number in range(8):
        person = services.person_create(actor=None, name=f"委员{number}", home_region=network.east_grid1)
        hold(person, network.east_party, "委员")
        partner = services.organisation_create(
            actor=None, name=f"两新组织{number}", kind="new_economic", region=network.east
        )
        services.pact_create(
            actor=None, community_organisation=network.east_party, partner=partner, kind="co_building",
            signed_on=DAY, commitments=[("partner", f"承诺{number}a"), ("community", f"承诺{number}b")],
        )
        services.joint_activity_create(
            actor=None, title=f"活动{number}", kind="joint_event", held_on=DAY, community=network.east,
            organisations=[network.east_party, partner], venue=network.hall,
        )
        region_services.facility_create(
            actor=None, name=f"站点{number}", kind="volunteer_station", region=network.east,
            host_organisation=network.east_party,
        )
        services.organisation_create(
            actor=None, name=f"党小组{number}", kind="grid_party_group", region=network.east_grid1,
            parent=network.east_party,
        )
    with django_assert_max_num_queries(baseline):
        response = client.get(url)
    assert "承诺7b" in response.content.decode() and "活动7" in response.content.decode()


# --- organisation create / edit ---------------------------------------------------------------

def test_managers_get_the_organisation_form_with_regions_of_their_scope(client, users, tree):
    response = login(client, "community").get(reverse("organisations:create"))
    assert response.status_code == 200
    regions = {region.code for region in response.context["form"].fields["region"].queryset}
    assert tree.east.code in regions and tree.west.code not in regions
    for name in ["name", "kind", "region", "parent", "credit_code", "address", "description"]:
        assert f'<label for="id_{name}">' in response.content.decode()


@pytest.mark.parametrize("username", ["grid", "dept", "member"])
def test_non_managers_are_refused_the_organisation_form(client, users, username):
    login(client, username)
    assert client.get(reverse("organisations:create")).status_code == 403
    assert client.post(reverse("organisations:create"), {"name": "x"}).status_code == 403


def test_an_invalid_organisation_shows_chinese_errors_and_keeps_what_was_typed(client, users, tree):
    login(client, "community")
    response = client.post(reverse("organisations:create"), {
        "name": "", "kind": "", "region": tree.east.pk, "credit_code": "abc", "address": "东大街8号",
        "description": "辖区共建单位",
    })
    body = response.content.decode()
    assert response.status_code == 200
    assert "请填写此项" in body and "请选择类型" in body and "统一社会信用代码应为 18 位数字或大写字母" in body
    assert 'value="东大街8号"' in body and "辖区共建单位" in body and 'value="abc"' in body
    assert Organisation.objects.filter(address="东大街8号").count() == 0


def test_a_duplicate_name_in_the_same_region_is_an_error_on_the_name_field(client, users, tree):
    login(client, "community")
    response = client.post(reverse("organisations:create"), {
        "name": "东街社区党委", "kind": "social_organisation", "region": tree.east.pk,
    })
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["“东街社区”已有名为“东街社区党委”的组织，请换一个名称"]
    assert "已有名为" in response.content.decode()
    assert Organisation.objects.filter(name="东街社区党委").count() == 1


def test_a_region_outside_scope_cannot_be_chosen_for_an_organisation(client, users, tree):
    login(client, "community")
    response = client.post(reverse("organisations:create"), {
        "name": "越界组织", "kind": "social_organisation", "region": tree.west.pk,
    })
    assert "所选区域不在您的管辖范围内" in response.content.decode()
    assert not Organisation.objects.filter(name="越界组织").exists()


def test_a_valid_organisation_is_created_and_audited(client, users, tree):
    login(client, "community")
    response = client.post(reverse("organisations:create"), {
        "name": "东街一网格党小组", "kind": "grid_party_group", "region": tree.east_grid1.pk,
        "parent": tree.east_party.pk, "credit_code": "", "address": "",
    })
    organisation = Organisation.objects.get(name="东街一网格党小组")
    assert response.status_code == 302
    assert response["Location"] == reverse("organisations:detail", args=[organisation.pk])
    assert organisation.parent == tree.east_party and organisation.region == tree.east_grid1
    event = AuditEvent.objects.get(target_type="organisations.organisation", target_id=str(organisation.pk))
    assert event.action == AuditEvent.Action.CREATE and event.actor == users["community"]


def test_an_organisation_is_edited_and_the_change_audited(client, users, tree):
    login(client, "street")
    url = reverse("organisations:edit", args=[tree.property_company.pk])
    assert 'value="安居物业公司"' in client.get(url).content.decode()
    response = client.post(url, {
        "name": "安居物业服务有限公司", "kind": "property_company", "region": tree.east.pk, "address": "东大街9号",
    })
    assert response.status_code == 302
    tree.property_company.refresh_from_db()
    assert tree.property_company.name == "安居物业服务有限公司"
    event = AuditEvent.objects.get(target_id=str(tree.property_company.pk), action="update",
                                   target_type="organisations.organisation")
    assert event.changes["name"] == ["安居物业公司", "安居物业服务有限公司"] and event.actor == users["street"]


def test_renaming_onto_a_taken_name_is_refused_and_the_page_keeps_the_old_title(client, users, tree):
    login(client, "community")
    response = client.post(reverse("organisations:edit", args=[tree.property_company.pk]), {
        "name": "东街社区党委", "kind": "property_company", "region": tree.east.pk,
    })
    assert "已有名为“东街社区党委”的组织" in response.content.decode()
    assert "修改组织：安居物业公司" in response.content.decode()


def test_an_organisation_cannot_be_placed_under_its_own_child(client, users, tree):
    child = services.organisation_create(
        actor=None, name="东街一网格党小组", kind="grid_party_group", region=tree.east_grid1, parent=tree.east_party
    )
    login(client, "community")
    response = client.post(reverse("organisations:edit", args=[tree.east_party.pk]), {
        "name": "东街社区党委", "kind": "community_party", "region": tree.east.pk, "parent": child.pk,
    })
    assert "上级组织不能是本组织的下级组织" in response.content.decode()


def test_editing_out_of_scope_answers_404_and_visible_without_rights_403(client, users, tree):
    login(client, "community")
    assert client.get(reverse("organisations:edit", args=[tree.west_party.pk])).status_code == 404
    login(client, "dept")
    assert client.get(reverse("organisations:edit", args=[tree.department.pk])).status_code == 403
    grid_group = services.organisation_create(
        actor=None, name="东街一网格党小组", kind="grid_party_group", region=tree.east_grid1
    )
    login(client, "grid")
    assert client.get(reverse("organisations:edit", args=[tree.east_party.pk])).status_code == 404
    response = client.post(reverse("organisations:edit", args=[grid_group.pk]), {"name": "改名"})
    assert response.status_code == 403
    grid_group.refresh_from_db()
    assert grid_group.name == "东街一网格党小组"


# --- pacts, activities, registrations ---------------------------------------------------------

def test_pacts_are_listed_in_scope_with_commitment_progress(client, users, network):
    response = login(client, "community").get(reverse("organisations:pacts"))
    pacts = {pact.pk: pact for pact in response.context["page"].object_list}
    assert set(pacts) == {network.pact.pk, network.property_pact.pk}
    assert (pacts[network.pact.pk].fulfilled_count, pacts[network.pact.pk].commitment_count) == (1, 2)
    assert "1 / 2" in response.content.decode() and "2027-06-01" in response.content.decode()
    response = login(client, "street").get(reverse("organisations:pacts"), {"kind": "co_building"})
    assert [pact.pk for pact in response.context["page"].object_list] == [network.west_pact.pk]


def test_pact_list_query_count_does_not_grow_with_rows(client, users, network, django_assert_max_num_queries):
    login(client, "street")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("organisations:pacts"))
    for number in range(10):
        partner = services.organisation_create(
            actor=None, name=f"两新组织{number}", kind="new_social", region=network.west
        )
        services.pact_create(
            actor=None, community_organisation=network.west_party, partner=partner, kind="branch", signed_on=DAY,
            commitments=[("partner", "承诺")],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("organisations:pacts"))


def test_activities_are_listed_in_scope_and_filtered_by_kind_and_year(client, users, network):
    login(client, "community")
    url = reverse("organisations:activities")

    def titles(response) -> list[str]:
        return [activity.title for activity in response.context["page"].object_list]

    assert titles(client.get(url)) == ["环境卫生共建日", "七一同上党课"]
    assert titles(client.get(url, {"year": "2025"})) == ["七一同上党课"]
    assert titles(client.get(url, {"kind": "volunteer_service"})) == ["环境卫生共建日"]
    body = client.get(url).content.decode()
    assert "45" in body and "东街党群服务中心" in body and "东街社区党委、县住建局机关党支部" in body
    login(client, "street")
    assert "西街邻里节" in titles(client.get(url))


def test_activity_list_query_count_does_not_grow_with_rows(client, users, network, django_assert_max_num_queries):
    login(client, "street")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("organisations:activities"))
    for number in range(10):
        services.joint_activity_create(
            actor=None, title=f"活动{number}", kind="cultural_event", held_on=DAY, community=network.west,
            organisations=[network.west_party, network.agency_branch],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("organisations:activities"))


def test_agency_registrations_are_listed_in_scope(client, users, network):
    response = login(client, "community").get(reverse("organisations:agency_registrations"))
    assert [r.community.name for r in response.context["page"].object_list] == ["东街社区"]
    response = login(client, "street").get(reverse("organisations:agency_registrations"))
    assert [r.community.name for r in response.context["page"].object_list] == ["东街社区", "西街社区"]
    assert "县住建局机关党支部" in response.content.decode()


# --- cross-appointments -----------------------------------------------------------------------

def test_cross_appointments_flag_agency_heads_on_the_community_committee(client, users, network):
    response = login(client, "street").get(reverse("organisations:cross_appointments"), {"date": "2026-07-02"})
    body = response.content.decode()
    assert response.status_code == 200
    people = {entry["person"].name: entry for entry in response.context["entries"]}
    assert set(people) == {"李所长"}
    assert people["李所长"]["agency_head_on_committee"]
    assert "派出机构负责人兼任社区支委" in body and "城关派出所" in body and "兼职委员" in body


def test_cross_appointments_on_an_earlier_day_include_positions_since_ended(client, users, network):
    response = login(client, "street").get(reverse("organisations:cross_appointments"), {"date": "2026-03-02"})
    assert {entry["person"].name for entry in response.context["entries"]} == {"李所长", "赵委员"}
    response = login(client, "street").get(reverse("organisations:cross_appointments"), {"date": "2025-06-01"})
    assert {entry["person"].name for entry in response.context["entries"]} == set()


def test_cross_appointments_are_scoped(client, users, network):
    response = login(client, "community2").get(reverse("organisations:cross_appointments"), {"date": "2026-03-01"})
    assert {entry["person"].name for entry in response.context["entries"]} == {"赵委员"}


def test_a_bad_date_gives_a_chinese_message_not_a_server_error(client, users, network):
    response = login(client, "street").get(reverse("organisations:cross_appointments"), {"date": "2026-13-45"})
    assert response.status_code == 200
    assert "日期格式不正确" in response.content.decode()
    assert response.context["entries"] == []


def test_cross_appointments_are_for_staff_only(client, users, network):
    assert login(client, "member").get(reverse("organisations:cross_appointments")).status_code == 404
    assert login(client, "grid").get(reverse("organisations:cross_appointments")).status_code == 200


def test_the_organisation_list_offers_import_to_managers_and_export_to_staff(client, users):
    client.login(username="community", password=PASSWORD)
    html = client.get("/organisations/").content.decode()
    assert 'href="/organisations/import/"' in html and 'href="/organisations/export.xlsx"' in html
    client.logout()
    client.login(username="dept", password=PASSWORD)
    html = client.get("/organisations/").content.decode()
    assert 'href="/organisations/import/"' not in html and 'href="/organisations/export.xlsx"' in html
