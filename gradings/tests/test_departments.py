"""Departments' yearly evaluation by each community: the KPI rows weighted by the county's weights (30/35/35 until
it sets its own), the weights refused unless they add up to 100, the .xlsx export, and who may see and set them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from conftest import PASSWORD
from gradings import selectors, services
from tests.case_world import CaseWorld

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def worked(tree, users):
    w = CaseWorld(tree, users)
    start = timezone.now() - dt.timedelta(days=2)
    case = w.dispatch(w.classify(w.submit(start), start), start)
    w.reply(w.accept(case, start + dt.timedelta(hours=1)), start + dt.timedelta(hours=3))
    return timezone.localdate().year


def test_the_evaluation_weights_the_kpi_rows_and_exports(tree, users, worked):
    weights, rows = selectors.department_evaluations(tree.east, worked)
    assert weights == {"response": 30, "resolution": 35, "satisfaction": 35}
    row = next(r for r in rows if r.organisation.pk == tree.department.pk)
    # Only the response was counted so far: it carries the whole weight.
    assert row.kpis.response.value == 1.0 and row.kpis.resolution.value is None and row.score == 100.0
    page = signed_in("community").get(f"/gradings/departments/?year={worked}&region={tree.east.code}")
    assert page.status_code == 200 and tree.department.name in page.content.decode()
    export = signed_in("community").get(f"/gradings/departments/export.xlsx?year={worked}&region={tree.east.code}")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert "响应 30 / 解决 35 / 满意 35" in sheet["A1"].value
    assert [c.value for c in sheet[3]][0] == tree.department.name


def test_the_county_sets_weights_adding_up_to_100(tree, users, worked):
    with pytest.raises(ValidationError):
        services.weights_set(actor=users["county"], county=tree.county, year=worked, response=30, resolution=30,
                             satisfaction=30)
    bad = signed_in("county").post(f"/gradings/departments/weights/?year={worked}&region={tree.east.code}",
                                   {"response": 50, "resolution": 20, "satisfaction": 20})
    assert bad.status_code == 400 and "之和应为 100" in bad.content.decode()
    done = signed_in("county").post(f"/gradings/departments/weights/?year={worked}&region={tree.east.code}",
                                    {"response": 50, "resolution": 25, "satisfaction": 25})
    assert done.status_code == 302
    assert selectors.weights_for(tree.east, worked) == {"response": 50, "resolution": 25, "satisfaction": 25}
    assert signed_in("community").post(f"/gradings/departments/weights/?year={worked}",
                                       {"response": 100, "resolution": 0, "satisfaction": 0}).status_code == 404
    assert signed_in("community").get(f"/gradings/departments/?region={tree.north.code}").status_code == 404
