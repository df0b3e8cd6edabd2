"""Every list of the API reads a page in a fixed number of queries, whatever the page's length."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from categories.models import Category, CategoryDepartment
from organisations import services as org_services
from regions import services as region_services
from regions.models import Facility
from tests.case_world import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def plenty(world, tree):
    """Several rows of every kind the lists show."""
    for n in range(6):
        parent = Category.objects.create(code=f"9{n}", name=f"分类{n}")
        child = Category.objects.create(code=f"9{n}01", name=f"子类{n}", parent=parent, level=2)
        CategoryDepartment.objects.create(category=parent, organisation=tree.department, is_lead=True)
        CategoryDepartment.objects.create(category=child, organisation=world.dept2, is_lead=False)
        person = org_services.person_create(actor=None, name=f"党员{n}", phone=f"1380000{n:04d}")
        org_services.party_member_register(
            actor=None, person=person, branch=tree.east_party, registered_community=tree.east,
            registered_on=dt.date(2026, 1, 1), grid=tree.east_grid1,
        )
        region_services.facility_create(
            actor=None, name=f"服务站{n}", kind=Facility.Kind.VOLUNTEER_STATION, region=tree.east,
            host_organisation=tree.east_party,
        )
    cases = []
    for n in range(6):
        case = world.dispatch(world.register(at(2026, 11, 2, 9 + n)), at(2026, 11, 2, 10 + n), assists=[world.dept2])
        cases.append(world.whistle(case, at(2026, 11, 2, 11 + n), [world.dept3]))
    cases[0] = world.whistle(cases[0], at(2026, 11, 2, 18), [world.dept, world.dept2])
    return cases


LISTS = [
    "/api/v1/regions?parent=610424001",
    "/api/v1/categories",
    "/api/v1/organisations",
    "/api/v1/party-members",
    "/api/v1/facilities",
    "/api/v1/assignments",
    "/api/v1/whistles",
    "/api/v1/cases/{case}/events",
    "/api/v1/cases/{case}/assignments",
    "/api/v1/cases/{case}/whistles",
    "/api/v1/cases/{case}/ratings",
]


@pytest.mark.parametrize("url", LISTS)
def test_a_page_takes_the_same_queries_at_any_length(api, plenty, url):
    path, _, query = url.format(case=plenty[0].pk).partition("?")
    params = dict(item.split("=") for item in query.split("&") if item)
    api.token("county")
    counts, lengths = [], []
    for limit in (1, 2, 200):
        with CaptureQueriesContext(connection) as queries:
            body = api.ok("county", path, limit=limit, **params)
        counts.append(len(queries))
        lengths.append(len(body["items"]))
    assert counts[0] == counts[1] == counts[2], (counts, lengths)
    assert lengths[2] > 1 or url.endswith("/ratings")
