"""The figure `service_window_kinds`: distinct window kinds configured in the halls of a region."""

from __future__ import annotations

import pytest

from api.tests.conftest import Api
from core.services import record_archive
from halls import services
from halls.workflow import WindowKind
from reports.selectors import figures_for

pytestmark = pytest.mark.django_db


def test_window_kinds_are_counted_once_per_kind_in_the_subtree(hall, tree, users):
    assert figures_for(tree.county)["service_window_kinds"] == 5
    assert figures_for(tree.other_street)["service_window_kinds"] == 1  # the north hall's 综合受理
    services.window_create(actor=users["community"], hall=hall.hall, name="9号窗口", kind=WindowKind.DIRECT)
    assert figures_for(tree.east)["service_window_kinds"] == 5
    for window in hall.windows.values():
        if window.kind != WindowKind.GENERAL:
            record_archive(window, actor=users["community"])
    assert figures_for(tree.east)["service_window_kinds"] == 2  # 综合受理, and the new 业务直办
    assert figures_for(tree.west)["service_window_kinds"] == 0


def test_the_figures_endpoint_gives_it(client, hall, tree):
    answer = Api(client).ok("county", "/api/v1/reports/figures")
    assert answer["service_window_kinds"] == 5
