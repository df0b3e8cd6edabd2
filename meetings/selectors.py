"""Reads of bodies, meetings and matters, scoped by the reader's place in the region tree: staff see
what sits in their subtree, and nothing else exists for them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.roles import REGION_STAFF_ROLES
from organisations.models import Organisation
from regions.selectors import scope_root, sees_everything, subtree_q

from .models import Attendance, Body, Matter, MatterStep, Meeting, ResolutionTask, RollMember
from .rules import rule_for
from .workflow import (
    DISCLOSURE_ACTIONS,
    MeetingStatus,
    matter_allowed_actions,
    matter_edge,
    meeting_allowed_actions,
)


def _root(user):
    if not user.is_authenticated:
        return None
    if sees_everything(user):
        return "all"
    if user.role not in REGION_STAFF_ROLES:
        return None
    return scope_root(user)


def bodies_visible_to(user) -> QuerySet[Body]:
    """Bodies of the regions in `user`'s scope."""
    root = _root(user)
    qs = Body.objects.filter(archived_at__isnull=True).select_related("region", "organisation")
    if root is None:
        return qs.none()
    return qs if root == "all" else qs.filter(subtree_q(root, "region__"))


def meetings_visible_to(user) -> QuerySet[Meeting]:
    """Meetings of the bodies in `user`'s scope."""
    root = _root(user)
    qs = Meeting.objects.select_related("body__region", "recorder")
    if root is None:
        return qs.none()
    return qs if root == "all" else qs.filter(subtree_q(root, "body__region__"))


def matters_visible_to(user) -> QuerySet[Matter]:
    """Matters (重大事项) of the communities in `user`'s scope."""
    root = _root(user)
    qs = Matter.objects.filter(archived_at__isnull=True).select_related("region")
    if root is None:
        return qs.none()
    return qs if root == "all" else qs.filter(subtree_q(root, "region__"))


def tasks_visible_to(user) -> QuerySet[ResolutionTask]:
    """Tasks of the resolutions of meetings in `user`'s scope."""
    root = _root(user)
    qs = ResolutionTask.objects.select_related("organisation", "item__meeting")
    if root is None:
        return qs.none()
    return qs if root == "all" else qs.filter(subtree_q(root, "item__meeting__body__region__"))


def task_organisations(body: Body) -> QuerySet[Organisation]:
    """Who a body's resolution may give a task to: the organisations of its region and below, and those
    above it that serve it (the street's agencies, the county's departments)."""
    ancestors = [body.region.code[:length] for length in range(len(body.region.code) - 3, 5, -3)]
    return Organisation.objects.filter(archived_at__isnull=True).filter(
        subtree_q(body.region, "region__") | Q(region__code__in=ancestors)
    )


def roll_of(body: Body) -> QuerySet[RollMember]:
    """The body's current roll: members who have not left."""
    return body.roll.filter(archived_at__isnull=True, left_on__isnull=True).select_related("person", "organisation")


def meeting_actions(meeting: Meeting) -> list[str]:
    """The moves the meeting table allows now."""
    return meeting_allowed_actions(meeting.status)


def matter_actions(matter: Matter) -> list[str]:
    """The steps of 四议两公开 the table allows now."""
    return matter_allowed_actions(matter.stage)


def public_disclosures(today=None) -> QuerySet[MatterStep]:
    """The two 公开 of 四议两公开 on show today, newest first: each from its publication date to the end
    of its period; afterwards it stays on record but off the public pages."""
    today = today or timezone.localdate()
    return (
        MatterStep.objects.filter(action__in=DISCLOSURE_ACTIONS, public_from__lte=today, public_until__gte=today,
                                  matter__archived_at__isnull=True)
        .select_related("matter__region")
        .order_by("-public_from", "-id")
    )


def resolution_of(step: MatterStep) -> MatterStep | None:
    """The 决议 step of the disclosed matter, whose meeting's counts a 决议公开 shows."""
    return step.matter.steps.filter(action="resolve").select_related("meeting__body").first()


def deliberations_of(step: MatterStep) -> QuerySet[MatterStep]:
    """The steps the disclosed matter took before `step` (提议, 商议, 审议, 决议), in order, with their
    meetings' bodies: the 公示 notice lists when and by whom it was decided."""
    return (step.matter.steps.filter(seq__lt=step.seq).exclude(action__in=DISCLOSURE_ACTIONS)
            .select_related("meeting__body").order_by("seq"))


def disclosure_issuers(step: MatterStep) -> list[str]:
    """Who issues the 公示 of `step`: the community's party organisation (as recorded) and its residents'
    committee, which publish 四议两公开 together."""
    region = step.matter.region
    party = Organisation.objects.filter(region=region, kind=Organisation.Kind.COMMUNITY_PARTY,
                                        archived_at__isnull=True).order_by("id").first()
    return [name for name in (party.name if party else "", f"{region.name}居民委员会") if name]


def people_on_rolls(meetings) -> list[str]:
    """The names of the people (not the member organisations) on the frozen rolls of `meetings`: a public
    page masks them wherever its text names them."""
    return list(Attendance.objects.filter(meeting__in=meetings, member__person__isnull=False)
                .values_list("name", flat=True).distinct())


def public_meetings() -> QuerySet[Meeting]:
    """Held meetings of the bodies whose minutes are public (`Body.minutes_public`), newest first: what
    the residents' portal summarises. Not scoped: anyone may read them; other meetings do not exist there."""
    return (Meeting.objects.filter(status=MeetingStatus.CLOSED, body__minutes_public=True,
                                   body__archived_at__isnull=True)
            .select_related("body__region").order_by("-scheduled_at", "-id"))


# --------------------------------------------------------------------------------------------------
# The staff pages
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """A meeting's frozen roll counted: 应到, 实到 (as the body's rule counts it), 请假, 委托."""

    expected: int
    present: int
    excused: int
    proxy: int
    proxies_count: bool


def attendance_of(meeting: Meeting) -> list[Attendance]:
    """The frozen roll of `meeting`, seat by seat, in roll order (empty until it opens)."""
    return list(meeting.attendance.select_related("member__person", "member__organisation").order_by("member_id"))


def counts_of(meeting: Meeting, seats: list[Attendance] | None = None) -> Counts:
    """The counts of `meeting`'s frozen roll; a proxy counts as present where the body's rule says so."""
    seats = attendance_of(meeting) if seats is None else seats
    rule = rule_for(meeting.body.kind, meeting.body.region.code)
    statuses = [seat.status for seat in seats]
    present = statuses.count(Attendance.Status.PRESENT)
    proxy = statuses.count(Attendance.Status.PROXY)
    return Counts(expected=len(statuses), present=present + (proxy if rule.proxies_count else 0),
                  excused=statuses.count(Attendance.Status.EXCUSED), proxy=proxy, proxies_count=rule.proxies_count)


def seats_to_sign(meeting: Meeting) -> list[str]:
    """The names for the signatures table of the minutes: the frozen roll once opened, else today's roll."""
    seats = attendance_of(meeting)
    if seats:
        return [seat.name for seat in seats]
    return [member.display_name for member in roll_of(meeting.body)]


def meetings_for_step(user, matter: Matter, action: str) -> list[Meeting]:
    """The meetings `user` may name for the deliberation step `action` of `matter`: closed meetings of
    the right body that voted on it and were not used for one of its steps yet, newest first, each with
    its counts (`counts_label`) so a meeting that missed its quorum is told apart."""
    edge = matter_edge(action, matter.stage)
    if not edge.bodies:
        return []
    rows = list(
        meetings_visible_to(user)
        .filter(status=MeetingStatus.CLOSED, body__kind__in=edge.bodies, agenda__matter=matter,
                agenda__voted_at__isnull=False)
        .exclude(matter_steps__matter=matter)
        .distinct()
    )
    for meeting in rows:
        counts = counts_of(meeting)
        meeting.counts_label = f"应到 {counts.expected} 人，实到 {counts.present} 人"
    return rows


def steps_of(matter: Matter) -> QuerySet[MatterStep]:
    """The steps `matter` took, in order, with their meetings."""
    return matter.steps.select_related("meeting__body", "actor").order_by("seq")


def sign_in_seat(user, meeting: Meeting) -> Attendance | None:
    """The seat of the signed-in `user` on `meeting`'s frozen roll, if they have one."""
    if not user.is_authenticated:
        return None
    return meeting.attendance.filter(member__account=user).first()


def on_roll(user, meeting: Meeting) -> bool:
    """Whether `user`'s account holds a current seat on the roll of `meeting`'s body."""
    return user.is_authenticated and roll_of(meeting.body).filter(account=user).exists()


def meeting_for_sign_in(pk: int) -> Meeting | None:
    """The meeting a member opens from its sign-in link. Not scoped by region: members are not staff; the
    page shows the meeting only to someone on its roll."""
    return Meeting.objects.select_related("body__region").filter(pk=pk).first()
