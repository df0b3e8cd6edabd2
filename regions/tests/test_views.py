"""The region tree and facility pages, through HTTP, for every role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import PASSWORD
from core.models import AuditEvent
from regions import services
from regions.models import Facility

pytestmark = pytest.mark.django_db


def login(client, username: str):
    assert client.login(username=username, password=PASSWORD)
    return client


def make_facility(region, kind=Facility.Kind.CULTURAL_CENTER, name=None, **extra) -> Facility:
    return services.facility_create(actor=None, name=name or f"{region.name}{kind}", kind=kind, region=region, **extra)


@pytest.fixture
def facilities(tree):
    return {
        "east_hall": make_facility(tree.east, Facility.Kind.SERVICE_HALL, "东街便民服务大厅", capacity=80,
                                   opening_hours="周一至周五 8:30-17:30", host_organisation=tree.east_party),
        "east_legal": make_facility(tree.east, Facility.Kind.LEGAL_STATION, "东街法律服务站"),
        "east_grid_room": make_facility(tree.east_grid1, Facility.Kind.MEDIATION_ROOM, "东街一网格调解室"),
        "west_window": make_facility(tree.west, Facility.Kind.OPINION_WINDOW, "西街民意征求窗口"),
        "north_center": make_facility(tree.north, Facility.Kind.CULTURAL_CENTER, "北关文化活动中心"),
    }


# --- the tree ---------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["county", "street", "community", "grid", "dept", "member"])
def test_the_tree_renders_for_every_role_with_a_scope(client, users, username):
    response = login(client, username).get(reverse("regions:tree"))
    assert response.status_code == 200
    assert response.content.decode().count("<h1>") == 1


def test_residents_get_404_on_every_region_page(client, users, tree, facilities):
    login(client, "resident")
    for url in [
        reverse("regions:tree"), reverse("regions:detail", args=[tree.east.code]),
        reverse("regions:children", args=[tree.east.code]), reverse("regions:facilities"),
        reverse("regions:facility_create"), reverse("regions:facility_edit", args=[facilities["east_hall"].pk]),
    ]:
        assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_the_login_page(client, tree):
    response = client.get(reverse("regions:tree"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_community_staff_see_their_community_with_its_children_and_not_the_neighbour(client, users, tree):
    body = login(client, "community").get(reverse("regions:tree")).content.decode()
    assert "东街社区" in body and "东街一网格" in body and tree.east_grid1.code in body
    assert "西街社区" not in body and "城关街道" not in body
    # Nodes with children load them lazily, and keep a plain link for browsers without scripts.
    assert f'hx-get="{reverse("regions:children", args=[tree.east_grid1.code])}"' in body
    assert "<details" in body and "<summary>" in body


def test_county_tree_opens_at_the_county_with_its_streets(client, users):
    body = login(client, "county").get(reverse("regions:tree")).content.decode()
    assert "测试县" in body and "城关街道" in body and "漠西街道" in body
    assert "县（区）" in body and "街道（镇）" in body


def test_children_fragment_lists_the_next_level_only_inside_scope(client, users, tree):
    login(client, "street")
    response = client.get(reverse("regions:children", args=[tree.street.code]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>" not in body and "东街社区" in body and "西街社区" in body and "东街一网格" not in body
    assert client.get(reverse("regions:children", args=[tree.other_street.code])).status_code == 404


# --- region detail ----------------------------------------------------------------------------

@pytest.mark.parametrize(("username", "allowed", "refused"), [
    ("community", ["east", "east_grid1", "east_building"], ["west", "street", "county", "north"]),
    ("community2", ["west", "west_grid1"], ["east", "east_grid1", "street"]),
    ("street", ["street", "east", "west", "east_grid1"], ["county", "other_street", "north"]),
    ("county", ["county", "street", "east", "west", "north", "east_building"], []),
    ("grid", ["east_grid1", "east_building"], ["east", "east_grid2", "west"]),
    ("dept", ["county", "east", "north"], []),
])
def test_region_detail_answers_404_outside_scope(client, users, tree, username, allowed, refused):
    login(client, username)
    for name in allowed:
        assert client.get(reverse("regions:detail", args=[getattr(tree, name).code])).status_code == 200, name
    for name in refused:
        assert client.get(reverse("regions:detail", args=[getattr(tree, name).code])).status_code == 404, name


def test_unknown_region_codes_answer_404(client, users):
    login(client, "county")
    assert client.get("/regions/610424999/").status_code == 404


def test_region_detail_shows_children_facilities_organisations_and_figures_link(client, users, tree, facilities):
    body = login(client, "street").get(reverse("regions:detail", args=[tree.east.code])).content.decode()
    assert "东街一网格" in body and "东街二网格" in body
    # Counts cover the subtree; the list shows only what sits at this level.
    assert "一站式便民服务大厅" in body and "调解室" in body
    assert "东街便民服务大厅" in body and "东街法律服务站" in body and "东街一网格调解室" not in body
    assert "周一至周五 8:30-17:30" in body and "东街社区党委" in body and "安居物业公司" in body
    assert f'{reverse("reports:figures")}?region={tree.east.code}' in body
    assert "西街民意征求窗口" not in body


def test_breadcrumbs_stop_at_the_top_of_the_users_scope(client, users, tree):
    body = login(client, "community").get(reverse("regions:detail", args=[tree.east_building.code])).content.decode()
    assert reverse("regions:detail", args=[tree.east.code]) in body
    assert reverse("regions:detail", args=[tree.east_grid1.code]) in body
    assert "城关街道" not in body and "测试县" not in body
    body = login(client, "county").get(reverse("regions:detail", args=[tree.east_building.code])).content.decode()
    assert "城关街道" in body and "测试县" in body


def test_region_detail_page_counts_its_facilities_by_kind(client, users, tree, facilities):
    response = login(client, "county").get(reverse("regions:detail", args=[tree.county.code]))
    counts = {row["kind"]: row["count"] for row in response.context["facility_counts"]}
    assert counts == {
        Facility.Kind.CULTURAL_CENTER: 1, Facility.Kind.SERVICE_HALL: 1, Facility.Kind.OPINION_WINDOW: 1,
        Facility.Kind.MEDIATION_ROOM: 1, Facility.Kind.LEGAL_STATION: 1,
    }


# --- facility list ----------------------------------------------------------------------------

def facility_names(response) -> set[str]:
    return {facility.name for facility in response.context["page"].object_list}


def test_facility_list_is_scoped(client, users, facilities):
    login(client, "community")
    assert facility_names(client.get(reverse("regions:facilities"))) == {
        "东街便民服务大厅", "东街法律服务站", "东街一网格调解室",
    }
    login(client, "street")
    assert "西街民意征求窗口" in facility_names(client.get(reverse("regions:facilities")))
    assert "北关文化活动中心" not in facility_names(client.get(reverse("regions:facilities")))
    login(client, "county")
    assert len(facility_names(client.get(reverse("regions:facilities")))) == 5


def test_facility_list_filters_by_kind_group_and_region(client, users, tree, facilities):
    login(client, "county")
    url = reverse("regions:facilities")
    assert facility_names(client.get(url, {"kind": "opinion_window"})) == {"西街民意征求窗口"}
    assert facility_names(client.get(url, {"group": "stations"})) == {"东街法律服务站"}
    assert facility_names(client.get(url, {"group": "rooms"})) == {"东街一网格调解室"}
    assert facility_names(client.get(url, {"region": tree.other_street.code})) == {"北关文化活动中心"}
    body = client.get(url).content.decode()
    assert "80" in body and "东街社区党委" in body and "周一至周五 8:30-17:30" in body


def test_facility_list_refuses_a_region_code_outside_scope_in_chinese(client, users, tree, facilities):
    login(client, "community")
    response = client.get(reverse("regions:facilities"), {"region": tree.west.code})
    assert response.status_code == 200
    assert facility_names(response) == set()
    assert "未找到该区域编码" in response.content.decode()


def test_facility_list_is_paginated_with_text_links(client, users, tree):
    for number in range(55):
        make_facility(tree.east, Facility.Kind.VOLUNTEER_STATION, f"志愿服务站{number:02d}")
    login(client, "community")
    first = client.get(reverse("regions:facilities"), {"group": "stations"})
    assert len(first.context["page"].object_list) == 50
    assert "下一页" in first.content.decode() and "group=stations" in first.content.decode()
    second = client.get(reverse("regions:facilities"), {"group": "stations", "page": 2})
    assert len(second.context["page"].object_list) == 5 and "上一页" in second.content.decode()


def test_facility_list_query_count_does_not_grow_with_rows(client, users, tree, django_assert_max_num_queries):
    login(client, "street")
    make_facility(tree.east, host_organisation=tree.east_party)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("regions:facilities"))
    for number in range(30):
        make_facility(
            tree.west, Facility.Kind.ELDERLY_UNIVERSITY, f"老年大学{number}", host_organisation=tree.west_party
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("regions:facilities"))


def test_region_detail_query_count_does_not_grow_with_rows(client, users, tree, django_assert_max_num_queries):
    login(client, "street")
    make_facility(tree.east, host_organisation=tree.east_party)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("regions:detail", args=[tree.east.code]))
    for number in range(20):
        make_facility(
            tree.east, Facility.Kind.ELDERLY_UNIVERSITY, f"老年大学{number}", host_organisation=tree.east_party
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("regions:detail", args=[tree.east.code]))


# --- facility create / edit -------------------------------------------------------------------

def test_managers_open_the_facility_form_with_regions_of_their_scope_only(client, users, tree):
    response = login(client, "community").get(reverse("regions:facility_create"), {"region": tree.east_grid1.code})
    assert response.status_code == 200
    choices = {region.code for region in response.context["form"].fields["region"].queryset}
    assert tree.east.code in choices and tree.west.code not in choices and tree.street.code not in choices
    assert response.context["form"].initial["region"] == tree.east_grid1.pk
    body = response.content.decode()
    assert '<label for="id_name">' in body and '<label for="id_region">' in body


@pytest.mark.parametrize("username", ["grid", "dept", "member"])
def test_non_managers_are_refused_the_facility_form(client, users, username):
    login(client, username)
    assert client.get(reverse("regions:facility_create")).status_code == 403
    assert client.post(reverse("regions:facility_create"), {"name": "x"}).status_code == 403


def test_an_invalid_facility_shows_chinese_errors_and_keeps_what_was_typed(client, users, tree):
    login(client, "community")
    response = client.post(reverse("regions:facility_create"), {
        "name": "", "kind": "day_care_center", "region": tree.east.pk, "capacity": "很多",
        "address": "东大街12号", "opening_hours": "全天",
    })
    body = response.content.decode()
    assert response.status_code == 200
    assert "请填写此项" in body and "容纳人数须为整数" in body and "提交未成功" in body
    assert 'value="东大街12号"' in body and 'value="全天"' in body and 'value="很多"' in body
    assert not Facility.objects.filter(address="东大街12号").exists()


def test_a_region_outside_scope_cannot_be_chosen(client, users, tree):
    login(client, "community")
    response = client.post(reverse("regions:facility_create"), {
        "name": "越界阵地", "kind": "day_care_center", "region": tree.west.pk,
    })
    assert response.status_code == 200
    assert "所选区域不在您的管辖范围内" in response.content.decode()
    assert not Facility.objects.filter(name="越界阵地").exists()


def test_a_valid_facility_is_created_and_audited(client, users, tree):
    login(client, "community")
    response = client.post(reverse("regions:facility_create"), {
        "name": "东街日间照料中心", "kind": "day_care_center", "region": tree.east_grid2.pk, "capacity": "30",
        "opening_hours": "每天 8:00-18:00", "address": " 东大街1号 ", "host_organisation": tree.east_party.pk,
    })
    facility = Facility.objects.get(name="东街日间照料中心")
    assert response.status_code == 302
    assert response["Location"] == reverse("regions:detail", args=[tree.east_grid2.code])
    assert facility.capacity == 30 and facility.address == "东大街1号" and facility.host_organisation == tree.east_party
    event = AuditEvent.objects.get(target_type="regions.facility", target_id=str(facility.pk))
    assert event.action == AuditEvent.Action.CREATE and event.actor == users["community"]


def test_a_facility_is_edited_with_its_values_prefilled_and_the_change_audited(client, users, facilities):
    facility = facilities["east_hall"]
    login(client, "community")
    url = reverse("regions:facility_edit", args=[facility.pk])
    assert 'value="东街便民服务大厅"' in client.get(url).content.decode()
    response = client.post(url, {
        "name": "东街一站式服务大厅", "kind": facility.kind, "region": facility.region_id, "capacity": "100",
    })
    assert response.status_code == 302
    facility.refresh_from_db()
    assert facility.name == "东街一站式服务大厅" and facility.capacity == 100
    event = AuditEvent.objects.get(target_type="regions.facility", target_id=str(facility.pk), action="update")
    assert event.changes["name"] == ["东街便民服务大厅", "东街一站式服务大厅"]


def test_editing_a_facility_out_of_scope_answers_404_and_a_visible_one_without_rights_403(client, users, facilities):
    login(client, "community")
    assert client.get(reverse("regions:facility_edit", args=[facilities["west_window"].pk])).status_code == 404
    login(client, "grid")
    assert client.get(reverse("regions:facility_edit", args=[facilities["east_hall"].pk])).status_code == 404
    assert client.get(reverse("regions:facility_edit", args=[facilities["east_grid_room"].pk])).status_code == 403
    login(client, "dept")
    response = client.post(reverse("regions:facility_edit", args=[facilities["east_hall"].pk]), {"name": "改名"})
    assert response.status_code == 403
    facilities["east_hall"].refresh_from_db()
    assert facilities["east_hall"].name == "东街便民服务大厅"
