"""四议两公开 as a table: every edge taken through its service with the meeting it needs, every jump the
table lacks refused with nothing changed, and the quorum and majority rules of each body."""

from __future__ import annotations

import pytest

from core.models import AuditEvent
from meetings import services
from meetings.models import Matter, MatterStep
from meetings.services import MatterRefused
from meetings.workflow import MATTER_ACTIONS, MATTER_TABLE, BodyKind, Stage, StepNotAllowed

from .conftest import MEETING_OF

pytestmark = pytest.mark.django_db

EDGES = [
    pytest.param(edge, source, id=f"{edge.action}{'-' + edge.when if edge.when else ''}-from-{source}")
    for edge in MATTER_TABLE for source in sorted(edge.sources)
]
FORBIDDEN = [
    pytest.param(action, stage, id=f"{action}-from-{stage}")
    for action in MATTER_ACTIONS for stage in Stage.values
    if not any(edge.action == action and stage in edge.sources for edge in MATTER_TABLE)
]


@pytest.mark.parametrize(("edge", "source"), EDGES)
def test_every_edge_is_taken_through_its_service_and_audited(council, edge, source):
    matter = council.matter(stage=source)
    matter = council.step(matter, edge.action, merged=edge.when == "merged")
    assert matter.stage == edge.target
    step = matter.steps.order_by("-seq").first()
    assert (step.action, step.from_stage, step.to_stage, step.label) == (edge.action, source, edge.target, edge.label)
    if edge.bodies:
        assert step.meeting.body.kind in edge.bodies
        assert step.expected == len(council.seats[step.meeting.body.kind]) and step.present == step.expected
    else:
        assert step.meeting is None
    if edge.action.startswith("disclose"):
        assert step.public_from and step.public_until > step.public_from
    audit = AuditEvent.objects.filter(target_type="meetings.matter", target_id=str(matter.pk),
                                      reason=edge.label).get()
    assert audit.actor_id == council.staff.pk and audit.changes["stage"] == [source, edge.target]


@pytest.mark.parametrize(("action", "stage"), FORBIDDEN)
def test_every_jump_the_table_lacks_is_refused_and_nothing_changes(council, action, stage):
    matter = council.matter(stage=stage)
    steps = matter.steps.count()
    with pytest.raises(StepNotAllowed, match="四议两公开须按顺序进行"):
        services.matter_transition(actor=council.staff, matter=matter, action=action,
                                   expected_version=matter.version, note="内容")
    after = Matter.objects.get(pk=matter.pk)
    assert (after.stage, after.version, after.steps.count()) == (stage, matter.version, steps)


def test_the_merged_proposal_is_recorded_as_one_step(council):
    matter = council.step(council.matter(), "propose", merged=True)
    assert matter.stage == Stage.CONSULTED
    assert list(matter.steps.values_list("label", flat=True)) == ["党组织提议并经两委会商议（一肩挑）"]


def test_a_meeting_of_the_wrong_body_is_refused(council):
    matter = council.matter(stage=Stage.CONSULTED)
    meeting = council.held(BodyKind.TWO_COMMITTEES, matter)
    with pytest.raises(Exception, match="须由党员大会进行，该会议是两委会"):
        services.matter_transition(actor=council.staff, matter=matter, action="review",
                                   expected_version=matter.version, meeting=meeting)
    assert Matter.objects.get(pk=matter.pk).stage == Stage.CONSULTED


def test_a_meeting_still_open_cannot_carry_a_step(council):
    matter = council.matter(stage=Stage.CONSULTED)
    meeting = council.held(BodyKind.PARTY_MEMBERS, matter, close=False)
    with pytest.raises(Exception, match="散会"):
        services.matter_transition(actor=council.staff, matter=matter, action="review",
                                   expected_version=matter.version, meeting=meeting)


def _review(council, matter, **held):
    meeting = council.held(BodyKind.PARTY_MEMBERS, matter, **held)
    return services.matter_transition(actor=council.staff, matter=matter, action="review",
                                      expected_version=matter.version, meeting=meeting)


def test_a_party_meeting_without_more_than_half_present_misses_quorum_and_is_held_again(council):
    matter = council.matter(stage=Stage.CONSULTED)
    # 9 members due: 4 present is not more than half.
    with pytest.raises(MatterRefused) as refused:
        _review(council, matter, present=4)
    assert refused.value.code == "quorum_not_met"
    assert "应到 9 人，实到 4 人" in refused.value.message and "超过二分之一" in refused.value.message
    after = Matter.objects.get(pk=matter.pk)
    assert after.stage == Stage.CONSULTED and after.version == matter.version
    assert not MatterStep.objects.filter(matter=matter, action="review").exists()
    # Held again with 5 present, all in favour: more than half of the 9 due.
    matter = _review(council, after, present=5)
    assert matter.stage == Stage.REVIEWED
    assert matter.steps.get(action="review").present == 5


def test_a_party_meeting_adopts_only_with_more_than_half_of_the_members_due(council):
    matter = council.matter(stage=Stage.CONSULTED)
    # 8 of 9 present, 4 in favour: a majority of those present, but not of the 9 due.
    with pytest.raises(MatterRefused) as refused:
        _review(council, matter, present=8, in_favour=4)
    assert refused.value.code == "not_adopted" and "应到人数（9 人）" in refused.value.message


def test_residents_representatives_need_two_thirds_present_and_a_majority_of_those_present(council):
    matter = council.matter(stage=Stage.REVIEWED)

    def resolve(**held):
        meeting = council.held(BodyKind.RESIDENTS_REPRESENTATIVES, matter, **held)
        return services.matter_transition(actor=council.staff, matter=Matter.objects.get(pk=matter.pk),
                                          action="resolve", expected_version=Matter.objects.get(pk=matter.pk).version,
                                          meeting=meeting)

    with pytest.raises(MatterRefused, match="达到三分之二以上"):
        resolve(present=3)  # 3 of 6 is less than two thirds
    with pytest.raises(MatterRefused) as refused:
        resolve(present=4, in_favour=2)  # 4 of 6 is two thirds; 2 of 4 present is not more than half
    assert refused.value.code == "not_adopted"
    assert resolve(present=4, in_favour=3).stage == Stage.RESOLVED


def test_a_county_may_require_two_thirds_at_party_meetings(council, settings):
    settings.MEETING_RULES = {"610424:party_members": {"quorum": [2, 3], "quorum_strict": False}}
    matter = council.matter(stage=Stage.CONSULTED)
    with pytest.raises(MatterRefused, match="达到三分之二以上"):
        _review(council, matter, present=5)  # more than half, less than two thirds of 9
    assert _review(council, Matter.objects.get(pk=matter.pk), present=6).stage == Stage.REVIEWED


def test_one_vote_carries_only_one_step(council):
    matter = council.matter(stage=Stage.CONSULTED)
    meeting = council.held(BodyKind.PARTY_MEMBERS, matter)
    matter = services.matter_transition(actor=council.staff, matter=matter, action="review",
                                        expected_version=matter.version, meeting=meeting)
    assert matter.stage == Stage.REVIEWED
    assert set(MEETING_OF.values()) == {BodyKind.TWO_COMMITTEES, BodyKind.PARTY_MEMBERS,
                                        BodyKind.RESIDENTS_REPRESENTATIVES}


def test_a_disclosure_needs_its_text_and_markup_is_refused(council):
    matter = council.matter(stage=Stage.RESOLVED)
    for note, message in [("", "请填写公开内容"), ("<script>alert(1)</script>", "不能包含 HTML")]:
        with pytest.raises(Exception, match=message):
            services.matter_transition(actor=council.staff, matter=matter, action="disclose_resolution",
                                       expected_version=matter.version, note=note)
    assert Matter.objects.get(pk=matter.pk).stage == Stage.RESOLVED
