from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from consultations import services
from consultations.models import Consultation
from meetings import services as meeting_services
from meetings.models import Body, Meeting
from meetings.workflow import BodyKind
from organisations import services as org_services

PLAN = "东街社区党群服务中心一楼调整为：西侧阅览室、东侧老年活动室，中间设便民服务台。"


class Desk:
    """East's bodies (its 居民代表会议 with six representatives, its 党员大会) and helpers that take a
    consultation along through the services."""

    def __init__(self, tree, users):
        self.tree, self.users = tree, users
        self.staff = users["community"]
        self.representatives = meeting_services.body_create(
            actor=self.staff, kind=BodyKind.RESIDENTS_REPRESENTATIVES, name="东街社区居民代表会议", region=tree.east)
        self.party = meeting_services.body_create(actor=self.staff, kind=BodyKind.PARTY_MEMBERS,
                                                  name="东街社区党员大会", region=tree.east)
        for n in range(1, 7):
            meeting_services.roll_member_add(
                actor=self.staff, body=self.representatives,
                person=org_services.person_create(actor=None, name=f"居民代表{n}", home_region=tree.east))

    def draft(self, title: str = "党群服务中心布局调整", region=None, **kwargs) -> Consultation:
        consultation, _ = services.consultation_create(actor=self.staff, region=region or self.tree.east,
                                                       title=title, plan=PLAN, **kwargs)
        return consultation

    def opened(self, **kwargs) -> Consultation:
        consultation = self.draft(**kwargs)
        return services.consultation_open(actor=self.staff, consultation=consultation,
                                          expected_version=consultation.version)

    def comment(self, consultation, text: str = "建议阅览室多放些报纸", name: str = "张建华", **kwargs):
        return services.comment_add(consultation=consultation, text=text, display_name=name, **kwargs)[0]

    def closed(self, consultation=None) -> Consultation:
        consultation = consultation or self.opened()
        return services.consultation_close(actor=self.staff, consultation=consultation,
                                           expected_version=consultation.version, reason="意见已充分收集")

    def reviewed(self, consultation) -> Consultation:
        return services.consultation_review(
            actor=self.staff, consultation=consultation, expected_version=consultation.version,
            body=self.representatives, scheduled_at=timezone.now() + dt.timedelta(days=3), place="社区会议室")

    def hold(self, meeting: Meeting) -> Meeting:
        """Open and close the review meeting (散会 with its minutes)."""
        meeting = meeting_services.meeting_transition(actor=self.staff, meeting=meeting, action="open",
                                                      expected_version=meeting.version)
        return meeting_services.meeting_transition(actor=self.staff, meeting=meeting, action="close",
                                                   expected_version=meeting.version, minutes="逐条评审居民意见")

    def body(self, kind: str, region) -> Body:
        return meeting_services.body_create(actor=self.users["county"], kind=kind,
                                            name=f"{region.name}{BodyKind(kind).label}", region=region)


@pytest.fixture
def desk(tree, users) -> Desk:
    return Desk(tree, users)
