"""Every write an administrator makes on the admin site — accounts, urgency levels, the working-day
calendar — goes through a service and leaves an audit row naming the administrator and the change."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import Role, User
from categories.models import UrgencyLevel
from conftest import PASSWORD
from core.models import AuditEvent
from workcalendar.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db) -> User:
    return User.objects.create_superuser(username="root", password=PASSWORD, email="root@example.org")


@pytest.fixture
def admin_client(client, root):
    client.login(username="root", password=PASSWORD)
    return client


def audit_rows(target, **filters):
    return AuditEvent.objects.filter(
        target_type=target._meta.label_lower, target_id=str(target.pk), **filters
    ).order_by("id")


def user_form(user: User, **changes) -> dict:
    """What the admin's change form posts for `user` as it stands, with `changes`."""
    data = {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
        "email": user.email, "role": user.role, "region": user.region_id or "",
        "organisation": user.organisation_id or "", "person": user.person_id or "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"), "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "", "last_login_1": "",
    }
    for flag in ("is_active", "is_staff", "is_superuser", "must_change_password"):
        if getattr(user, flag):
            data[flag] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_an_administrator_promoting_an_account_is_audited_with_each_change(admin_client, root, tree):
    clerk = User.objects.create_user(username="clerk", password=PASSWORD, role=Role.GRID_WORKER, region=tree.east)
    url = reverse("admin:accounts_user_change", args=[clerk.pk])
    response = admin_client.post(url, user_form(clerk, role=Role.COMMUNITY_STAFF, is_superuser="on"))
    assert response.status_code == 302, response.content.decode()[:2000]
    clerk.refresh_from_db()
    assert clerk.role == Role.COMMUNITY_STAFF and clerk.is_superuser
    row = audit_rows(clerk, action=AuditEvent.Action.UPDATE).get()
    assert row.actor_id == root.pk
    assert row.changes["role"] == [Role.GRID_WORKER, Role.COMMUNITY_STAFF]
    assert row.changes["is_superuser"] == [False, True]
    assert "password" not in row.changes and "last_login" not in row.changes


def test_a_save_that_changes_nothing_writes_no_audit_row(admin_client, tree):
    clerk = User.objects.create_user(username="clerk", password=PASSWORD, role=Role.GRID_WORKER, region=tree.east)
    admin_client.post(reverse("admin:accounts_user_change", args=[clerk.pk]), user_form(clerk))
    assert not audit_rows(clerk, action=AuditEvent.Action.UPDATE).exists()


def test_moving_an_account_to_another_region_and_group_is_audited(admin_client, root, tree):
    clerk = User.objects.create_user(username="clerk", password=PASSWORD, role=Role.COMMUNITY_STAFF,
                                     region=tree.east)
    group = Group.objects.create(name="值班长")
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[clerk.pk]),
        {**user_form(clerk, region=tree.west.pk), "groups": [group.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rows = list(audit_rows(clerk, action=AuditEvent.Action.UPDATE))
    assert [row.reason for row in rows] == ["管理员修改账号", "管理员修改账号权限"]
    assert rows[0].changes["region"] == [str(tree.east), str(tree.west)]
    assert rows[1].changes["groups"] == [[], ["值班长"]]
    assert all(row.actor_id == root.pk for row in rows)


def test_an_issued_account_is_audited_with_its_role_and_place(admin_client, root, tree):
    response = admin_client.post(reverse("admin:accounts_user_add"), {
        "username": "newclerk", "password1": "Long-Enough-Passw0rd", "password2": "Long-Enough-Passw0rd",
        "role": Role.COMMUNITY_STAFF, "region": tree.east.pk, "organisation": "", "usable_password": "true",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="newclerk")
    row = audit_rows(user, action=AuditEvent.Action.CREATE).get()
    assert row.actor_id == root.pk
    assert row.changes["region"] == [None, str(tree.east)] and row.changes["role"] == [None, Role.COMMUNITY_STAFF]
    assert row.changes["password"] == ["***", "***"]


def test_accounts_cannot_be_deleted_from_the_admin(admin_client, tree):
    clerk = User.objects.create_user(username="clerk", password=PASSWORD, role=Role.GRID_WORKER, region=tree.east)
    response = admin_client.post(reverse("admin:accounts_user_delete", args=[clerk.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=clerk.pk).exists()


def test_changing_an_urgency_limit_in_the_list_is_audited(admin_client, root):
    levels = list(UrgencyLevel.objects.order_by("order", "id"))
    general = next(level for level in levels if level.code == "general")
    data = {
        "form-TOTAL_FORMS": str(len(levels)), "form-INITIAL_FORMS": str(len(levels)),
        "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000", "_save": "保存",
    }
    for index, level in enumerate(levels):
        data.update({
            f"form-{index}-id": str(level.pk),
            f"form-{index}-response_amount": str(level.response_amount),
            f"form-{index}-response_unit": level.response_unit,
            f"form-{index}-finish_amount": str(10 if level.pk == general.pk else level.finish_amount),
            f"form-{index}-finish_unit": level.finish_unit,
            f"form-{index}-order": str(level.order),
        })
    response = admin_client.post(reverse("admin:categories_urgencylevel_changelist"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    general.refresh_from_db()
    assert general.finish_amount == 10
    row = audit_rows(general, action=AuditEvent.Action.UPDATE).get()
    assert row.actor_id == root.pk and row.changes == {"finish_amount": [7, 10]}


def inline(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def test_a_calendar_year_and_its_days_entered_and_corrected_are_audited(admin_client, root):
    response = admin_client.post(reverse("admin:workcalendar_calendaryear_add"), {
        "year": "2031", "complete": "", "source": "国务院办公厅通知",
        **inline("days", [{"date": "2031-01-01", "kind": "holiday", "name": "元旦"},
                          {"date": "2031-01-04", "kind": "workday", "name": "元旦调休"}]),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    year = CalendarYear.objects.get(year=2031)
    assert audit_rows(year, action=AuditEvent.Action.CREATE, actor=root).exists()
    new_year, makeup = CalendarDay.objects.filter(calendar_year=year).order_by("date")
    assert audit_rows(new_year, action=AuditEvent.Action.CREATE, actor=root).get().changes["name"] == [None, "元旦"]
    # The make-up day was a mistake: it is deleted, and the year marked complete, in one save.
    response = admin_client.post(reverse("admin:workcalendar_calendaryear_change", args=[year.pk]), {
        "year": "2031", "complete": "on", "source": "国务院办公厅通知",
        **inline("days", [
            {"id": str(new_year.pk), "calendar_year": str(year.pk), "date": "2031-01-01", "kind": "holiday",
             "name": "元旦"},
            {"id": str(makeup.pk), "calendar_year": str(year.pk), "date": "2031-01-04", "kind": "workday",
             "name": "元旦调休", "DELETE": "on"},
        ], initial=2),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not CalendarDay.objects.filter(pk=makeup.pk).exists()
    deleted = AuditEvent.objects.get(target_type="workcalendar.calendarday", target_id=str(makeup.pk),
                                     action=AuditEvent.Action.DELETE)
    assert deleted.actor_id == root.pk and deleted.changes["kind"] == ["workday", None]
    assert audit_rows(year, action=AuditEvent.Action.UPDATE).get().changes == {"complete": [False, True]}


def test_a_calendar_day_deleted_on_its_own_page_is_audited(admin_client, root):
    year = CalendarYear.objects.create(year=2032)
    day = CalendarDay.objects.create(calendar_year=year, date="2032-10-01", kind="holiday", name="国庆节")
    response = admin_client.post(reverse("admin:workcalendar_calendarday_delete", args=[day.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(target_type="workcalendar.calendarday", target_id=str(day.pk),
                                     action=AuditEvent.Action.DELETE, actor=root).exists()
    # Years are corrected, never dropped: past deadlines were counted on them.
    response = admin_client.post(reverse("admin:workcalendar_calendaryear_delete", args=[year.pk]), {"post": "yes"})
    assert response.status_code == 403
