from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Role, User
from conftest import PASSWORD
from organisations import services as org_services
from volunteers import services


class Volunteers:
    """The test county's east community with a second, unregistered member of the agency branch."""

    def __init__(self, tree, users):
        self.tree, self.users = tree, users
        self.staff = users["community"]
        self.member_user = users["member"]
        self.member = users["member"].person.party_member
        person = org_services.person_create(actor=None, name="党员丁", phone="13600004444", home_region=tree.east)
        self.new_member = org_services.party_member_register(actor=None, person=person, branch=tree.agency_branch)
        self.new_user = User.objects.create_user(username="member2", password=PASSWORD, role=Role.PARTY_MEMBER,
                                                 person=person)

    def post(self, head_count: int = 2, title: str = "楼道巡查"):
        return services.post_create(actor=self.staff, region=self.tree.east_grid1, category="safety", title=title,
                                    duties="每周巡查楼道消防通道", shift="每周六 8:00-10:00", head_count=head_count)

    def activity(self, capacity: int = 5, minutes: int = 120, needs_approval: bool = False, **kw):
        start = kw.pop("starts_at", timezone.now() - dt.timedelta(minutes=10))
        return services.activity_create(actor=self.staff, community=self.tree.east, title="红领巾助老",
                                        place="东街广场",
                                        starts_at=start, ends_at=start + dt.timedelta(minutes=minutes),
                                        capacity=capacity, needs_approval=needs_approval, **kw)

    def wish(self, text: str = "想要一台收音机，联系电话13912345678"):
        return services.wish_post(actor=self.users["resident"], community=self.tree.east, title="一台收音机", text=text)


@pytest.fixture
def vol(tree, users) -> Volunteers:
    return Volunteers(tree, users)
