"""The task pages over HTTP: the county admits from the page (a stale page answers 409 and keeps the typed
reason), the ledger form refuses inexact money and keeps what was typed, the list and the report flag a ledger
that does not balance, and a request out of scope is 404."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import PASSWORD
from tasks import services
from tasks.models import LedgerEntry, TaskCategory

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _request(tree, users, **extra):
    fields = dict(title="文明城市创建入户宣传", legal_basis="《全国文明城市测评体系》", authority="组织志愿者入户宣传",
                  funds="8000.00")
    fields.update(extra)
    request, _ = services.task_request_file(actor=users["dept"], region=tree.county, department=tree.department,
                                            category=TaskCategory.objects.get(code="civilisation"), **fields)
    return request


def test_the_county_admits_from_the_page_and_a_stale_page_is_409(tree, users):
    request = _request(tree, users)
    county = signed_in("county")
    page = county.get(f"/tasks/{request.pk}/")
    assert page.status_code == 200 and "准入" in page.content.decode()
    done = county.post(f"/tasks/{request.pk}/act/admit/", {"version": request.version})
    assert done.status_code == 302
    stale = county.post(f"/tasks/{request.pk}/act/refuse/", {"version": request.version, "reason": "另有安排"})
    assert stale.status_code == 409 and "另有安排" in stale.content.decode()


def test_admitting_without_funds_on_the_page_names_the_field(tree, users):
    request = _request(tree, users, funds="")
    response = signed_in("county").post(f"/tasks/{request.pk}/act/admit/", {"version": request.version})
    assert response.status_code == 400 and "费随事转" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "filed"


def test_the_ledger_form_refuses_inexact_money_and_flags_an_unbalanced_ledger(tree, users):
    request = _request(tree, users)
    request = services.task_request_decide(actor=users["county"], request=request, action="admit",
                                           expected_version=request.version)
    dept = signed_in("dept")
    bad = dept.post(f"/tasks/{request.pk}/ledger/", {"community": tree.east.code, "kind": "transfer",
                                                    "amount": "12.345"})
    assert bad.status_code == 400 and "两位小数" in bad.content.decode() and "12.345" in bad.content.decode()
    assert dept.post(f"/tasks/{request.pk}/ledger/", {"community": tree.east.code, "kind": "transfer",
                                                     "amount": "100"}).status_code == 302
    assert LedgerEntry.objects.count() == 1
    listing = signed_in("county").get("/tasks/").content.decode()
    assert "台账不平衡" in listing
    report = signed_in("county").get("/tasks/report/").content.decode()
    assert "东街社区" in report and "100.00" in report


def test_out_of_scope_is_404(tree, users):
    request, _ = services.task_request_file(actor=users["county"], region=tree.other_street,
                                            department=tree.department,
                                            category=TaskCategory.objects.get(code="health"), title="健康档案",
                                            legal_basis="依据")
    assert signed_in("community").get(f"/tasks/{request.pk}/").status_code == 404
    assert signed_in("resident").get("/tasks/").status_code == 404
