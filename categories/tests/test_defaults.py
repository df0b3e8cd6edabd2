"""The default county tree: loaded once, never overwriting an administrator's edits, departments linked by name."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from categories import selectors, services
from categories.defaults import DEFAULT_DEPARTMENTS, DEFAULT_TREE
from categories.models import Category, CategoryDepartment
from organisations import services as org_services
from organisations.models import Organisation

pytestmark = pytest.mark.django_db


def test_the_default_tree_has_ten_functions_with_three_to_six_categories_each():
    assert len(DEFAULT_TREE) == 10
    assert all(3 <= len(children) <= 6 for _, _, _, children in DEFAULT_TREE)
    names = {name for name, *_ in DEFAULT_TREE}
    assert {"市容环境", "市政设施", "水电气暖", "物业管理", "社会治安", "市场监管", "社会保障", "教育文体",
            "卫生健康", "矛盾纠纷"} == names
    # Every mapping key names a category of the tree.
    paths = {name for name, *_ in DEFAULT_TREE} | {
        f"{name}/{child[0]}" for name, _, _, children in DEFAULT_TREE for child in children
    }
    assert set(DEFAULT_DEPARTMENTS) <= paths


def test_loading_twice_creates_the_tree_once():
    first = services.categories_load_defaults(actor=None, departments={})
    total = sum(1 + len(children) for *_, children in DEFAULT_TREE)
    assert (first.created, first.existing) == (total, 0)
    second = services.categories_load_defaults(actor=None, departments={})
    assert (second.created, second.existing) == (0, total)
    assert Category.objects.count() == total


def test_keywords_and_urgency_come_with_the_tree():
    services.categories_load_defaults(actor=None, departments={})
    gas = selectors.category_by_path("水电气暖", "燃气")
    assert "漏气" in gas.keyword_list()
    assert selectors.urgency_for(gas).code == "emergency"
    assert selectors.urgency_for(selectors.category_by_path("水电气暖", "供水")).code == "utility"
    assert selectors.urgency_for(selectors.category_by_path("矛盾纠纷", "信访事项")).code == "complex"


def test_an_administrators_edit_survives_a_reload():
    services.categories_load_defaults(actor=None, departments={})
    water = selectors.category_by_path("水电气暖", "供水")
    services.category_update(actor=None, category=water, values={"keywords": "本县自定"})
    services.categories_load_defaults(actor=None, departments={})
    water.refresh_from_db()
    assert water.keywords == "本县自定"


def test_departments_are_linked_by_name_when_they_exist(tree):
    police = org_services.organisation_create(
        actor=None, name="县公安局", kind=Organisation.Kind.DEPARTMENT, region=tree.county
    )
    result = services.categories_load_defaults(actor=None, departments={
        "物业管理": ["县住房和城乡建设局", "安居物业公司"],
        "社会治安": "县公安局",
        "市场监管": ["县市场监督管理局"],
        "不存在的分类": ["县公安局"],
    })
    assert result.missing == ["不存在的分类", "县市场监督管理局"]
    fee = selectors.category_by_path("物业管理", "物业收费")
    responsibles = selectors.departments_for(fee)
    assert responsibles.lead == tree.department
    assert responsibles.assisting == (tree.property_company,)
    assert selectors.lead_department_for(selectors.category_by_path("社会治安", "消防安全")) == police
    # A second run links nothing new.
    links = CategoryDepartment.objects.count()
    assert services.categories_load_defaults(actor=None, departments={"社会治安": "县公安局"}).linked == []
    assert CategoryDepartment.objects.count() == links


def test_the_demo_mapping_names_departments_of_the_demo_county():
    from demo.county import DEPARTMENTS

    demo_names = {name for name, _ in DEPARTMENTS}
    mapped = {name for names in DEFAULT_DEPARTMENTS.values() for name in names}
    assert mapped <= demo_names


def test_the_command_takes_a_mapping_file_and_entries(tree, tmp_path):
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"物业管理": ["县住房和城乡建设局"]}, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command(
        "load_default_categories", "--departments", str(mapping), "--map", "市容环境/绿化养护=安居物业公司",
        stdout=out,
    )
    assert "新建 61 个" in out.getvalue()
    assert selectors.lead_department_for(selectors.category_by_path("物业管理")) == tree.department
    assert selectors.lead_department_for(selectors.category_by_path("市容环境", "绿化养护")) == tree.property_company
    assert selectors.lead_department_for(selectors.category_by_path("市容环境")) is None


def test_the_command_without_departments_and_with_a_bad_entry(tmp_path):
    call_command("load_default_categories", "--no-departments", stdout=io.StringIO())
    assert not CategoryDepartment.objects.exists()
    with pytest.raises(CommandError):
        call_command("load_default_categories", "--map", "市容环境", stdout=io.StringIO())
