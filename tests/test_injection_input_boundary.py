"""The one input boundary, through every path that takes a case in, and exports that no stored text can break.

Text typed on the portal, the staff intake form, the REST API or Open311 is stored in NFC without control
or invisible characters (`core.text.clean_text`), and full-width digits typed with a Chinese input method
count as a phone number (`core.text.ascii_digits`). Rows written before the boundary existed (written here
straight to the database) still export: the shared xlsx writer drops what a cell cannot hold.
"""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from api.tests.conftest import Api
from cases.models import Case
from categories.models import CategoryDepartment
from conftest import PASSWORD
from core.models import AuditEvent
from core.text import ascii_digits, clean_text
from open311.services import api_key_create
from tests.case_world import CaseWorld

pytestmark = pytest.mark.django_db

FULL_WIDTH_PHONE = "１３９１２３４５６７８"
PHONE = "13912345678"
EXPORT = reverse("cases:problem_list_export")
OPEN311_KEY = "boundary-test-key-0123456789"


@pytest.fixture(autouse=True)
def fresh_cache(scratch_media_and_cache):
    """Every test starts with an empty cache and scratch uploads (conftest.scratch_media_and_cache)."""


@pytest.fixture
def world(tree, users) -> CaseWorld:
    w = CaseWorld(tree, users)
    w.category.accepts_public = True
    w.category.save(update_fields=["accepts_public"])
    CategoryDepartment.objects.create(category=w.category, organisation=w.dept, is_lead=True)
    return w


@pytest.fixture
def api(client, users) -> Api:
    return Api(client)


def portal_report(client, world, **overrides):
    data = {
        "kind": "problem", "community": world.tree.east.code, "place": "", "address": "东街小区 3 号楼门口",
        "title": "路灯不亮", "description": "3 号楼门口的路灯坏了一个星期。", "contact_name": "王秀英",
        "contact_phone": PHONE, "idempotency_key": uuid.uuid4().hex, "request_type": "", "category": "",
        "target_group": "",
    }
    data.update(overrides)
    return client.post(reverse("portal:report"), data)


def export_rows(client, user: User, url: str = EXPORT, query: dict | None = None) -> list[list]:
    """The rows of an export fetched as `user`; fails unless it answers 200 with a readable workbook."""
    client.force_login(user)
    response = client.get(url, {"kind": "problem"} if query is None else query)
    assert response.status_code == 200, response.content[:300]
    workbook = load_workbook(io.BytesIO(response.content))
    return [list(row) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]


def cells(rows: list[list]) -> set:
    return {value for row in rows for value in row if value is not None}


# --------------------------------------------------------------------------------------------------
# The normaliser itself


def test_single_line_and_multi_line_text_lose_what_no_one_types_on_purpose():
    dirty = "甲\x01乙\u202e丙\u200b丁\ufeff戊\x7f己\x9b庚\u2066辛\u2069\ud800"
    assert clean_text(dirty) == "甲乙丙丁戊己庚辛"
    assert clean_text("第一行\r\n第二行\r第三行\u2028第四行\u2029第五行\x85\t完") == (
        "第一行\n第二行\n第三行\n第四行\n第五行\n\t完"
    )
    assert clean_text("标题\r\n第二行\t完", single_line=True) == "标题 第二行 完"
    assert clean_text("Cafe\u0301") == "Caf\u00e9"


def test_full_width_digits_and_forms_become_ascii():
    assert ascii_digits("１３９　１２３４－５６７８") == "139 1234-5678"
    assert ascii_digits("１１０１０１１９９００３０７１２３ｘ") == "11010119900307123x"
    assert ascii_digits("＋８６\u200b１３９") == "+86139"


# --------------------------------------------------------------------------------------------------
# The portal


def test_a_portal_title_with_a_control_character_is_stored_clean_and_every_level_still_exports(
        client, world, users):
    response = portal_report(client, world, title="路灯\x01不亮\u202e", description="第一行\r\n第二行\x1f")
    assert response.status_code == 302, response.content.decode()[:800]
    case = Case.objects.get()
    assert case.title == "路灯不亮"
    assert case.description == "第一行\n第二行"
    for role in ("community", "street", "county"):
        assert "路灯不亮" in cells(export_rows(client, users[role]))


def test_a_full_width_phone_on_the_portal_is_accepted_and_stored_as_ascii(client, world):
    response = portal_report(client, world, contact_phone="１３９－１２３４　５６７８")
    assert response.status_code == 302, response.content.decode()[:800]
    assert Case.objects.get().contact_phone == PHONE


def test_a_decomposed_title_is_stored_composed(client, world):
    response = portal_report(client, world, title="Cafe\u0301 门口的灯")
    assert response.status_code == 302
    assert Case.objects.get().title == "Caf\u00e9 门口的灯"


# --------------------------------------------------------------------------------------------------
# Staff, the REST API and Open311


def test_the_staff_intake_form_cleans_its_texts_and_takes_a_full_width_phone(client, world):
    client.force_login(world.users["community"])
    response = client.post(reverse("cases:intake"), {
        "kind": "problem", "request_type": "complaint", "channel": "opinion_window",
        "region": world.tree.east_grid1.pk, "address": "东街3号楼前\u200b", "lat": "", "long": "",
        "title": "井盖\x1b缺失", "description": "东街3号楼前的井盖丢了\x08", "contact_name": "张\u200d大爷",
        "contact_phone": FULL_WIDTH_PHONE, "target_group": "", "category": "", "idempotency_key": uuid.uuid4().hex,
    })
    assert response.status_code == 302, response.content.decode()[:800]
    case = Case.objects.get()
    assert (case.title, case.description, case.address, case.contact_name, case.contact_phone) == (
        "井盖缺失", "东街3号楼前的井盖丢了", "东街3号楼前", "张大爷", PHONE,
    )


def test_the_case_api_cleans_its_texts_and_takes_a_full_width_phone(client, world, api):
    response = client.post("/api/v1/cases", {
        "kind": "problem", "title": "井盖\x01缺失\ud800", "description": "e\u0301 井盖丢了\u2028第二行",
        "region": world.tree.east_grid1.code, "address": "东街3号楼前", "contact_name": "张大爷",
        "contact_phone": FULL_WIDTH_PHONE,
    }, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api.token('community')}")
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert case.title == "井盖缺失"
    assert case.description == "\u00e9 井盖丢了\n第二行"
    assert case.contact_phone == PHONE
    assert "井盖缺失" in cells(export_rows(client, world.users["community"]))


def test_an_open311_request_is_cleaned_and_takes_a_full_width_phone(client, world):
    api_key_create(actor=None, name="热线", raw=OPEN311_KEY)
    response = client.post("/open311/v2/requests.json", {
        "api_key": OPEN311_KEY, "service_code": world.category.code, "address_id": world.tree.east.code,
        "address_string": "东街\x013号楼前", "description": "路灯\x01坏了\u202e一周", "first_name": "乙",
        "last_name": "居\u200b民", "phone": FULL_WIDTH_PHONE,
    })
    assert response.status_code == 200, response.content
    case = Case.objects.get(pk=response.json()[0]["service_request_id"])
    assert (case.title, case.description, case.address, case.contact_name, case.contact_phone) == (
        "路灯坏了一周", "路灯坏了一周", "东街3号楼前", "居民乙", PHONE,
    )
    assert "路灯坏了一周" in cells(export_rows(client, world.users["community"]))


# --------------------------------------------------------------------------------------------------
# Rows stored before the boundary


def test_a_case_stored_with_control_characters_still_exports(client, world, users):
    case = world.dispatch(world.register(timezone.now()), timezone.now())
    Case.objects.filter(pk=case.pk).update(title="旧\x01数据\x1f", address="东街\x0b3号\ufffe楼", contact_name="\x02王")
    assert "旧数据" in cells(export_rows(client, users["community"]))
    assert "旧数据" in cells(export_rows(client, users["county"], reverse("cases:handling_list_export"), {}))
    assert "旧数据" in cells(export_rows(client, users["dept"], reverse("cases:handling_list_export"), {}))


def test_an_audit_row_stored_with_control_characters_still_exports(client, users):
    auditor = User.objects.create_superuser(username="auditor", password=PASSWORD)
    AuditEvent.objects.create(
        action=AuditEvent.Action.UPDATE, actor_label="\x07某人", target_type="cases.case", target_id="1",
        target_label="旧\x01记录", reason="理由\x1b", changes={"title": ["a\x01", "b"]},
    )
    values = cells(export_rows(client, auditor, reverse("accounts:audit_log_export"), {}))
    assert "旧记录" in values and "理由" in values and "某人" in values


def test_every_export_row_goes_in_through_the_shared_writer():
    # A bare `sheet.append` would skip `core.xlsx.append_row`, and one stored control character would
    # make openpyxl refuse the whole file again.
    root = Path(__file__).resolve().parent.parent
    bare = re.compile(r"\b(sheet|guide|worksheet|ws)\.append\(")
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in root.glob("*/**/*.py")
        if ".venv" not in path.parts and "node_modules" not in path.parts and "tests" not in path.parts
        and path != root / "core" / "xlsx.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if bare.search(line)
    ]
    assert not found, found
