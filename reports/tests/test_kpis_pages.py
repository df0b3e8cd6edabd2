"""The key-figure pages and API: scoped, period pickers, errors, and the hand-computed November figures."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from conftest import PASSWORD
from reports.tests.kpi_scenario import NOW, build
from tests.case_world import CaseWorld, frozen

NOVEMBER = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
def world(tree, users) -> CaseWorld:
    return CaseWorld(tree, users)


@pytest.fixture
def november(world) -> dict:
    return build(world)


def get(client, user, url):
    """GET `url` as `user` at the scenario's `now` (signed in at that time too)."""
    with frozen(NOW):
        client.force_login(user)
        return client.get(url)


def api_get(client, username, url):
    with frozen(NOW):
        token = client.post("/api/v1/auth/token", {"username": username, "password": PASSWORD},
                            content_type="application/json").json()["token"]
        return client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")


def figure(body: str, key: str) -> str:
    return re.search(rf'data-kpi="{key}">([^<]*)<', body).group(1)


def kpis_url(query: str = "") -> str:
    return reverse("reports:kpis") + (f"?{query}" if query else "")


def dept_url(org, query: str = "") -> str:
    return reverse("reports:department_kpis", args=[org.pk]) + (f"?{query}" if query else "")


# -- the region page --------------------------------------------------------------------------------


def test_county_staff_see_the_county_figures_and_the_league_table(client, users, world, november):
    response = get(client, users["county"], kpis_url(f"region=610424&{NOVEMBER}"))
    assert response.status_code == 200
    body = response.content.decode()
    assert figure(body, "response") == "57.1%" and figure(body, "on_time_finish") == "57.1%"
    assert figure(body, "closure") == "60.0%" and figure(body, "satisfaction") == "80.0%"
    assert figure(body, "resolution") == "100.0%" and figure(body, "rework") == "25.0%"
    assert figure(body, "avg_handling_hours") == "56.5 小时" and figure(body, "whistle_score") == "4 分"
    names = [row["organisation"].name for row in response.context["rows"]]
    assert names == ["县市场监督管理局", "县城市管理局", "县住房和城乡建设局"]
    assert dept_url(world.dept, f"region=610424&{NOVEMBER}").replace("&", "&amp;") in body


def test_without_a_region_the_page_shows_the_top_of_the_users_scope(client, users, world, november):
    response = get(client, users["street"], kpis_url(NOVEMBER))
    assert response.status_code == 200 and response.context["region"] == world.tree.street
    assert figure(response.content.decode(), "response") == "50.0%"  # 3 of 6


def test_the_default_period_is_the_current_month_up_to_today(client, users, world):
    response = get(client, users["county"], kpis_url())
    period = response.context["period"]
    assert (period.start.isoformat(), period.end.isoformat()) == ("2026-12-01", "2026-12-10")


@pytest.mark.parametrize("username, query", [
    ("street", "region=610424002001"),      # the other street's community
    ("community", "region=610424001002"),   # the neighbouring community
    ("community", "region=999999"),
    ("dept", "region=610424"),              # department handlers have their own page
    ("member", ""),
    ("resident", ""),
])
def test_regions_out_of_scope_and_other_roles_get_404(client, users, world, username, query):
    assert get(client, users[username], kpis_url(query)).status_code == 404


def test_a_handler_is_sent_to_their_own_department_page(client, users, world):
    response = get(client, users["dept"], kpis_url())
    assert response.status_code == 302 and response["Location"] == dept_url(world.dept)


def test_the_page_needs_a_sign_in(client, world):
    response = client.get(kpis_url())
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("query, field, message", [
    ("from=2026-13-01", "from", "开始日期应为 YYYY-MM-DD 格式的日期"),
    ("from=2026-11-30&to=2026-11-01", "to", "结束日期不能早于开始日期"),
    ("to=yesterday", "to", "结束日期应为 YYYY-MM-DD 格式的日期"),
])
def test_a_bad_date_is_explained_with_400(client, users, world, query, field, message):
    response = get(client, users["county"], kpis_url(query))
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and f'id="id_{field}_error"' in body and 'aria-invalid="true"' in body


def test_the_page_takes_a_fixed_number_of_queries(client, users, world, november, django_assert_max_num_queries):
    with frozen(NOW):
        client.force_login(users["county"])
        with django_assert_max_num_queries(22):  # user, regions, 5 + 6 figures, session
            client.get(kpis_url(f"region=610424&{NOVEMBER}"))


# -- the department page ----------------------------------------------------------------------------


def test_a_handler_sees_their_own_department_for_a_month_quarter_or_year(client, users, world, november):
    # The quarter and the year also hold F, dispatched (and reported in on time) on 10-30.
    for token, response_rate in (("2026-11", "66.7%"), ("2026-Q4", "75.0%"), ("2026", "75.0%")):
        response = get(client, users["dept"], dept_url(world.dept, f"period={token}"))
        assert response.status_code == 200
        body = response.content.decode()
        assert figure(body, "response") == response_rate and figure(body, "on_time_finish") == "33.3%"
        assert response.context["period"].token == token
    assert "2026年第四季度" in body and "统计范围：本单位承办的全部事项" in body


def test_a_handler_cannot_open_another_department(client, users, world, november):
    assert get(client, users["dept2"], dept_url(world.dept, "period=2026-11")).status_code == 404


def test_region_staff_see_a_department_that_worked_in_their_scope_limited_to_it(client, users, world, november):
    west = get(client, users["community2"], dept_url(world.dept, "period=2026-11"))
    assert west.status_code == 200
    body = west.content.decode()
    assert figure(body, "response") == "100.0%" and figure(body, "on_time_finish") == "—"  # only C, returned
    assert "统计范围：西街社区内的事项" in body
    # 市场监管局 worked only in the other street; 住建局 never in 北关.
    assert get(client, users["street"], dept_url(world.dept3, "period=2026-11")).status_code == 404
    assert get(client, users["community3"], dept_url(world.dept, "period=2026-11")).status_code == 404


def test_the_region_parameter_narrows_within_scope_only(client, users, world, november):
    narrowed = get(client, users["county"], dept_url(world.dept, "period=2026-11&region=610424001002"))
    assert figure(narrowed.content.decode(), "response") == "100.0%"
    assert get(client, users["community"], dept_url(world.dept, "region=610424001002")).status_code == 404


def test_the_department_page_accepts_from_and_to(client, users, world, november):
    response = get(client, users["county"], dept_url(world.dept3, NOVEMBER))
    assert figure(response.content.decode(), "whistle_on_time") == "0.0%"


def test_a_bad_period_is_explained_with_400(client, users, world):
    response = get(client, users["dept"], dept_url(world.dept, "period=2026-Q5"))
    assert response.status_code == 400
    assert "统计周期应为月（2026-11）、季度（2026-Q4）或年（2026）" in response.content.decode()


def test_an_unknown_department_is_404(client, users, world):
    assert get(client, users["county"], reverse("reports:department_kpis", args=[999999])).status_code == 404


# -- the API ------------------------------------------------------------------------------------------


def test_the_api_answers_the_figures_and_the_league_table(client, users, world, november):
    response = api_get(client, "county", f"/api/v1/reports/kpis?region=610424&{NOVEMBER}")
    assert response.status_code == 200
    body = response.json()
    assert body["region"] == {"code": "610424", "name": "测试县", "level": "county"}
    assert (body["from"], body["to"]) == ("2026-11-01", "2026-11-30")
    assert body["kpis"]["response"] == {"numerator": 4, "denominator": 7, "value": pytest.approx(4 / 7)}
    assert body["kpis"]["rework"]["value"] == 0.25 and body["kpis"]["avg_handling_hours"] == 56.5
    assert body["kpis"]["whistle_score"] == 4.0 and body["kpis"]["satisfied_only"] == 3
    assert [d["name"] for d in body["departments"]] == ["县市场监督管理局", "县城市管理局", "县住房和城乡建设局"]
    housing = body["departments"][2]
    assert housing["id"] == world.dept.pk and housing["kpis"]["on_time_finish"]["numerator"] == 1


def test_the_api_defaults_to_the_callers_scope(client, users, world, november):
    body = api_get(client, "street", f"/api/v1/reports/kpis?{NOVEMBER}").json()
    assert body["region"]["code"] == "610424001" and body["kpis"]["response"]["denominator"] == 6


@pytest.mark.parametrize("username, query", [
    ("street", "region=610424002"), ("community", "region=610424001"), ("dept", ""), ("resident", ""),
])
def test_the_api_answers_404_out_of_scope(client, users, world, username, query):
    response = api_get(client, username, f"/api/v1/reports/kpis?{query}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("query, field", [
    ("from=2026-11-31", "from"), ("to=20261130", "to"), ("from=2026-11-30&to=2026-11-01", "to"),
])
def test_the_api_answers_400_for_bad_dates_in_the_project_shape(client, users, world, query, field):
    response = api_get(client, "county", f"/api/v1/reports/kpis?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == [field] and error["message"]


def test_the_api_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/reports/kpis" in schema["paths"]
    names = [p["name"] for p in schema["paths"]["/api/v1/reports/kpis"]["get"]["parameters"]]
    assert {"region", "from", "to"} <= set(names)
