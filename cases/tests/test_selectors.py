"""Reads: who sees which case, the lists with their flags and fixed query counts, tracking and merges."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import selectors, services
from cases.models import Case, CaseEvent
from cases.workflow import Status

pytestmark = pytest.mark.django_db


def visible_ids(user) -> set[int]:
    return set(selectors.cases_visible_to(user).values_list("pk", flat=True))


def test_each_role_sees_what_lies_in_its_area_or_was_sent_to_it(flow, world):
    east = flow.reach(Status.DISPATCHED)
    west = flow.submit(actor=flow.u["community2"], region=world.tree.west, reporter_user=None)
    u = flow.u
    assert visible_ids(u["county"]) == visible_ids(u["street"]) == {east.pk, west.pk}
    assert visible_ids(u["community"]) == {east.pk}
    assert visible_ids(u["community2"]) == {west.pk}
    assert visible_ids(u["grid"]) == {east.pk}  # east_grid1
    assert visible_ids(u["dept"]) == visible_ids(u["dept2"]) == {east.pk}
    assert visible_ids(u["property"]) == set()
    assert visible_ids(u["resident"]) == {east.pk}
    assert visible_ids(u["resident2"]) == set()
    assert visible_ids(u["member"]) == set()


def test_a_summoned_department_sees_the_case(flow, world):
    from accounts.models import Role, User

    handler = User.objects.create_user(username="dept3", role=Role.DEPARTMENT_HANDLER, organisation=world.dept3)
    case = flow.whistle(flow.submit())
    assert visible_ids(handler) == {case.pk}


def test_merge_makes_the_merged_cases_reporter_follow_the_survivor(flow):
    duplicate = flow.submit(actor=flow.u["resident2"], channel="web", reporter_user=None, contact_phone="")
    survivor = flow.classify(flow.submit())
    duplicate = services.case_merge(
        case=duplicate, actor=flow.u["community"], expected_version=duplicate.version, survivor=survivor,
        note="同一路灯",
    )
    assert duplicate.status == Status.MERGED and duplicate.merged_into_id == survivor.pk
    # Their own code leads to the survivor; their account lists it; the survivor logs the merge.
    assert selectors.case_by_tracking_code(duplicate.tracking_code).pk == survivor.pk
    assert selectors.case_by_tracking_code(duplicate.tracking_code, follow_merges=False).pk == duplicate.pk
    assert survivor.pk in set(selectors.my_cases(flow.u["resident2"]).values_list("pk", flat=True))
    assert survivor.pk in visible_ids(flow.u["resident2"])
    survivor = Case.objects.get(pk=survivor.pk)
    assert survivor.version == 3
    merge_event = survivor.events.get(action="merge")
    assert merge_event.data["merged_code"] == duplicate.tracking_code
    # They are told, and they can rate the survivor with their own code once it is closed.
    view = selectors.tracking_view(duplicate.tracking_code)
    assert view.case.pk == survivor.pk
    assert any("合并办理" in notice.message for notice in view.notices)
    # The survivor's code is its own reporter's key, so the notice never names it.
    assert not any(survivor.tracking_code in notice.message for notice in view.notices)
    survivor = flow.close(flow.verify(flow.reply(flow.accept(flow.dispatch(survivor)))))
    survivor = services.case_rate(
        case=survivor, actor=None, expected_version=survivor.version, result="satisfied",
        tracking_code=duplicate.tracking_code,
    )
    assert survivor.status == Status.RATED


def test_merges_are_followed_through_a_chain(flow):
    first, second, third = flow.submit(), flow.submit(), flow.submit()
    services.case_merge(case=first, actor=flow.u["community"], expected_version=1, survivor=second)
    second = Case.objects.get(pk=second.pk)
    services.case_merge(case=second, actor=flow.u["community"], expected_version=second.version, survivor=third)
    assert selectors.case_by_tracking_code(first.tracking_code).pk == third.pk
    assert set(third.reporters.values_list("origin_case_id", flat=True)) == {first.pk, second.pk, third.pk}


def test_a_case_cannot_be_merged_into_a_closed_one_or_itself(flow):
    from django.core.exceptions import ValidationError

    closed = flow.reach(Status.CLOSED)
    case = flow.submit()
    for survivor in (closed, case):
        with pytest.raises(ValidationError) as exc:
            services.case_merge(case=case, actor=flow.u["community"], expected_version=1, survivor=survivor)
        assert "survivor" in exc.value.message_dict


def test_tracking_view_shows_public_steps_without_staff_names(flow):
    case = flow.reach(Status.CLOSED)
    view = selectors.tracking_view(case.tracking_code.lower())
    assert view.status_label == "已结案" and view.can_rate
    labels = [step.label for step in view.steps]
    assert labels == ["已受理", "已立案", "已派遣承办单位", "承办单位已接收", "承办单位已答复", "社区已核查", "已办结"]
    assert "请对办理结果进行评价" in view.notices[-1].message
    assert selectors.tracking_view("NOPE") is None


def test_a_rejected_case_tells_the_reporter_why(flow):
    case = flow.reach(Status.REJECTED)
    view = selectors.tracking_view(case.tracking_code)
    assert view.status_label == "不予受理"
    assert "不属于受理范围" in view.notices[0].message
    assert view.case.public_note == "不属于受理范围"


def test_handling_list_is_a_departments_inbox_with_countdowns(flow):
    case = flow.reach(Status.DISPATCHED)
    other = flow.reach(Status.REGISTERED)
    rows = list(selectors.handling_list(flow.u["dept"]))
    assert [r.case_id for r in rows] == [case.pk]
    row = rows[0]
    assert row.report_in_remaining() > dt.timedelta(0)
    assert row.finish_remaining() > row.report_in_remaining()
    assert row.is_report_in_overdue_flag is False
    assert other.pk not in {r.case_id for r in selectors.handling_list(flow.u["community"])}
    assert {r.case_id for r in selectors.handling_list(flow.u["community"])} == {case.pk}
    assert list(selectors.handling_list(flow.u["property"])) == []


def _queries(func) -> int:
    with CaptureQueriesContext(connection) as queries:
        func()
    return len(queries)


def test_lists_take_a_fixed_number_of_queries(flow):
    def read_all() -> list:
        seen: list = []
        for row in selectors.case_list(flow.u["community"]):
            seen += [row.region.name, row.category and row.category.name, row.owner and row.owner.username]
        for row in selectors.handling_list(flow.u["dept"]):
            seen += [row.case.title, row.case.region.name, row.assignee_name]
        for whistle in selectors.whistle_board(flow.u["community"]):
            seen += [whistle.case.title, *(s.organisation.name for s in whistle.summons.all())]
        for row in selectors.my_cases(flow.u["resident"]):
            seen.append(row.region.name)
        return seen

    flow.whistle(flow.reach(Status.DISPATCHED))
    few = _queries(read_all)
    for _ in range(3):
        flow.whistle(flow.reach(Status.DISPATCHED))
    assert _queries(read_all) == few


def test_case_events_are_append_only(flow):
    event = flow.submit().events.get()
    event.note = "改写"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    with pytest.raises(ValueError):
        CaseEvent.objects.filter(pk=event.pk).update(note="改写")
    with pytest.raises(ValueError):
        CaseEvent.objects.filter(pk=event.pk).delete()
