"""The party-member roster and the create/edit form, through HTTP with the scoped users of conftest."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import PASSWORD
from core.models import AuditEvent
from core.validators import id_number_check_char
from organisations import services
from organisations.models import Organisation, PartyMember, Person

ROSTER = reverse("organisations:party_members")
CREATE = reverse("organisations:party_member_create")


def valid_id(body: str = "61042419850315123") -> str:
    return body + id_number_check_char(body)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def member_of(users) -> PartyMember:
    return users["member"].person.party_member


def add_member(tree, name, *, phone="", branch=None, community=None, grid=None, central=False, home=None):
    person = services.person_create(actor=None, name=name, phone=phone, home_region=home)
    return services.party_member_register(
        actor=None, person=person, branch=branch or tree.east_party, registered_community=community,
        registered_on=tree.today if community else None, grid=grid, is_central_household=central,
    )


def form_data(tree, **overrides):
    data = {
        "name": "王建国", "gender": "male", "birth_date": "", "phone": "13912345678", "id_number": valid_id(),
        "address": "城关街道东街社区5号楼1单元", "home_region": tree.east_grid2.pk, "branch": tree.agency_branch.pk,
        "joined_on": "2010-07-01", "registered_community": tree.east.pk, "registered_on": "2026-03-01",
        "grid": tree.east_grid2.pk, "is_central_household": "on", "skills": "法律咨询",
    }
    data.update(overrides)
    return data


# --- roster: masking and scope ---------------------------------------------------------------------------------

def test_roster_shows_the_phone_masked_and_never_in_the_clear(client, users):
    response = login(client, users["community"]).get(ROSTER)
    html = response.content.decode()
    assert response.status_code == 200
    assert "党员甲" in html
    assert "138****1111" in html
    assert "13800001111" not in html


def test_staff_of_another_community_neither_list_nor_open_the_member(client, users):
    member = member_of(users)
    login(client, users["community2"])
    assert "党员甲" not in client.get(ROSTER).content.decode()
    assert client.get(reverse("organisations:person_detail", args=[member.person_id])).status_code == 404
    assert client.get(reverse("organisations:party_member_edit", args=[member.pk])).status_code == 404


def test_a_person_of_the_west_community_is_hidden_from_east_staff(client, tree, users):
    west_only = services.person_create(actor=None, name="西街居民丙", phone="13700003333", home_region=tree.west_grid1)
    url = reverse("organisations:person_detail", args=[west_only.pk])
    assert login(client, users["community"]).get(url).status_code == 404
    client.logout()
    assert login(client, users["community2"]).get(url).status_code == 200


def test_a_party_member_sees_only_their_own_record(client, tree, users):
    other = add_member(tree, "党员丁", community=tree.east, grid=tree.east_grid1)
    login(client, users["member"])
    html = client.get(ROSTER).content.decode()
    assert "党员甲" in html and "党员丁" not in html
    assert client.get(reverse("organisations:person_detail", args=[other.person_id])).status_code == 404
    assert client.get(reverse("organisations:person_detail", args=[users["member"].person_id])).status_code == 200


def test_residents_are_told_the_roster_does_not_exist(client, users):
    login(client, users["resident"])
    assert client.get(ROSTER).status_code == 404
    assert client.get(CREATE).status_code == 404


def test_the_roster_requires_signing_in(client, users):
    response = client.get(ROSTER)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# --- roster: filters, paging, buttons --------------------------------------------------------------------------

@pytest.fixture
def roster(tree, users):
    """党员甲 (registered at 东街, grid 1, agency branch) plus three more members of 东街."""
    return {
        "central": add_member(tree, "中心户张", community=tree.east, grid=tree.east_grid2, central=True),
        "unregistered": add_member(tree, "未报到李", grid=tree.east_grid1),
        "own_branch": add_member(tree, "支部赵", branch=tree.east_party, community=tree.east, grid=tree.east_grid1),
    }


def names_in(response) -> set[str]:
    html = response.content.decode()
    return {name for name in ("党员甲", "中心户张", "未报到李", "支部赵") if f">{name}</a>" in html}


@pytest.mark.parametrize(("query", "expected"), [
    ({}, {"党员甲", "中心户张", "未报到李", "支部赵"}),
    ({"q": "张"}, {"中心户张"}),
    ({"grid": "610424001001002"}, {"中心户张"}),
    ({"community": "610424001001"}, {"党员甲", "中心户张", "未报到李", "支部赵"}),
    ({"registered": "no"}, {"未报到李"}),
    ({"registered": "yes", "central_household": "no"}, {"党员甲", "支部赵"}),
    ({"central_household": "yes"}, {"中心户张"}),
])
def test_roster_filters(client, users, roster, query, expected):
    response = login(client, users["community"]).get(ROSTER, query)
    assert response.status_code == 200
    assert names_in(response) == expected


def test_roster_filters_by_branch(client, tree, users, roster):
    response = login(client, users["community"]).get(ROSTER, {"branch": tree.agency_branch.pk})
    assert names_in(response) == {"党员甲"}


def test_filter_choices_stay_inside_the_users_scope(client, tree, users, roster):
    login(client, users["community"])
    html = client.get(ROSTER).content.decode()
    assert "东街一网格" in html and "西街一网格" not in html and "北关社区" not in html
    # A community outside the scope is refused as a choice instead of being applied.
    response = client.get(ROSTER, {"community": tree.west.code})
    assert response.status_code == 200
    assert "西街社区" not in response.content.decode()
    assert names_in(response) == {"党员甲", "中心户张", "未报到李", "支部赵"}


def test_roster_is_paginated_by_fifty(client, tree, users):
    for index in range(55):
        add_member(tree, f"分页{index:02d}", community=tree.east, grid=tree.east_grid1)
    login(client, users["community"])
    first = client.get(ROSTER).content.decode()
    assert first.count('scope="row"') == 50
    assert "第 1 / 2 页" in first
    second = client.get(ROSTER, {"page": 2}).content.decode()
    assert second.count('scope="row"') == 6


def test_roster_query_count_does_not_grow_with_the_number_of_members(client, tree, users, roster,
                                                                     django_assert_max_num_queries):
    login(client, users["community"])
    with CaptureQueriesContext(connection) as few:
        assert client.get(ROSTER).status_code == 200
    for index in range(40):
        add_member(tree, f"批量{index:02d}", phone=f"135000{index:05d}", community=tree.east, grid=tree.east_grid2)
    with django_assert_max_num_queries(len(few)):
        assert client.get(ROSTER).status_code == 200


def test_import_is_offered_to_managers_and_export_to_staff_keeping_the_filter(client, users, roster):
    query = {"registered": "yes", "q": "张"}
    html = login(client, users["community"]).get(ROSTER, query).content.decode()
    assert f'href="{reverse("organisations:party_members_import")}"' in html
    assert f'href="{reverse("organisations:party_members_export")}?registered=yes&amp;q=%E5%BC%A0"' in html
    client.logout()
    grid_html = login(client, users["grid"]).get(ROSTER, query).content.decode()
    assert "导入名册" not in grid_html and "新增党员" not in grid_html
    # A grid worker may take the masked roster of their grid out, so the export is offered.
    assert "导出名册" in grid_html
    client.logout()
    member_html = login(client, users["member"]).get(ROSTER).content.decode()
    assert "导出名册" not in member_html


# --- create ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    ("community", 200), ("street", 200), ("county", 200), ("grid", 403), ("dept", 403), ("member", 403),
    ("resident", 404),
])
def test_only_managers_open_the_create_form(client, users, who, status):
    assert login(client, users[who]).get(CREATE).status_code == status


def test_a_valid_form_creates_the_person_the_membership_and_their_audit_rows(client, tree, users):
    response = login(client, users["community"]).post(CREATE, form_data(tree))
    person = Person.objects.get(name="王建国")
    assert response.status_code == 302
    assert response["Location"] == reverse("organisations:person_detail", args=[person.pk])
    member = person.party_member
    assert member.branch == tree.agency_branch and member.registered_community == tree.east
    assert member.grid == tree.east_grid2 and member.is_central_household and member.skills == "法律咨询"
    assert person.phone == "13912345678" and person.id_number == valid_id()
    assert person.birth_date == dt.date(1985, 3, 15), "the birth date is taken from the ID number when left blank"
    creates = AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, actor=users["community"])
    assert {(e.target_type, e.target_id) for e in creates} == {
        ("organisations.person", str(person.pk)), ("organisations.partymember", str(member.pk)),
    }
    assert "13912345678" not in str([e.changes for e in creates])


def test_an_invalid_form_keeps_every_typed_value_and_explains_in_chinese(client, tree, users):
    bad_id = "61042419850315123" + ("0" if valid_id().endswith("X") else "X")
    data = form_data(tree, phone="12345678901", id_number=bad_id)
    response = login(client, users["community"]).post(CREATE, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "手机号码应为 11 位大陆手机号" in html
    assert "身份证号校验位不正确" in html
    for typed in ("王建国", "12345678901", bad_id, "城关街道东街社区5号楼1单元", "2010-07-01", "法律咨询"):
        assert f'value="{typed}"' in html
    assert f'<option value="{tree.agency_branch.pk}" selected>' in html
    assert not Person.objects.filter(name="王建国").exists()


@pytest.mark.parametrize(("id_number", "message"), [
    ("6104241985031512", "身份证号应为 18 位"),
    ("61042419851345123" + "X", "身份证号中的出生日期无效"),
    ("61042419850315123A", "最后一位为数字或 X"),
])
def test_id_number_errors(client, tree, users, id_number, message):
    response = login(client, users["community"]).post(CREATE, form_data(tree, id_number=id_number))
    assert message in response.content.decode()


def test_phone_may_be_left_blank(client, tree, users):
    login(client, users["community"]).post(CREATE, form_data(tree, phone=""))
    assert Person.objects.get(name="王建国").phone == ""


def test_a_duplicate_id_number_is_an_error_on_that_field(client, tree, users):
    services.person_create(actor=None, name="已登记者", id_number=valid_id())
    response = login(client, users["community"]).post(CREATE, form_data(tree))
    html = response.content.decode()
    assert "该身份证号已登记" in html
    assert 'id="id_id_number_error"' in html
    assert not Person.objects.filter(name="王建国").exists()


def test_the_community_must_be_in_scope_and_the_grid_inside_it(client, tree, users):
    login(client, users["community"])
    html = client.post(CREATE, form_data(tree, registered_community=tree.west.pk)).content.decode()
    assert 'id="id_registered_community_error"' in html
    html = client.post(CREATE, form_data(tree, registered_community="", registered_on="", grid="")).content.decode()
    assert "您无权在此登记党员" in html, "a county branch with no community is outside a community worker's remit"
    client.logout()
    login(client, users["street"])
    html = client.post(CREATE, form_data(tree, registered_community=tree.west.pk)).content.decode()
    assert "所在网格不在报到社区内" in html
    html = client.post(CREATE, form_data(tree, registered_on="")).content.decode()
    assert "已报到的党员须填写报到日期" in html
    assert not Person.objects.filter(name="王建国").exists()


def test_a_phone_and_id_number_typed_in_full_width_are_stored_as_ascii(client, tree, users):
    full_width = str.maketrans("0123456789X", "０１２３４５６７８９ｘ")
    response = login(client, users["community"]).post(CREATE, form_data(
        tree, phone="１３９１２３４５６７８", id_number=valid_id().translate(full_width),
    ))
    assert response.status_code == 302, response.content.decode()[:800]
    person = Person.objects.get(name="王建国")
    assert person.phone == "13912345678" and person.id_number == valid_id()


def test_a_failure_after_the_person_is_created_stores_nothing(client, tree, users, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"branch": "该党组织已停止接收党员"})

    monkeypatch.setattr(services, "party_member_register", refuse)
    login(client, users["community"])
    before = AuditEvent.objects.count()
    response = client.post(CREATE, form_data(tree))
    assert response.status_code == 200
    assert "该党组织已停止接收党员" in response.content.decode()
    assert not Person.objects.filter(name="王建国").exists()
    assert AuditEvent.objects.count() == before


def test_an_unexpected_error_after_the_person_is_created_also_stores_nothing(client, tree, users, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "party_member_register", crash)
    login(client, users["community"])
    with pytest.raises(RuntimeError):
        client.post(CREATE, form_data(tree))
    assert not Person.objects.filter(name="王建国").exists()


# --- edit ------------------------------------------------------------------------------------------------------

def test_the_edit_form_starts_with_personal_data_empty(client, tree, users):
    member = member_of(users)
    html = login(client, users["community"]).get(reverse("organisations:party_member_edit", args=[member.pk]))
    html = html.content.decode()
    assert 'value="党员甲"' in html
    assert "13800001111" not in html and "610424199001011234" not in html
    assert html.count("留空则不修改") == 3


def test_editing_changes_only_the_personal_data_that_was_filled_in(client, tree, users):
    member = member_of(users)
    url = reverse("organisations:party_member_edit", args=[member.pk])
    login(client, users["community"])
    data = form_data(tree, name="党员甲", phone="", id_number="", address="", registered_community=tree.east.pk,
                     grid=tree.east_grid1.pk, skills="书法")
    response = client.post(url, data)
    assert response.status_code == 302
    person = Person.objects.get(pk=member.person_id)
    assert person.phone == "13800001111" and person.id_number == "610424199001011234"
    assert PartyMember.objects.get(pk=member.pk).skills == "书法"
    client.post(url, {**data, "phone": "13611112222"})
    assert Person.objects.get(pk=member.person_id).phone == "13611112222"


def test_editing_to_another_persons_id_number_is_refused(client, tree, users):
    services.person_create(actor=None, name="已登记者", id_number=valid_id())
    member = member_of(users)
    response = login(client, users["community"]).post(
        reverse("organisations:party_member_edit", args=[member.pk]),
        form_data(tree, name="党员甲", phone="", address="", grid=tree.east_grid1.pk),
    )
    assert "该身份证号已登记" in response.content.decode()
    assert Person.objects.get(pk=member.person_id).id_number == "610424199001011234"


def test_grid_workers_cannot_edit(client, users):
    member = member_of(users)
    response = login(client, users["grid"]).get(reverse("organisations:party_member_edit", args=[member.pk]))
    assert response.status_code == 403


# --- person page -----------------------------------------------------------------------------------------------

def test_the_person_page_lists_current_and_past_positions(client, tree, users):
    person = users["member"].person
    services.position_assign(actor=None, person=person, organisation=tree.east_party, title="兼职委员",
                             started_on=dt.date(2024, 1, 1))
    old = services.position_assign(actor=None, person=person, organisation=tree.property_company, title="监事",
                                   started_on=dt.date(2020, 1, 1))
    services.position_end(actor=None, position=old, ended_on=dt.date(2022, 1, 1))
    html = login(client, users["community"]).get(reverse("organisations:person_detail", args=[person.pk]))
    html = html.content.decode()
    assert "兼职委员" in html and "现任" in html
    assert "监事" in html and "曾任" in html and "2022-01-01" in html
    assert reverse("organisations:detail", args=[tree.east_party.pk]) in html
    assert Organisation.objects.get(pk=tree.agency_branch.pk).name in html


def test_a_county_chooses_a_community_before_its_grids_are_offered(client, users):
    html = login(client, users["county"]).get(ROSTER).content.decode()
    assert 'value="610424001001001"' not in html
    assert "请先选择社区" in html
    html = client.get(ROSTER, {"community": "610424001001"}).content.decode()
    assert 'value="610424001001001"' in html and 'value="610424001002001"' not in html
