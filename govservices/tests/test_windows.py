"""The window a request was taken at (受理窗口), and 好差评 counted per window: at the counter, through the
API, on the rates page; a window of another hall is refused with the field named."""

from __future__ import annotations

import pytest

from govservices.models import ServiceRequest
from govservices.selectors import rating_rates
from halls.tests.conftest import Hall
from halls.workflow import WindowKind

from .factories import BAD, finished, item
from .test_http import post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(tree, users):
    return Hall(tree, users), item(users["county"])


def test_a_clerk_records_the_window_and_the_rates_page_counts_each_window(client, place, tree, users):
    hall, found = place
    direct, general = hall.windows[WindowKind.DIRECT], hall.windows[WindowKind.GENERAL]
    client.force_login(users["community"])
    form = client.get("/services/new/").content.decode()
    assert "受理窗口" in form and f"{hall.hall.name} 2号窗口（业务直办）" in form
    for window, level in [(direct, BAD), (direct, 5), (general, 5)]:
        answer = client.post("/services/new/", {"item": found.pk, "region": tree.east.pk, "hall": hall.hall.pk,
                                                "window": window.pk, "applicant_name": "王秀英"})
        assert answer.status_code == 302
        finished(users["community"], ServiceRequest.objects.order_by("-id").first(), rating=level)
    assert list(ServiceRequest.objects.order_by("id").values_list("window_id", flat=True)) == [
        direct.pk, direct.pk, general.pk]
    rows = {row["name"]: row for row in rating_rates(users["community"])["windows"]}
    assert rows[f"{hall.hall.name} 2号窗口"]["total"] == 2 and rows[f"{hall.hall.name} 2号窗口"]["bad"] == 1
    assert rows[f"{hall.hall.name} 4号窗口"]["good_rate"] == 100.0
    page = client.get("/services/rates/").content.decode()
    section = page[page.index("data-rates-windows"):page.index("按事项")]
    assert "2号窗口" in section and "50.0%" in section and "4号窗口" in section


def test_a_window_of_another_hall_is_refused_with_the_field_named(client, api, place, tree, users):
    hall, found = place
    client.force_login(users["county"])
    wrong = client.post("/services/new/", {"item": found.pk, "region": tree.north.pk, "hall": hall.north_hall.pk,
                                           "window": hall.windows[WindowKind.DIRECT].pk, "applicant_name": "王秀英"})
    assert wrong.status_code == 400 and "该窗口不在所选大厅" in wrong.content.decode()
    assert 'value="王秀英"' in wrong.content.decode()
    body = {"item": found.code, "region": tree.east.code, "channel": "window", "applicant_name": "王秀英",
            "hall": hall.hall.pk, "window": hall.north_window.pk}
    refused = post_json(api, "county", "/api/v1/service-requests", body)
    assert refused.status_code == 400 and "window" in refused.json()["error"]["fields"]
    made = post_json(api, "community", "/api/v1/service-requests",
                     {**body, "window": hall.windows[WindowKind.GENERAL].pk})
    assert made.status_code == 201 and made.json()["window"] == hall.windows[WindowKind.GENERAL].pk
    assert ServiceRequest.objects.get().hall == hall.hall
