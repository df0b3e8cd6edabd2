"""Reads of bodies, meetings and matters, scoped by the reader's place in the region tree: staff see
what sits in their subtree, and nothing else exists for them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.models import Assignment, Case, Channel, Rating, RatingResult
from cases.selectors import CaseSection, cases_visible_to
from cases.workflow import OPEN_STATUSES, Status, is_allowed
from core.roles import REGION_STAFF_ROLES
from organisations.models import Organisation
from regions.selectors import scope_root, sees_everything, subtree_q

from .models import (
    AgendaItem,
    Attendance,
    Body,
    DisclosurePhoto,
    Matter,
    MatterStep,
    Meeting,
    MeetingAttachment,
    ResolutionTask,
    RollMember,
    TaskMilestone,
)
from .rules import rule_for
from .workflow import (
    CASE_MEETING_OF,
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


def overdue_tasks_q(moment: dt.datetime, prefix: str = "") -> Q:
    """Tasks past their deadline and not done at `moment` (超期): at a past moment, one done since counts."""
    return Q(**{f"{prefix}due__lt": moment}) & (
        Q(**{f"{prefix}done_at__isnull": True}) | Q(**{f"{prefix}done_at__gte": moment}))


TASK_FILTERS = {"open": "未完成", "overdue": "已超期", "done": "已完成"}


def task_rows(user, *, show: str = "", now: dt.datetime | None = None) -> QuerySet[ResolutionTask]:
    """The resolution tasks on `user`'s list page, unfinished first and soonest due, each with its case and
    meeting and `overdue` annotated; `show` keeps one of TASK_FILTERS."""
    now = now or timezone.now()
    overdue = overdue_tasks_q(now)
    qs = (tasks_visible_to(user).select_related("item__meeting__body", "case")
          .annotate(overdue=ExpressionWrapper(overdue, output_field=BooleanField())))
    if show == "open":
        qs = qs.filter(done_at__isnull=True)
    elif show == "overdue":
        qs = qs.filter(overdue)
    elif show == "done":
        qs = qs.filter(done_at__isnull=False)
    return qs.order_by(F("done_at").asc(nulls_first=True), "due", "id")


def visible_task(user, pk: int, *, now: dt.datetime | None = None) -> ResolutionTask | None:
    """One task of `task_rows` by id, or None when it is out of `user`'s scope (or does not exist)."""
    return task_rows(user, now=now).filter(pk=pk).first()


def milestones_of(task: ResolutionTask) -> QuerySet[TaskMilestone]:
    """The dated progress reports of `task`, oldest first, with who reported them."""
    return task.milestones.select_related("actor").order_by("reported_at", "id")


def case_tasks(user, case: Case, *, now: dt.datetime | None = None) -> list[ResolutionTask]:
    """The tasks the resolutions of meetings gave on `case`, soonest due first, each with `overdue` and
    `page_pk` (its id when `user` may open the task's page, else None). Not scoped beyond the case: whoever
    may read the case reads what was decided on it."""
    now = now or timezone.now()
    rows = list(ResolutionTask.objects.filter(case=case).select_related("organisation", "item__meeting")
                .annotate(overdue=ExpressionWrapper(overdue_tasks_q(now), output_field=BooleanField()))
                .order_by("due", "id"))
    openable = set(tasks_visible_to(user).filter(case=case).values_list("pk", flat=True)) if rows else set()
    for task in rows:
        task.page_pk = task.pk if task.pk in openable else None
    return rows


def case_tasks_section(user, case: Case) -> CaseSection | None:
    """The case page's 会议决议任务 section (`cases.selectors.case_section_register`), when there are tasks."""
    tasks = case_tasks(user, case)
    return CaseSection(template="meetings/_case_tasks.html", context={"tasks": tasks}) if tasks else None


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


def disclosure_photos(step: MatterStep) -> list[DisclosurePhoto]:
    """The photos published with the 公开 `step`, in the order they were attached."""
    return list(step.photos.order_by("id"))


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


def attachments_of(meeting: Meeting) -> list[MeetingAttachment]:
    """The photos attached to `meeting`, in the order they were uploaded."""
    return list(meeting.attachments.select_related("uploaded_by").order_by("uploaded_at", "id"))


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
    return matter.steps.select_related("meeting__body", "actor").prefetch_related("photos").order_by("seq")


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


# --------------------------------------------------------------------------------------------------
# Cases for the agenda: what the system proposes, and the meetings a case may be put before
# --------------------------------------------------------------------------------------------------

PROPOSAL_REASONS = {
    "overdue": "超期未办结",
    "returned_twice": "两个单位退回",
    "unsatisfied_twice": "居民两次评价不满意",
    "opinion_window": "民意征求窗口收集",
}
# The period of the window's problems when the body has not sat before: about the last three months.
PROPOSAL_PERIOD = dt.timedelta(days=91)
TAKES_CASES = (MeetingStatus.SCHEDULED, MeetingStatus.OPEN)


@dataclass(frozen=True)
class Proposal:
    """A case the system proposes for a meeting's agenda, with why, and whether adding it escalates it
    (上会: the body takes cases and the case may go to a meeting) or puts it before the meeting to be heard."""

    case: Case
    reasons: tuple[str, ...]
    escalates: bool

    @property
    def reason_labels(self) -> list[tuple[str, str]]:
        """(code, label) of each reason."""
        return [(reason, PROPOSAL_REASONS[reason]) for reason in self.reasons]


def proposal_period_start(meeting: Meeting) -> dt.datetime:
    """Where the period of `meeting` begins: when the body last sat (the latest meeting of it opened before
    this one is due), or PROPOSAL_PERIOD before this meeting when the body has not sat yet."""
    previous = (
        Meeting.objects.filter(body_id=meeting.body_id, opened_at__lte=meeting.scheduled_at)
        .exclude(pk=meeting.pk).order_by("-opened_at").values_list("opened_at", flat=True).first()
    )
    return previous or meeting.scheduled_at - PROPOSAL_PERIOD


def agenda_proposals(user, meeting: Meeting, *, now: dt.datetime | None = None) -> QuerySet[Case]:
    """The cases the system proposes for `meeting`'s agenda, in the body's region and `user`'s scope: open
    cases past their deadline, returned by two bodies or rated 不满意 twice, and the problems taken in at the
    民意征求窗口 since the body's previous sitting that are not ended yet (a window problem already answered
    and closed was dealt with; one refused or merged is the case it repeats). Cases already on the meeting's
    agenda are left out. One query; each row carries what `proposal_of` reads."""
    now = now or timezone.now()
    since = proposal_period_start(meeting)
    returned = (
        Assignment.objects.filter(case=OuterRef("pk"), returned_at__isnull=False).values("case")
        .annotate(n=Count("organisation", distinct=True) + Count("facility", distinct=True)
                  + Count("party_member", distinct=True))
        .values("n")
    )
    unsatisfied = (
        Rating.objects.filter(case=OuterRef("pk"), result=RatingResult.UNSATISFIED).values("case")
        .annotate(n=Count("id")).values("n")
    )
    window = Q(channel=Channel.OPINION_WINDOW, received_at__gte=since)
    overdue = Q(finish_due__lt=now)
    on_agenda = AgendaItem.objects.filter(meeting_id=meeting.pk, case__isnull=False).values("case_id")
    return (
        cases_visible_to(user)
        .filter(subtree_q(meeting.body.region, "region__"), status__in=OPEN_STATUSES)
        .exclude(pk__in=on_agenda)
        .annotate(
            returned_bodies=Coalesce(Subquery(returned, output_field=IntegerField()), 0),
            unsatisfied_ratings=Coalesce(Subquery(unsatisfied, output_field=IntegerField()), 0),
            proposed_overdue=ExpressionWrapper(overdue, output_field=BooleanField()),
            proposed_window=ExpressionWrapper(window, output_field=BooleanField()),
        )
        .filter(overdue | Q(returned_bodies__gte=2) | Q(unsatisfied_ratings__gte=2) | window)
    )


def escalates_onto(meeting: Meeting, case: Case) -> bool:
    """Whether putting `case` on `meeting`'s agenda escalates it (上会): the body takes cases up and the case
    is escalated already or may be; otherwise the case is put before the meeting to be heard, keeping its
    course (a problem not yet classified, one already answered)."""
    return meeting.body.kind in CASE_MEETING_OF and (
        case.status == Status.ESCALATED or is_allowed("escalate", case.status)
    )


def proposal_of(meeting: Meeting, case: Case) -> Proposal:
    """A row of `agenda_proposals` with its reasons, in the order of PROPOSAL_REASONS."""
    flags = {
        "overdue": case.proposed_overdue,
        "returned_twice": case.returned_bodies >= 2,
        "unsatisfied_twice": case.unsatisfied_ratings >= 2,
        "opinion_window": case.proposed_window,
    }
    return Proposal(case=case, reasons=tuple(reason for reason, flag in flags.items() if flag),
                    escalates=escalates_onto(meeting, case))


def meetings_taking_case(user, case: Case) -> list[Meeting]:
    """The meetings `user` may put `case` before to be taken up (上会): not yet closed, of a body that takes
    cases over the case's region, without the case on their agenda yet; soonest first."""
    code = case.region.code
    over = [code[:length] for length in range(6, len(code) + 1, 3)]
    return list(
        meetings_visible_to(user)
        .filter(status__in=TAKES_CASES, body__kind__in=list(CASE_MEETING_OF), body__region__code__in=over,
                body__archived_at__isnull=True)
        .exclude(agenda__case=case)
        .order_by("scheduled_at", "id")
    )


def escalation_choices(user, case: Case) -> list[tuple[int, str]]:
    """`meetings_taking_case` as the case page's choices: (id, "title（body，time）")."""
    choices = []
    for meeting in meetings_taking_case(user, case):
        when = timezone.localtime(meeting.scheduled_at)
        choices.append((meeting.pk, f"{meeting.title}（{meeting.body.name}，{when:%Y-%m-%d %H:%M}）"))
    return choices
