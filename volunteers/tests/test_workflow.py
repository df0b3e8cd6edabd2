"""Every edge of the four tables through the services, and the moves they refuse."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone as tz

from cases.tests.images import image_bytes
from volunteers import services
from volunteers.workflow import (
    ACTIVITY_TABLE,
    REGISTRATION_TABLE,
    SIGNUP_TABLE,
    TABLES,
    WISH_TABLE,
    StaleVersion,
    StepNotAllowed,
    allowed_actions,
    edge,
    is_allowed,
)

pytestmark = pytest.mark.django_db


def photo():
    return SimpleUploadedFile("done.png", image_bytes("PNG"), content_type="image/png")


def test_every_forbidden_pair_of_every_table_is_refused_in_chinese():
    for name, (table, statuses, _noun) in TABLES.items():
        for action in {row.action for row in table}:
            for state in statuses.values:
                if is_allowed(name, action, state):
                    assert edge(name, action, state).action == action
                else:
                    with pytest.raises(StepNotAllowed) as exc:
                        edge(name, action, state)
                    assert "不能" in str(exc.value)


def test_the_tables_name_each_edge_once():
    for table in (REGISTRATION_TABLE, ACTIVITY_TABLE, SIGNUP_TABLE, WISH_TABLE):
        pairs = [(row.action, source) for row in table for source in row.sources]
        assert len(pairs) == len(set(pairs))


def test_registration_online_then_confirmed_names_the_community_on_the_member(vol):
    registration = services.registration_submit(actor=vol.new_user, community=vol.tree.east)
    assert registration.status == "pending" and registration.channel == "online"
    with pytest.raises(ValidationError):
        services.registration_submit(actor=vol.new_user, community=vol.tree.west)
    with pytest.raises(PermissionDenied):
        services.registration_decide(actor=vol.users["community2"], registration=registration, action="confirm",
                                     expected_version=1)
    registration = services.registration_decide(actor=vol.staff, registration=registration, action="confirm",
                                                expected_version=1)
    vol.new_member.refresh_from_db()
    assert registration.status == "confirmed" and vol.new_member.registered_community == vol.tree.east
    with pytest.raises(StepNotAllowed):
        services.registration_decide(actor=vol.staff, registration=registration, action="refuse",
                                     expected_version=registration.version)


def test_registration_refused_and_a_stale_version(vol):
    registration = services.registration_submit(actor=vol.new_user, community=vol.tree.east)
    with pytest.raises(StaleVersion):
        services.registration_decide(actor=vol.staff, registration=registration, action="refuse", expected_version=7)
    registration = services.registration_decide(actor=vol.staff, registration=registration, action="refuse",
                                                expected_version=1)
    assert registration.status == "refused"


def test_registration_at_the_desk_is_one_step(vol):
    registration = services.registration_submit(actor=vol.staff, community=vol.tree.east, member=vol.new_member)
    assert registration.status == "confirmed" and registration.channel == "desk"
    with pytest.raises(PermissionDenied):
        services.registration_submit(actor=vol.users["community2"], community=vol.tree.east, member=vol.member)


def test_activity_finish_and_cancel(vol):
    activity = vol.activity()
    signup = services.signup_create(actor=vol.member_user, activity=activity)
    finished = services.activity_transition(actor=vol.staff, activity=activity, action="finish", expected_version=1)
    assert finished.status == "finished"
    signup.refresh_from_db()
    assert signup.status == "no_show"  # signed up, never came
    with pytest.raises(StepNotAllowed):
        services.activity_transition(actor=vol.staff, activity=finished, action="cancel",
                                     expected_version=finished.version)
    other = vol.activity()
    assert services.activity_transition(actor=vol.staff, activity=other, action="cancel",
                                        expected_version=1).status == "cancelled"
    with pytest.raises(PermissionDenied):
        services.activity_transition(actor=vol.member_user, activity=vol.activity(), action="finish",
                                     expected_version=1)


def test_signup_path_check_in_out_and_confirm_with_the_refusals(vol):
    activity = vol.activity(minutes=120)
    signup = services.signup_create(actor=vol.member_user, activity=activity)
    assert signup.status == "signed_up" and signup.scheduled_minutes == 120
    with pytest.raises(ValidationError, match="已报名"):
        services.signup_create(actor=vol.member_user, activity=activity)
    with pytest.raises(StepNotAllowed, match="尚未签到，不能签退"):
        services.signup_check(actor=vol.member_user, activity=activity, code=activity.check_code, action="check_out")
    with pytest.raises(ValidationError, match="签到码不正确"):
        services.signup_check(actor=vol.member_user, activity=activity, code="wrong", action="check_in")
    signup = services.signup_check(actor=vol.member_user, activity=activity, code=activity.check_code,
                                   action="check_in")
    assert signup.status == "checked_in" and signup.checked_in_at
    with pytest.raises(StepNotAllowed, match="不能重复签到"):
        services.signup_check(actor=vol.member_user, activity=activity, code=activity.check_code, action="check_in")
    signup = services.signup_check(actor=vol.member_user, activity=activity, code=activity.check_code,
                                   action="check_out")
    assert signup.status == "checked_out" and signup.completed_minutes is not None
    assert signup.credited_minutes is None  # nothing credited before the organiser confirms
    with pytest.raises(PermissionDenied):
        services.signup_transition(actor=vol.member_user, signup=signup, action="confirm",
                                   expected_version=signup.version, minutes=60)
    with pytest.raises(ValidationError, match="超过了活动时长 120 分钟"):
        services.signup_transition(actor=vol.staff, signup=signup, action="confirm", expected_version=signup.version,
                                   minutes=121)
    signup = services.signup_transition(actor=vol.staff, signup=signup, action="confirm",
                                        expected_version=signup.version, minutes=120)
    assert signup.status == "confirmed" and signup.credited_minutes == 120
    with pytest.raises(StepNotAllowed):
        services.signup_transition(actor=vol.staff, signup=signup, action="no_show", expected_version=signup.version)


def test_signup_approval_refusal_cancel_and_no_show(vol):
    activity = vol.activity(needs_approval=True, capacity=2)
    applied = services.signup_create(actor=vol.member_user, activity=activity)
    assert applied.status == "applied"
    with pytest.raises(StepNotAllowed, match="待组织者审核"):
        services.signup_check(actor=vol.member_user, activity=activity, code=activity.check_code, action="check_in")
    refused = services.signup_transition(actor=vol.staff, signup=applied, action="refuse", expected_version=1)
    assert refused.status == "refused"
    activity.refresh_from_db()
    assert activity.taken == 0  # the place is free again
    other = services.signup_create(actor=vol.new_user, activity=activity)
    approved = services.signup_transition(actor=vol.staff, signup=other, action="approve", expected_version=1)
    assert approved.status == "signed_up"
    assert services.signup_transition(actor=vol.staff, signup=approved, action="no_show",
                                      expected_version=approved.version).status == "no_show"
    third = vol.activity()
    mine = services.signup_create(actor=vol.member_user, activity=third)
    with pytest.raises(PermissionDenied):
        services.signup_transition(actor=vol.new_user, signup=mine, action="cancel", expected_version=1)
    assert services.signup_transition(actor=vol.member_user, signup=mine, action="cancel",
                                      expected_version=1).status == "cancelled"


def test_a_full_activity_refuses_a_sign_up(vol):
    activity = vol.activity(capacity=1)
    services.signup_create(actor=vol.member_user, activity=activity)
    with pytest.raises(ValidationError, match="已满"):
        services.signup_create(actor=vol.new_user, activity=activity)


def test_wish_path_publishes_masked_and_counts_once_fulfilled(vol, scratch_media_and_cache):
    wish = vol.wish()
    assert wish.status == "posted"
    with pytest.raises(PermissionDenied):
        services.wish_transition(actor=vol.member_user, wish=wish, action="publish", expected_version=1)
    wish = services.wish_transition(actor=vol.staff, wish=wish, action="publish", expected_version=1)
    assert "13912345678" not in wish.published_text and "139****5678" in wish.published_text
    wish = services.wish_transition(actor=vol.member_user, wish=wish, action="claim", expected_version=wish.version)
    with pytest.raises(PermissionDenied):
        services.wish_transition(actor=vol.new_user, wish=wish, action="fulfil", expected_version=wish.version,
                                 proof=photo())
    with pytest.raises(ValidationError, match="照片"):
        services.wish_transition(actor=vol.member_user, wish=wish, action="fulfil", expected_version=wish.version)
    wish = services.wish_transition(actor=vol.member_user, wish=wish, action="fulfil", expected_version=wish.version,
                                    proof=photo())
    assert wish.status == "fulfilled" and wish.proof.name.startswith("volunteers/")
    with pytest.raises(PermissionDenied):
        services.wish_transition(actor=vol.staff, wish=wish, action="confirm", expected_version=wish.version)
    wish = services.wish_transition(actor=vol.users["resident"], wish=wish, action="confirm",
                                    expected_version=wish.version)
    assert wish.status == "confirmed"


def test_wish_rejected(vol):
    wish = services.wish_transition(actor=vol.staff, wish=vol.wish(), action="reject", expected_version=1)
    assert wish.status == "rejected" and allowed_actions("wish", wish.status) == []
    with pytest.raises(StepNotAllowed):
        services.wish_transition(actor=vol.member_user, wish=wish, action="claim", expected_version=wish.version)


def test_posts_claim_swap_give_up_and_tasks(vol):
    post, other = vol.post(head_count=1), vol.post(head_count=1, title="垃圾分类督导")
    claim = services.post_claim(actor=vol.member_user, post=post)
    with pytest.raises(ValidationError, match="已满员"):
        services.post_claim(actor=vol.new_user, post=post)
    claim = services.post_swap(actor=vol.member_user, claim=claim, to_post=other)
    post.refresh_from_db(), other.refresh_from_db()
    assert (post.filled, other.filled, claim.post) == (0, 1, other)
    task = services.post_task_record(actor=vol.member_user, claim=claim, done_on=tz.localdate(), note="已督导")
    assert task.pk
    with pytest.raises(ValidationError):
        services.post_task_record(actor=vol.member_user, claim=claim, done_on=tz.localdate(), note="")
    services.post_give_up(actor=vol.member_user, claim=claim)
    other.refresh_from_db()
    assert other.filled == 0
    with pytest.raises(ValidationError):
        services.post_give_up(actor=vol.member_user, claim=claim)
