"""Writes on categories: codes and levels follow the tree, and every change leaves an audit row."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from categories import services
from categories.models import Category, CategoryDepartment
from core.models import AuditEvent


def audit_rows(target):
    return AuditEvent.objects.filter(target_type="categories.category", target_id=str(target.pk)).order_by("id")


def test_create_generates_hierarchical_codes_and_levels(db):
    root = services.category_create(actor=None, name="市容环境")
    second = services.category_create(actor=None, name="物业管理")
    child = services.category_create(actor=None, name="垃圾清运", parent=root)
    grandchild = services.category_create(actor=None, name="垃圾桶满溢", parent=child)
    assert [root.code, second.code, child.code, grandchild.code] == ["01", "02", "0101", "0101001"]
    assert [root.level, child.level, grandchild.level] == [1, 2, 3]
    assert services.category_create(actor=None, name="自编码", code="Z9").code == "Z9"


def test_create_is_audited_with_its_actor(users):
    category = services.category_create(actor=users["county"], name="市容环境", keywords="垃圾")
    row = audit_rows(category).get()
    assert row.action == AuditEvent.Action.CREATE
    assert row.actor == users["county"]
    assert row.changes["name"] == [None, "市容环境"]


def test_a_fourth_level_is_refused(db):
    root = services.category_create(actor=None, name="一")
    child = services.category_create(actor=None, name="二", parent=root)
    leaf = services.category_create(actor=None, name="三", parent=child)
    with pytest.raises(ValidationError):
        services.category_create(actor=None, name="四", parent=leaf)
    assert not Category.objects.filter(name="四").exists()


def test_names_are_unique_among_siblings_only(db):
    a = services.category_create(actor=None, name="城乡建设")
    b = services.category_create(actor=None, name="环境保护")
    services.category_create(actor=None, name="其他", parent=a)
    services.category_create(actor=None, name="其他", parent=b)
    with pytest.raises(ValidationError):
        services.category_create(actor=None, name="其他", parent=a)
    with pytest.raises(ValidationError):
        services.category_create(actor=None, name="城乡建设")


def test_update_audits_what_changed(users):
    category = services.category_create(actor=None, name="供水")
    services.category_update(actor=users["county"], category=category, values={"keywords": "停水 水压"})
    services.category_update(actor=users["county"], category=category, values={"keywords": "停水 水压"})
    rows = audit_rows(category).filter(action=AuditEvent.Action.UPDATE)
    assert rows.count() == 1
    assert rows.get().changes == {"keywords": ["", "停水 水压"]}


def test_moving_a_category_with_children_to_another_depth_is_refused(db):
    a = services.category_create(actor=None, name="甲")
    b = services.category_create(actor=None, name="乙")
    a1 = services.category_create(actor=None, name="甲一", parent=a)
    services.category_create(actor=None, name="甲一一", parent=a1)
    with pytest.raises(ValidationError):
        services.category_update(actor=None, category=a1, values={"parent": None})
    # Same depth under another parent is fine.
    services.category_update(actor=None, category=a1, values={"parent": b})
    a1.refresh_from_db()
    assert a1.parent == b and a1.level == 2


def test_archive_takes_the_children_along_and_audits_each(users):
    root = services.category_create(actor=None, name="市容环境")
    child = services.category_create(actor=None, name="垃圾清运", parent=root)
    services.category_archive(actor=users["county"], category=root, reason="调整分类")
    root.refresh_from_db()
    child.refresh_from_db()
    assert root.is_archived and child.is_archived
    assert Category.objects.count() == 2  # archived, never deleted
    for category in (root, child):
        row = audit_rows(category).get(action=AuditEvent.Action.ARCHIVE)
        assert row.reason == "调整分类"


def test_assigning_departments_is_audited_and_keeps_one_lead(tree, users):
    category = services.category_create(actor=None, name="物业管理")
    services.category_assign_department(
        actor=users["county"], category=category, organisation=tree.department, is_lead=True
    )
    services.category_assign_department(
        actor=users["county"], category=category, organisation=tree.property_company, is_lead=True
    )
    links = {link.organisation: link.is_lead for link in CategoryDepartment.objects.filter(category=category)}
    assert links == {tree.property_company: True, tree.department: False}
    rows = audit_rows(category).filter(action=AuditEvent.Action.UPDATE)
    assert [row.changes["departments"] for row in rows] == [
        [[], ["县住房和城乡建设局（主办）"]],
        [["县住房和城乡建设局（主办）"], ["安居物业公司（主办）", "县住房和城乡建设局（协办）"]],
    ]
    assert all(row.actor == users["county"] for row in rows)
    # Assigning what is already so writes nothing.
    services.category_assign_department(
        actor=users["county"], category=category, organisation=tree.property_company, is_lead=True
    )
    assert rows.count() == 2


def test_removing_a_department_is_audited(tree):
    category = services.category_create(actor=None, name="物业管理")
    services.category_assign_department(actor=None, category=category, organisation=tree.department)
    assert services.category_remove_department(actor=None, category=category, organisation=tree.department)
    assert not services.category_remove_department(actor=None, category=category, organisation=tree.department)
    assert not CategoryDepartment.objects.exists()
    assert audit_rows(category).filter(action=AuditEvent.Action.UPDATE).count() == 2


def test_a_party_organisation_cannot_handle_a_category(tree):
    category = services.category_create(actor=None, name="物业管理")
    with pytest.raises(ValidationError):
        services.category_assign_department(actor=None, category=category, organisation=tree.east_party)
    assert not CategoryDepartment.objects.exists()
