"""The consultation table: every edge, every forbidden move refused by the table and by the services."""

from __future__ import annotations

from itertools import product

import pytest

from consultations import services
from consultations.models import Consultation
from consultations.workflow import ACTIONS, TABLE, Status, StepNotAllowed, allowed_actions, target_of

pytestmark = pytest.mark.django_db

EDGES = [
    (Status.DRAFT, "open", Status.OPEN),
    (Status.OPEN, "close", Status.CLOSED),
    (Status.CLOSED, "review", Status.REVIEWED),
    (Status.REVIEWED, "publish", Status.PUBLISHED),
]
FORBIDDEN = [(status, action) for status, action in product(Status.values, ACTIONS) if (status, action) not in TABLE]


def test_the_table_is_these_edges_and_no_other():
    assert sorted(TABLE.items()) == sorted(((source, action), target) for source, action, target in EDGES)


@pytest.mark.parametrize(("source", "action", "target"), EDGES)
def test_each_edge_leads_where_the_table_says(source, action, target):
    assert target_of(action, source) == target
    assert action in allowed_actions(source)


@pytest.mark.parametrize(("status", "action"), FORBIDDEN)
def test_every_other_move_is_refused_in_chinese(status, action):
    with pytest.raises(StepNotAllowed, match="征求意见当前为"):
        target_of(action, status)
    assert action not in allowed_actions(status)


def test_a_published_consultation_allows_nothing():
    assert allowed_actions(Status.PUBLISHED) == []


def _at(desk, status: str) -> Consultation:
    consultation = desk.draft()
    if status == Status.DRAFT:
        return consultation
    consultation = services.consultation_open(actor=desk.staff, consultation=consultation,
                                              expected_version=consultation.version)
    if status == Status.OPEN:
        return consultation
    desk.comment(consultation)
    consultation = desk.closed(consultation)
    if status == Status.CLOSED:
        return consultation
    consultation = desk.reviewed(consultation)
    if status == Status.REVIEWED:
        return consultation
    desk.hold(consultation.review_meeting)
    services.opinion_decide(actor=desk.staff, consultation=consultation, comments=list(consultation.comments.all()),
                            outcome="adopted", reason="合理")
    return services.consultation_publish(actor=desk.staff, consultation=consultation,
                                         expected_version=consultation.version)


CALLS = {
    "open": lambda desk, c: services.consultation_open(actor=desk.staff, consultation=c, expected_version=c.version),
    "close": lambda desk, c: services.consultation_close(actor=desk.staff, consultation=c, expected_version=c.version,
                                                         reason="提前"),
    "review": lambda desk, c: services.consultation_review(actor=desk.staff, consultation=c,
                                                           expected_version=c.version, body=desk.representatives),
    "publish": lambda desk, c: services.consultation_publish(actor=desk.staff, consultation=c,
                                                             expected_version=c.version),
}


@pytest.mark.parametrize(("status", "action"), FORBIDDEN)
def test_the_services_refuse_every_forbidden_move_and_change_nothing(desk, status, action):
    consultation = _at(desk, status)
    assert consultation.status == status
    with pytest.raises(StepNotAllowed):
        CALLS[action](desk, consultation)
    fresh = Consultation.objects.get(pk=consultation.pk)
    assert (fresh.status, fresh.version) == (status, consultation.version)
