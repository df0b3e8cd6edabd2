"""The 数据看板 through HTTP: scoped to the user's subtree, the same figures as the API, its JSON for
the 数据大屏, the .xlsx export (a real workbook and an audit row) and the monthly report."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditEvent
from reports.tests.kpi_scenario import NOW, build
from reports.tests.test_kpis_pages import api_get, get
from tests.case_world import CaseWorld

NOVEMBER = "period=2026-11"


@pytest.fixture
def world(tree, users) -> CaseWorld:
    return CaseWorld(tree, users)


@pytest.fixture
def november(world) -> dict:
    return build(world)


def url(name: str, query: str = "") -> str:
    return reverse(f"reports:{name}") + (f"?{query}" if query else "")


def test_county_staff_see_the_county_dashboard_with_the_api_figures(client, users, world, november):
    response = get(client, users["county"], url("dashboard", f"region=610424&{NOVEMBER}"))
    assert response.status_code == 200
    data = response.context["data"]
    rates = {rate["key"]: rate for rate in data["rates"]}
    api = api_get(client, "county", "/api/v1/reports/kpis?region=610424&from=2026-11-01&to=2026-11-30").json()
    for key in ("response", "resolution", "satisfaction", "on_time_finish"):
        assert (rates[key]["numerator"], rates[key]["denominator"]) == (
            api["kpis"][key]["numerator"], api["kpis"][key]["denominator"])
    assert rates["response"]["value"] == 57.1
    assert [row["name"] for row in data["departments"]] == [row["name"] for row in api["departments"]]
    assert [row["month"] for row in data["trend"]] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10",
                                                       "2026-11"]
    body = response.content.decode()
    assert 'id="dashboard-data" type="application/json"' in body
    assert 'data-chart="trend" role="img" aria-label=' in body
    assert '<th scope="col">响应率（%）</th>' in body
    assert "<script>" not in body


def test_the_hot_spot_table_counts_cases_by_street_and_community(client, users, world, november):
    response = get(client, users["county"], url("dashboard", f"region=610424&{NOVEMBER}"))
    rows = {row["name"]: row for row in response.context["data"]["hot_spots"]["rows"]}
    assert rows["城关街道"]["total"] == 6 and rows["漠西街道"]["total"] == 1  # F was received in October
    response = get(client, users["street"], url("dashboard", NOVEMBER))
    rows = {row["name"]: row for row in response.context["data"]["hot_spots"]["rows"]}
    assert rows["东街社区"]["total"] == 3 and rows["西街社区"]["total"] == 3  # A B D; C G H
    assert response.context["data"]["overdue"]["total"] == 2  # C (replied, not verified) and D (never reported in)


def test_a_community_sees_its_own_dashboard_and_nothing_above_or_beside_it(client, users, world, november):
    response = get(client, users["community"], url("dashboard", NOVEMBER))
    assert response.status_code == 200 and response.context["region"] == world.tree.east
    for code in ("610424", "610424001", "610424001002", "610424002001"):
        assert get(client, users["community"], url("dashboard", f"region={code}")).status_code == 404
        assert get(client, users["community"], url("dashboard_data", f"region={code}")).status_code == 404
        assert get(client, users["community"], url("dashboard_export", f"region={code}")).status_code == 404
        assert get(client, users["community"], url("monthly_report", f"region={code}")).status_code == 404


def test_residents_and_party_members_have_no_dashboard(client, users, world):
    for name in ("resident", "member"):
        assert get(client, users[name], url("dashboard")).status_code == 404


def test_a_department_handler_is_sent_to_their_departments_figures(client, users, world):
    response = get(client, users["dept"], url("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:department_kpis", args=[world.dept.pk])


def test_a_bad_period_is_refused_in_chinese(client, users, world):
    response = get(client, users["county"], url("dashboard", "period=2026-13"))
    assert response.status_code == 400 and "统计周期应为" in response.content.decode()
    assert get(client, users["county"], url("dashboard_data", "period=soon")).status_code == 400


def test_the_screen_mode_is_full_screen_and_refreshes_from_the_json_endpoint(client, users, world, november):
    response = get(client, users["county"], url("dashboard", f"region=610424&{NOVEMBER}&screen=1"))
    body = response.content.decode()
    assert response.status_code == 200 and 'class="screen"' in body
    assert 'data-refresh-seconds="60"' in body and "/reports/dashboard/data/?region=610424" in body
    data = get(client, users["county"], url("dashboard_data", f"region=610424&{NOVEMBER}")).json()
    assert data["region"]["code"] == "610424" and data["from"] == "2026-11-01"
    assert data["tables"]["trend"]["header"][0] == "月份"


def test_the_export_is_a_real_workbook_with_one_sheet_per_chart_and_an_audit_row(client, users, world, november):
    response = get(client, users["street"], url("dashboard_export", NOVEMBER))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "核心指标", "月度趋势", "部门排名", "问题分类", "热点分布", "超期事项", "党建联席会议超期未开",
        "红领巾志愿服务", "各单位党员双报到", "议事会议召开情况", "三联三沉数据"]
    rates = workbook["核心指标"]
    assert [cell.value for cell in rates[2]] == ["指标", "数值（%）", "分子", "分母"]
    assert rates["A3"].value == "响应率" and rates["C3"].value == 3 and rates["D3"].value == 6
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, target_type="reports.dashboard")
    assert event.actor == users["street"] and event.target_id == "610424001"
    one = get(client, users["street"], url("dashboard_export", f"{NOVEMBER}&section=categories"))
    assert load_workbook(io.BytesIO(one.content)).sheetnames == ["问题分类"]
    assert get(client, users["street"], url("dashboard_export", "section=nothing")).status_code == 404


def test_the_monthly_report_prints_and_exports(client, users, world, november):
    response = get(client, users["county"], url("monthly_report", f"region=610424&{NOVEMBER}"))
    body = response.content.decode()
    assert response.status_code == 200 and "测试县2026年11月社区治理月度报告" in body
    assert "承办单位排名" in body and "css/dashboard.css" in body
    xlsx = get(client, users["county"], url("monthly_report", f"region=610424&{NOVEMBER}&format=xlsx"))
    assert load_workbook(io.BytesIO(xlsx.content))["部门排名"]["A3"].value == "县市场监督管理局"
    assert get(client, users["county"], url("monthly_report", "period=2026-Q4")).status_code == 400
    assert NOW.month == 12
