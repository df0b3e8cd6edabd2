"""Every edge of the request table, every forbidden move, the clock that stops for 补正, 首问 and 首办."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from govservices import services
from govservices.models import FollowUp, Rating, RequestStep
from govservices.workflow import ACTIONS, TABLE, StaleVersion, Status, StepNotAllowed, allowed_actions

from .factories import BAD, finished, item, move, taken

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(users):
    return item(users["county"])


def online(catalogue, tree):
    request, _ = services.request_create(actor=_anon(), item=catalogue, region=tree.east, channel="online",
                                         applicant_name="王秀英")
    return request


def _anon():
    from django.contrib.auth.models import AnonymousUser
    return AnonymousUser()


def at(status: str, catalogue, tree, users):
    """A request brought to `status` through the table."""
    staff = users["community"]
    if status == Status.SUBMITTED:
        return online(catalogue, tree)
    if status == Status.REJECTED:
        return move(staff, online(catalogue, tree), "reject", reason="不属于本社区受理范围")
    request = taken(staff, catalogue, tree.east)
    if status == Status.ACCEPTED:
        return request
    if status == Status.CORRECTING:
        return move(staff, request, "correct", missing=["户口簿"])
    request = move(staff, request, "handle")
    if status == Status.PROCESSING:
        return request
    request = move(staff, request, "complete", result="已出具")
    if status == Status.COMPLETED:
        return request
    return move(staff, request, "deliver")


NEEDS = {"reject": {"reason": "材料不属实"}, "correct": {"missing": ["户口簿", "申请表"]},
         "complete": {"result": "已出具证明"}}


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("action", ACTIONS)
def test_each_move_is_taken_exactly_where_the_table_has_it(catalogue, tree, users, status, action):
    request = at(status, catalogue, tree, users)
    kwargs = dict(NEEDS.get(action, {}))
    if action == "transfer":
        kwargs["handler"] = users["dept"]
    target = TABLE.get((status, action))
    if target is None:
        with pytest.raises(StepNotAllowed):
            move(users["community"], request, action, **kwargs)
        request.refresh_from_db()
        assert request.status == status
    else:
        moved = move(users["community"], request, action, **kwargs)
        assert moved.status == target
        assert moved.steps.last().action == action


def test_the_allowed_actions_are_the_table():
    assert allowed_actions(Status.PROCESSING) == ["correct", "transfer", "complete"]
    assert allowed_actions(Status.DELIVERED) == [] and allowed_actions(Status.REJECTED) == []


def test_a_window_request_is_accepted_by_its_first_receiver_with_the_clock_running(catalogue, tree, users):
    request = taken(users["community"], catalogue, tree.east)
    assert request.status == Status.ACCEPTED and request.first_receiver == users["community"]
    assert request.due_at is not None and request.due_at > request.accepted_at
    assert request.item_version == catalogue.current


def test_a_transfer_changes_the_handler_and_never_the_first_receiver(catalogue, tree, users):
    request = taken(users["community"], catalogue, tree.east)
    request = move(users["community"], request, "transfer", handler=users["street"], department=tree.department)
    assert (request.first_receiver, request.handler, request.department) == (
        users["community"], users["street"], tree.department)
    request = move(users["street"], request, "transfer", handler=users["dept"])
    assert request.first_receiver == users["community"] and request.handler == users["dept"]
    # The department's handler, outside every region, finishes what was handed to them.
    request = move(users["dept"], request, "complete", result="已办结")
    assert request.handler == users["dept"] and request.status == Status.COMPLETED


def test_correction_names_every_material_at_once_and_stops_the_clock(catalogue, tree, users):
    request = move(users["community"], taken(users["community"], catalogue, tree.east), "handle")
    with pytest.raises(ValidationError) as refused:
        move(users["community"], request, "correct", missing=[])
    assert "missing" in refused.value.message_dict
    request = move(users["community"], request, "correct", missing=["户口簿", "申请表", "户口簿"])
    assert request.missing == ["户口簿", "申请表"] and request.paused_days_left == 3
    # A week later the materials come in: the three working days left run from then.
    request.due_at -= dt.timedelta(days=30)
    request.save(update_fields=["due_at"])
    request = move(users["community"], request, "supplement")
    assert request.paused_days_left is None and request.status == Status.PROCESSING
    assert request.due_at > request.accepted_at


def test_a_rejection_needs_its_reason(catalogue, tree, users):
    with pytest.raises(ValidationError) as refused:
        move(users["community"], online(catalogue, tree), "reject", reason=" ")
    assert "reason" in refused.value.message_dict


def test_a_stale_version_is_refused(catalogue, tree, users):
    request = taken(users["community"], catalogue, tree.east)
    services.request_transition(actor=users["community"], request=request, action="handle",
                                expected_version=request.version)
    with pytest.raises(StaleVersion):
        services.request_transition(actor=users["street"], request=request, action="handle",
                                    expected_version=request.version)


def test_staff_of_another_community_may_not_move_it(catalogue, tree, users):
    request = taken(users["community"], catalogue, tree.east)
    with pytest.raises(PermissionDenied):
        move(users["community2"], request, "handle")


def test_the_same_idempotency_key_stores_one_request(catalogue, tree, users):
    first, created = services.request_create(actor=users["community"], item=catalogue, region=tree.east,
                                             channel="window", applicant_name="王秀英", idempotency_key="k-1")
    again, created_again = services.request_create(actor=users["community"], item=catalogue, region=tree.east,
                                                   channel="window", applicant_name="王秀英", idempotency_key="k-1")
    assert created and not created_again and first.pk == again.pk
    assert RequestStep.objects.filter(request=first, action="create").count() == 1


def test_assisted_requests_need_the_residents_consent(catalogue, tree, users):
    with pytest.raises(ValidationError) as refused:
        taken(users["community"], catalogue, tree.east, assisted=True)
    assert "consent" in refused.value.message_dict
    request = taken(users["community"], catalogue, tree.east, assisted=True, consent="本人口头同意，女儿在场")
    assert request.assisted and request.consent == "本人口头同意，女儿在场"


def test_a_new_version_leaves_earlier_requests_on_theirs(catalogue, tree, users):
    request = taken(users["community"], catalogue, tree.east)
    version = catalogue.current
    again = item(users["county"], promised_days=1)
    assert again.current.number == version.number + 1
    request.refresh_from_db()
    assert request.item_version == version
    assert taken(users["community"], again, tree.east).item_version == again.current
    # Publishing the same guide again writes no version.
    assert item(users["county"], promised_days=1).current == again.current


def test_only_county_staff_publish_the_catalogue(users):
    with pytest.raises(PermissionDenied):
        item(users["community"], code="X1")


def test_a_bad_rating_opens_a_follow_up_and_the_reply_reaches_back(catalogue, tree, users):
    request = finished(users["community"], taken(users["community"], catalogue, tree.east))
    with pytest.raises(ValidationError):
        services.rating_add(request=request, level=Rating.Level.DISSATISFIED, comment="")
    services.rating_add(request=request, level=BAD, comment="排队太久")
    follow_up = FollowUp.objects.get(rating__request=request)
    assert follow_up.due_at > request.completed_at
    with pytest.raises(ValidationError):
        services.rating_add(request=request, level=5)
    replied = services.follow_up_reply(actor=users["community"], follow_up=follow_up, reply="已增开窗口",
                                       expected_version=follow_up.version)
    assert replied.reply == "已增开窗口" and replied.replied_by == users["community"]


def test_a_good_rating_opens_no_follow_up_and_an_open_request_cannot_be_rated(catalogue, tree, users):
    request = taken(users["community"], catalogue, tree.east)
    with pytest.raises(ValidationError):
        services.rating_add(request=request, level=5)
    request = finished(users["community"], request, rating=Rating.Level.SATISFIED)
    assert not FollowUp.objects.filter(rating__request=request).exists()


def test_pinyin_initials_and_words_find_items(catalogue, users):
    from govservices.selectors import item_search
    item(users["county"], code="GS001", name="营业执照办理", category="工商登记")
    assert [i.code for i in item_search("zm")] == ["ZM001"]
    assert [i.code for i in item_search("jzzm")] == ["ZM001"]
    assert [i.code for i in item_search("证明")] == ["ZM001"]
    assert [i.code for i in item_search("yyzz")] == ["GS001"]
    assert list(item_search("nothing-like-it")) == []
