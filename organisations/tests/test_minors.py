"""Children under 14: birth date read from the ID number, nothing of their personal data shown on pages,
in the roster, in exports or in the API, and a reveal only with the specific right, logged as sensitive."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import PASSWORD
from core.models import AuditEvent
from core.validators import id_number_check_char
from organisations import minors, services
from organisations.models import Person

pytestmark = pytest.mark.django_db

CHILD_PHONE = "13700007777"
CHILD_ADDRESS = "东街小区3号楼2单元501室"


def id_number_born(born: dt.date, sequence: int = 123) -> str:
    body = f"610424{born:%Y%m%d}{sequence:03d}"
    return body + id_number_check_char(body)


def years_ago(years: int, days: int = 0) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=days)


CHILD_BORN = years_ago(9, days=40)
CHILD_ID = id_number_born(CHILD_BORN)


@pytest.fixture
def child(tree, users) -> Person:
    """A nine-year-old of the east community, entered with the staff's services (as a roster entry, so
    the roster and its export show the row too)."""
    person = services.person_create(
        actor=users["community"], name="小明", phone=CHILD_PHONE, id_number=CHILD_ID, address=CHILD_ADDRESS,
        home_region=tree.east_grid1,
    )
    services.party_member_register(
        actor=users["community"], person=person, branch=tree.east_party, registered_community=tree.east,
        registered_on=tree.today, grid=tree.east_grid1,
    )
    return person


def login(client, username: str):
    assert client.login(username=username, password=PASSWORD)
    return client


def grant(user) -> None:
    user.user_permissions.add(Permission.objects.get(codename="reveal_minor_data"))


def reveal(client, person: Person, field: str = "id_number", reason: str = "核实监护人申请的救助材料"):
    return client.post(reverse("organisations:person_reveal", args=[person.pk]), {"field": field, "reason": reason})


def assert_nothing_of_the_child(text: str) -> None:
    for secret in (CHILD_ID, CHILD_ID[-4:], CHILD_ID[:6] + "*", CHILD_PHONE, CHILD_PHONE[-4:], CHILD_ADDRESS[:6]):
        assert secret not in text, secret


# --------------------------------------------------------------------------------------------------
# Who is a child under 14
# --------------------------------------------------------------------------------------------------


def test_the_birth_date_is_read_from_the_id_number_when_the_person_is_saved(child, users):
    assert child.birth_date == CHILD_BORN and minors.is_minor(child)
    adult = services.person_create(actor=None, name="成年人", id_number=id_number_born(years_ago(30), 7))
    assert adult.birth_date == years_ago(30) and not minors.is_minor(adult)
    given = services.person_create(actor=None, name="有出生日期", birth_date=dt.date(2000, 1, 2),
                                   id_number=id_number_born(dt.date(2000, 1, 3), 8))
    assert given.birth_date == dt.date(2000, 1, 2), "a birth date given explicitly is kept"
    services.person_update(actor=None, person=adult, values={"id_number": id_number_born(years_ago(5), 9)})
    adult.refresh_from_db()
    assert minors.is_minor(adult), "a corrected ID number moves the birth date with it"


def test_the_flag_ends_the_day_after_the_fourteenth_birthday():
    # 已满十四周岁 from the day after the fourteenth birthday.
    person = Person(name="生日", birth_date=dt.date(2012, 3, 15))
    assert minors.is_minor(person, today=dt.date(2026, 3, 15))
    assert not minors.is_minor(person, today=dt.date(2026, 3, 16))
    leap = Person(name="闰日", birth_date=dt.date(2012, 2, 29))
    assert minors.is_minor(leap, today=dt.date(2026, 2, 28))
    assert not minors.is_minor(leap, today=dt.date(2026, 3, 1))
    assert not minors.is_minor(Person(name="无出生日期"))


def test_the_migration_fills_birth_dates_from_id_numbers_already_on_file(child):
    from importlib import import_module

    Person.objects.filter(pk=child.pk).update(birth_date=None)
    migration = import_module("organisations.migrations.0003_person_minor_reveal_permission")
    migration.birth_dates_from_id_numbers(global_apps, None)
    child.refresh_from_db()
    assert child.birth_date == CHILD_BORN


# --------------------------------------------------------------------------------------------------
# Pages, roster, export, API
# --------------------------------------------------------------------------------------------------


def test_the_person_page_hides_everything_and_offers_no_reveal_without_the_right(client, child):
    response = login(client, "community").get(reverse("organisations:person_detail", args=[child.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "未成年人（敏感）" in html and minors.MINOR_MASK in html
    assert_nothing_of_the_child(html)
    assert f"{CHILD_BORN:%Y-%m-%d}" not in html
    assert 'name="reason"' not in html


def test_the_roster_marks_the_row_and_shows_no_part_of_the_phone(client, child):
    html = login(client, "community").get(reverse("organisations:party_members")).content.decode()
    row = next(line for line in html.split("<tr>") if "小明" in line)
    assert "未成年人（敏感）" in row and minors.MINOR_MASK in row
    assert_nothing_of_the_child(row)
    adult_row = next(line for line in html.split("<tr>") if "党员甲" in line)
    assert "138****1111" in adult_row and "未成年人" not in adult_row


def test_the_roster_export_masks_the_child_fully_and_adults_as_before(client, child):
    response = login(client, "community").get(reverse("organisations:party_members_export"))
    assert response.status_code == 200
    rows = [list(row) for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]
    by_name = {row[0]: row for row in rows[2:]}
    assert by_name["小明"][2:5] == [minors.MINOR_MASK] * 3
    assert_nothing_of_the_child(repr(by_name["小明"]))
    assert by_name["党员甲"][2:4] == ["610424********1234", "138****1111"]


def test_the_api_masks_the_child_fully(client, users, child):
    token = client.post("/api/v1/auth/token", {"username": "community", "password": PASSWORD},
                        content_type="application/json").json()["token"]
    response = client.get("/api/v1/party-members", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    item = next(item for item in response.json()["items"] if item["name"] == "小明")
    assert item["phone"] == item["id_number"] == minors.MINOR_MASK
    assert_nothing_of_the_child(json.dumps(item, ensure_ascii=False))


# --------------------------------------------------------------------------------------------------
# Reveal
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["community", "street", "county", "grid"])
def test_staff_without_the_right_are_refused_and_the_refusal_is_logged_as_sensitive(client, child, username):
    response = reveal(login(client, username), child)
    assert response.status_code == 403
    assert_nothing_of_the_child(response.content.decode())
    denied = AuditEvent.objects.get(action=AuditEvent.Action.DENIED, target_id=str(child.pk))
    assert denied.actor.username == username and denied.outcome == "denied"
    assert denied.changes == {"field": "id_number", "sensitive": "minor_under_14"}
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()


def test_the_same_staff_still_reveal_an_adults_data(client, users):
    adult = users["member"].person
    response = reveal(login(client, "community"), adult, field="phone")
    assert response.status_code == 200 and "13800001111" in response.content.decode()
    assert AuditEvent.objects.get(action=AuditEvent.Action.REVEAL).changes == {"field": "phone"}


def test_a_holder_of_the_right_reveals_with_a_reason_and_the_reveal_is_logged_as_sensitive(client, users, child):
    grant(users["community"])
    login(client, "community")
    page = client.get(reverse("organisations:person_detail", args=[child.pk])).content.decode()
    assert 'name="reason"' in page and f"{CHILD_BORN:%Y-%m-%d}" in page
    assert reveal(client, child, reason="  ").status_code == 200
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists(), "no reason, no reveal"
    response = reveal(client, child)
    assert response.status_code == 200 and CHILD_ID in response.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.REVEAL)
    assert event.actor == users["community"] and event.reason == "核实监护人申请的救助材料"
    assert event.changes == {"field": "id_number", "sensitive": "minor_under_14"}
    assert CHILD_ID not in repr(event.changes)


def test_the_right_does_not_reach_past_the_holders_scope(client, users, child):
    grant(users["community2"])
    assert reveal(login(client, "community2"), child).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()

