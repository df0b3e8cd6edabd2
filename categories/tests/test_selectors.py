"""Reads on the category tree: who handles a category (inherited from ancestors), what residents see."""

from __future__ import annotations

import pytest

from categories import selectors, services
from categories.models import UrgencyLevel
from organisations import services as org_services
from organisations.models import Organisation
from workcalendar.limits import TimeLimit


@pytest.fixture
def branch(tree):
    """市政设施 → 道路 → 人行道破损, with the county department as lead of the first level."""
    root = services.category_create(actor=None, name="市政设施", keywords="道路 路灯")
    road = services.category_create(actor=None, name="道路", parent=root)
    pavement = services.category_create(actor=None, name="人行道破损", parent=road)
    services.category_assign_department(actor=None, category=root, organisation=tree.department, is_lead=True)
    return root, road, pavement


@pytest.fixture
def police(tree):
    return org_services.organisation_create(
        actor=None, name="县公安局", kind=Organisation.Kind.DEPARTMENT, region=tree.county
    )


def test_a_category_without_bodies_inherits_them_from_the_nearest_ancestor(branch, tree):
    root, road, pavement = branch
    result = selectors.departments_for(pavement)
    assert result.lead == tree.department
    assert result.assisting == ()
    assert result.source == root
    assert selectors.lead_department_for(pavement) == tree.department
    assert pavement.lead_department == tree.department


def test_a_category_that_names_its_bodies_uses_its_own(branch, tree, police):
    root, road, pavement = branch
    services.category_assign_department(actor=None, category=road, organisation=police, is_lead=True)
    services.category_assign_department(actor=None, category=road, organisation=tree.property_company)
    result = selectors.departments_for(pavement)
    assert (result.lead, result.assisting, result.source) == (police, (tree.property_company,), road)
    assert result.all == [police, tree.property_company]
    # The first level keeps its own lead.
    assert selectors.lead_department_for(root) == tree.department


def test_assisting_bodies_alone_still_take_the_lead_from_above(branch, tree):
    root, road, pavement = branch
    services.category_assign_department(actor=None, category=road, organisation=tree.property_company)
    result = selectors.departments_for(pavement)
    assert result.lead == tree.department
    assert result.assisting == (tree.property_company,)


def test_an_archived_department_receives_nothing(branch, tree):
    org_services.organisation_archive(actor=None, organisation=tree.department, reason="机构改革")
    assert selectors.lead_department_for(branch[2]) is None
    assert selectors.departments_for(branch[2]).all == []


def test_departments_for_takes_a_fixed_number_of_queries(branch, django_assert_num_queries):
    pavement = branch[2]
    with django_assert_num_queries(2):
        selectors.departments_for(pavement)


def test_no_department_anywhere_gives_none(db):
    lone = services.category_create(actor=None, name="其他")
    assert selectors.departments_for(lone).lead is None
    assert selectors.lead_department_for(lone) is None


def test_the_tree_comes_back_nested_and_without_archived_branches(branch):
    root, road, pavement = branch
    other = services.category_create(actor=None, name="物业管理")
    services.category_archive(actor=None, category=other)
    nodes = selectors.category_tree()
    assert [n.category for n in nodes] == [root]
    assert [n.category for n in nodes[0].children] == [road]
    assert [n.category for n in nodes[0].children[0].children] == [pavement]
    assert len(selectors.category_tree(include_archived=True)) == 2


def test_the_tree_is_one_query(branch, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.category_tree()


def test_public_categories_leave_out_internal_ones_and_their_children(branch):
    root, road, pavement = branch
    services.category_update(actor=None, category=road, values={"accepts_public": False})
    assert list(selectors.public_categories()) == [root]
    assert [n.category for n in selectors.category_tree(public_only=True)[0].children] == []


def test_category_by_code(branch):
    root, road, pavement = branch
    assert selectors.category_by_code(pavement.code) == pavement
    assert selectors.category_by_code(f" {road.code} ") == road
    assert selectors.category_by_code("nope") is None
    services.category_archive(actor=None, category=pavement)
    assert selectors.category_by_code(pavement.code) is None


def test_category_by_path(branch):
    assert selectors.category_by_path("市政设施", "道路", "人行道破损") == branch[2]
    assert selectors.category_by_path("市政设施", "人行道破损") is None


def test_urgency_is_inherited_and_defaults_to_general(branch):
    root, road, pavement = branch
    assert selectors.urgency_for(pavement).code == "general"
    emergency = UrgencyLevel.objects.get(code="emergency")
    services.category_update(actor=None, category=road, values={"default_urgency": emergency})
    pavement.refresh_from_db()
    assert selectors.urgency_for(pavement) == emergency


def test_the_seeded_urgency_levels_and_their_limits(db):
    levels = {level.code: level for level in UrgencyLevel.objects.all()}
    assert [level.name for level in UrgencyLevel.objects.all()] == ["紧急", "水电气暖", "一般", "复杂"]
    assert levels["emergency"].finish_limit == TimeLimit(2, "hours")
    assert levels["emergency"].response_limit == TimeLimit(1, "hours")
    assert levels["utility"].finish_limit == TimeLimit(24, "hours")
    assert levels["general"].finish_limit == TimeLimit(7, "working_days")
    assert levels["complex"].finish_limit == TimeLimit(15, "working_days")
    assert levels["complex"].response_limit == TimeLimit(1, "working_days")


def test_keywords_split_on_any_common_separator(db):
    category = services.category_create(actor=None, name="供水", keywords="停水，水压、漏水 ,水管;  爆管")
    assert category.keyword_list() == ["停水", "水压", "漏水", "水管", "爆管"]
