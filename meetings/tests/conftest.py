from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import Body, Matter, Meeting, RollMember
from meetings.workflow import BodyKind, Stage
from organisations import services as org_services


class Council:
    """One community's bodies with their rolls, and helpers that hold a meeting and take matters along."""

    def __init__(self, tree, users):
        self.tree, self.users = tree, users
        self.staff = users["community"]
        east = tree.east
        self.bodies = {
            kind: services.body_create(actor=self.staff, kind=kind, name=f"东街社区{label}", region=east)
            for kind, label in [(BodyKind.TWO_COMMITTEES, "两委会"), (BodyKind.PARTY_MEMBERS, "党员大会"),
                                (BodyKind.RESIDENTS_REPRESENTATIVES, "居民代表会议"), (BodyKind.RESIDENTS, "居民会议")]
        }
        self.seats: dict[str, list[RollMember]] = {}
        for kind, body in self.bodies.items():
            size = {BodyKind.TWO_COMMITTEES: 5, BodyKind.PARTY_MEMBERS: 9,
                    BodyKind.RESIDENTS_REPRESENTATIVES: 6, BodyKind.RESIDENTS: 10}[kind]
            self.seats[kind] = [
                services.roll_member_add(
                    actor=self.staff, body=body,
                    person=org_services.person_create(actor=None, name=f"{body.name}成员{n}", home_region=east),
                )
                for n in range(1, size + 1)
            ]

    def matter(self, title: str = "东街小区加装电梯", stage: str = Stage.REGISTERED) -> Matter:
        matter, _ = services.matter_register(actor=self.staff, region=self.tree.east, title=title,
                                             description="3号楼加装电梯，费用由业主分摊")
        for action in _path_to(stage):
            matter = self.step(matter, action)
        return matter

    def held(self, kind: str, matter: Matter | None = None, *, present: int | None = None, in_favour: int | None = None,
             close: bool = True) -> Meeting:
        """A meeting of the body of `kind`, opened, `present` members signed in, the matter voted, closed."""
        body: Body = self.bodies[kind]
        when = timezone.now() + dt.timedelta(days=services.notice_days(kind), hours=1)
        meeting, _ = services.meeting_schedule(
            actor=self.staff, body=body, title=f"{body.name}会议", scheduled_at=when,
            agenda=[services.AgendaSpec(title=matter.title if matter else "工作通报", matter=matter)],
        )
        meeting = services.meeting_transition(actor=self.staff, meeting=meeting, action="open",
                                              expected_version=meeting.version)
        seats = self.seats[kind]
        present = len(seats) if present is None else present
        for seat in seats[:present]:
            services.attendance_mark(actor=self.staff, meeting=meeting, member=seat, status="present")
        if matter is not None:
            meeting.refresh_from_db()
            votes = present if in_favour is None else in_favour
            services.vote_record(actor=self.staff, meeting=meeting, item=meeting.agenda.get(),
                                 expected_version=meeting.version, in_favour=votes, against=0,
                                 abstained=present - votes, resolution=f"同意{matter.title}")
        meeting.refresh_from_db()
        if close:
            meeting = services.meeting_transition(actor=self.staff, meeting=meeting, action="close",
                                                  expected_version=meeting.version, minutes="会议议定事项如下……")
        return meeting

    def step(self, matter: Matter, action: str, **kwargs) -> Matter:
        meeting = None
        kind = MEETING_OF.get(action)
        if kind is not None:
            meeting = self.held(kind, matter)
        note = "公开内容：决议及实施情况" if action.startswith("disclose") else ""
        return services.matter_transition(actor=self.staff, matter=matter, action=action,
                                          expected_version=matter.version, meeting=meeting, note=note, **kwargs)


MEETING_OF = {"consult": BodyKind.TWO_COMMITTEES, "review": BodyKind.PARTY_MEMBERS,
              "resolve": BodyKind.RESIDENTS_REPRESENTATIVES}
ORDER = ["propose", "consult", "review", "resolve", "disclose_resolution", "disclose_result"]
STAGES = [Stage.REGISTERED, Stage.PROPOSED, Stage.CONSULTED, Stage.REVIEWED, Stage.RESOLVED,
          Stage.RESOLUTION_DISCLOSED, Stage.RESULT_DISCLOSED]


def _path_to(stage: str) -> list[str]:
    return ORDER[:STAGES.index(stage)]


@pytest.fixture
def council(tree, users) -> Council:
    return Council(tree, users)
