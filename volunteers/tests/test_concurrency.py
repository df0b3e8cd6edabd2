"""Two members claiming the last place at once, each on their own database connection: exactly one gets it.

These tests commit for real (`transaction=True`), as two app servers on one database would.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cases.tests.test_concurrency import race
from volunteers import services
from volunteers.models import Activity, Post, PostClaim, SignUp

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_claims_of_the_last_place_of_a_post(vol):
    post = vol.post(head_count=1)
    results = race(lambda: services.post_claim(actor=vol.member_user, post=post),
                   lambda: services.post_claim(actor=vol.new_user, post=post))
    assert sum(isinstance(r, PostClaim) for r in results) == 1, results
    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    assert Post.objects.get(pk=post.pk).filled == 1
    assert PostClaim.objects.filter(post=post, ended_at__isnull=True).count() == 1


def test_two_sign_ups_for_the_last_place_of_an_activity(vol):
    activity = vol.activity(capacity=1)
    results = race(lambda: services.signup_create(actor=vol.member_user, activity=activity),
                   lambda: services.signup_create(actor=vol.new_user, activity=activity))
    assert sum(isinstance(r, SignUp) for r in results) == 1, results
    assert Activity.objects.get(pk=activity.pk).taken == 1
    assert SignUp.objects.filter(activity=activity).count() == 1
