"""Formula injection: text typed as a spreadsheet formula comes back from every .xlsx export as text.

Each export is fetched over HTTP and read back with openpyxl from the real file; a name or title such
as `=HYPERLINK(...)` must be a string cell (data type "s"), never a formula, while counts stay numbers.
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts.models import Role, User
from core import audit
from core.models import AuditEvent
from core.xlsx import workbook_bytes
from organisations import services as org_services
from organisations.models import Organisation
from tests.case_world import CaseWorld

FORMULAS = (
    '=HYPERLINK("http://x","y")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
)
LINK = FORMULAS[0]


def _cells(content: bytes) -> list:
    """Every non-empty cell of every sheet of a real .xlsx file."""
    workbook = load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


def _text_cell(content: bytes, text: str):
    """The one cell holding `text` exactly; fails when it was stored as anything but that text."""
    found = [cell for cell in _cells(content) if cell.value == text]
    assert found, f"{text!r} is not in the export"
    return found[0]


def _export(client, user, url: str, query: dict | None = None) -> bytes:
    client.force_login(user)
    response = client.get(url, query or {})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return response.content


@pytest.fixture
def world(tree, users) -> CaseWorld:
    return CaseWorld(tree, users)


@pytest.mark.parametrize("text", FORMULAS)
def test_the_shared_helper_stores_formula_like_text_as_text_and_numbers_as_numbers(text):
    workbook = Workbook()
    workbook.active.append([text, 42, 1.5])
    cells = _cells(workbook_bytes(workbook))
    # XML reads a carriage return back as a line feed; the point is that the cell is text.
    assert [(cell.value, cell.data_type) for cell in cells] == [(text.replace("\r", "\n"), "s"), (42, "n"), (1.5, "n")]


def test_the_roster_export_keeps_a_formula_like_name_as_text(client, tree, users):
    person = org_services.person_create(actor=None, name=LINK, id_number="610424199202021230", home_region=tree.east)
    org_services.party_member_register(actor=None, person=person, branch=tree.east_party,
                                       registered_community=tree.east, registered_on=tree.today)
    content = _export(client, users["community"], reverse("organisations:party_members_export"))
    cell = _text_cell(content, LINK)
    assert cell.data_type == "s"


def test_the_import_templates_hold_their_headers_and_examples_as_text(client, users):
    for name in ("organisations:party_members_template", "organisations:organisations_template"):
        cells = _cells(_export(client, users["community"], reverse(name)))
        assert cells and all(cell.data_type == "s" for cell in cells if isinstance(cell.value, str))


def test_the_audit_log_export_keeps_formula_like_labels_and_reasons_as_text(client, users):
    audit.record(actor=None, action=AuditEvent.Action.UPDATE, target_type="organisations.person",
                 target_label=LINK, reason="-2+3")
    auditor = User.objects.create_user(username="auditor", role=Role.AUDITOR)
    content = _export(client, auditor, reverse("accounts:audit_log_export"))
    assert _text_cell(content, LINK).data_type == "s"
    assert _text_cell(content, "-2+3").data_type == "s"


def test_the_organisation_export_keeps_formula_like_names_and_addresses_as_text(client, tree, users):
    org_services.organisation_create(actor=None, name=LINK, kind=Organisation.Kind.SOCIAL_ORGANISATION,
                                     region=tree.east, address="@SUM(1,2)")
    content = _export(client, users["community"], reverse("organisations:organisations_export"))
    assert _text_cell(content, LINK).data_type == "s"
    assert _text_cell(content, "@SUM(1,2)").data_type == "s"


def test_the_problem_and_handling_list_exports_keep_a_formula_like_title_as_text(client, users, world):
    case = world.register(timezone.now(), title=LINK)
    world.dispatch(case, timezone.now())
    content = _export(client, users["community"], reverse("cases:problem_list_export"))
    assert _text_cell(content, LINK).data_type == "s"
    content = _export(client, users["dept"], reverse("cases:handling_list_export"))
    assert _text_cell(content, LINK).data_type == "s"


def test_the_dashboard_export_keeps_a_formula_like_category_as_text_and_counts_as_numbers(client, users, world):
    world.category.name = LINK
    world.category.save(update_fields=["name"])
    world.register(timezone.now(), title="路灯不亮")
    for url, query in ((reverse("reports:dashboard_export"), {"section": "categories"}),
                       (reverse("reports:monthly_report"), {"format": "xlsx"})):
        content = _export(client, users["community"], url, query)
        workbook = load_workbook(io.BytesIO(content))
        sheet = workbook["问题分类"]
        (name, count), = [(row[0], row[1]) for row in sheet.iter_rows(min_row=3) if row[0].value == LINK]
        assert name.data_type == "s"
        assert count.value == 1 and count.data_type == "n"
