"""The back office edits categories and their bodies through the services, so every change is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from categories import selectors, services
from categories.models import Category, CategoryDepartment, UrgencyLevel
from conftest import PASSWORD
from core.models import AuditEvent
from workcalendar.models import CalendarDay, CalendarYear


@pytest.fixture
def admin_client(client, db):
    User.objects.create_superuser(username="root", password=PASSWORD, email="root@example.org")
    client.login(username="root", password=PASSWORD)
    return client


def inline(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def test_the_changelist_shows_the_tree_with_its_bodies(admin_client, tree, django_assert_max_num_queries):
    root = services.category_create(actor=None, name="物业管理")
    services.category_create(actor=None, name="物业收费", parent=root)
    services.category_assign_department(actor=None, category=root, organisation=tree.department, is_lead=True)
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:categories_category_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "物业收费" in body and "县住房和城乡建设局（主办）" in body


def test_adding_a_category_in_admin_goes_through_the_service(admin_client, tree):
    root = services.category_create(actor=None, name="物业管理")
    data = {
        "parent": str(root.pk), "name": "物业收费", "code": "", "order": "1",
        "default_urgency": str(UrgencyLevel.objects.get(code="general").pk), "accepts_public": "on",
        "keywords": "物业费", "description": "",
        **inline("department_links", [{"organisation": str(tree.department.pk), "is_lead": "on"}]),
    }
    response = admin_client.post(reverse("admin:categories_category_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Category.objects.get(name="物业收费")
    assert created.code == "0101" and created.level == 2
    assert selectors.lead_department_for(created) == tree.department
    actions = set(
        AuditEvent.objects.filter(target_type="categories.category", target_id=str(created.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions == {AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE}


def test_switching_the_lead_in_one_save(admin_client, tree):
    category = services.category_create(actor=None, name="物业管理")
    first = services.category_assign_department(
        actor=None, category=category, organisation=tree.department, is_lead=True
    )
    second = services.category_assign_department(actor=None, category=category, organisation=tree.property_company)
    data = {
        "name": "物业管理", "code": category.code, "order": "0", "accepts_public": "on", "keywords": "",
        "description": "", "parent": "", "default_urgency": "",
        **inline("department_links", [
            {"id": str(first.pk), "category": str(category.pk), "organisation": str(tree.department.pk)},
            {"id": str(second.pk), "category": str(category.pk), "organisation": str(tree.property_company.pk),
             "is_lead": "on"},
        ], initial=2),
    }
    response = admin_client.post(reverse("admin:categories_category_change", args=[category.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    leads = CategoryDepartment.objects.filter(category=category, is_lead=True).values_list("organisation", flat=True)
    assert list(leads) == [tree.property_company.pk]


def test_two_leads_in_one_form_are_refused(admin_client, tree):
    category = services.category_create(actor=None, name="物业管理")
    data = {
        "name": "物业管理", "code": category.code, "order": "0", "accepts_public": "on", "keywords": "",
        "description": "", "parent": "", "default_urgency": "",
        **inline("department_links", [
            {"organisation": str(tree.department.pk), "is_lead": "on"},
            {"organisation": str(tree.property_company.pk), "is_lead": "on"},
        ]),
    }
    response = admin_client.post(reverse("admin:categories_category_change", args=[category.pk]), data)
    assert response.status_code == 200
    assert "每个分类只能有一个主办单位" in response.content.decode()
    assert not CategoryDepartment.objects.exists()


def test_archiving_from_the_list(admin_client):
    root = services.category_create(actor=None, name="物业管理")
    child = services.category_create(actor=None, name="物业收费", parent=root)
    admin_client.post(
        reverse("admin:categories_category_changelist"),
        {"action": "archive_selected", "_selected_action": [str(root.pk)]},
    )
    assert Category.objects.filter(pk__in=[root.pk, child.pk], archived_at__isnull=False).count() == 2


def test_urgency_levels_and_calendar_years_are_editable(admin_client):
    assert admin_client.get(reverse("admin:categories_urgencylevel_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:workcalendar_calendaryear_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:workcalendar_calendarday_changelist") + "?kind=workday").status_code == 200


def test_an_administrator_enters_2027_with_its_days(admin_client):
    data = {
        "year": "2027", "complete": "on", "source": "国务院办公厅关于2027年部分节假日安排的通知",
        **inline("days", [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}]),
    }
    response = admin_client.post(reverse("admin:workcalendar_calendaryear_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert CalendarYear.objects.get(year=2027).complete
    assert CalendarDay.objects.get(date="2027-01-01").name == "元旦"


def test_a_day_outside_its_year_is_refused_in_admin(admin_client):
    data = {"year": "2027", "complete": "", "source": "",
            **inline("days", [{"date": "2028-01-01", "kind": "holiday", "name": "元旦"}])}
    response = admin_client.post(reverse("admin:workcalendar_calendaryear_add"), data)
    assert response.status_code == 200
    assert not CalendarYear.objects.filter(year=2027).exists()
