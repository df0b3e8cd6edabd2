"""The meeting figures come from the records: held meetings and matters resolved, by region."""

from __future__ import annotations

import pytest

from api.tests.conftest import Api
from meetings.workflow import BodyKind, Stage
from reports.selectors import figures_for

pytestmark = pytest.mark.django_db


def test_meetings_held_and_matters_decided_are_counted_from_records(client, council):
    tree = council.tree
    before = figures_for(tree.county)
    assert (before["meetings_held"], before["matters_decided"]) == (0, 0)
    council.matter(stage=Stage.RESOLVED)  # three meetings: 两委会, 党员大会, 居民代表会议
    council.held(BodyKind.PARTY_MEMBERS, present=2)  # held, though it missed its quorum
    council.held(BodyKind.TWO_COMMITTEES, close=False)  # still sitting: not yet held
    council.matter(stage=Stage.REVIEWED, title="路灯增设")  # two more meetings, not yet decided
    expected = {"meetings_held": 6, "matters_decided": 1}
    assert {key: figures_for(tree.east)[key] for key in expected} == expected
    assert {key: figures_for(tree.county)[key] for key in expected} == expected
    assert {key: figures_for(tree.west)[key] for key in expected} == {"meetings_held": 0, "matters_decided": 0}
    body = Api(client).ok("community", "/api/v1/reports/figures", region=tree.east.code)
    assert {key: body[key] for key in expected} == expected
