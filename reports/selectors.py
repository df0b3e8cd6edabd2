"""Figures counted live from records, for any region's subtree.

Nothing here reads a stored total: each figure is an aggregate over the rows that make it up
(active, not archived), so archiving a facility or letting a pact lapse changes the figure at once.
Each group of figures takes a fixed handful of queries whatever the size of the subtree.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from cases.models import Case, Channel, Kind, Rating, RatingResult
from cases.workflow import SOLVED_STATUSES
from consultations.models import Consultation, Opinion
from govservices.selectors import public_items
from halls.selectors import window_kinds_in
from meetings.models import Body, MatterStep, Meeting, ResolutionTask
from meetings.selectors import overdue_tasks_q
from meetings.workflow import BodyKind, MeetingStatus
from organisations.models import JointActivity, Organisation, Pact
from regions.models import CODE_LENGTHS, Facility, Level, Region
from regions.selectors import regions_visible_to, scope_root, sees_everything, subtree_q
from tasks.selectors import admitted_categories
from volunteers.selectors import volunteer_figures

from .figures import FIGURE_KEYS
from .kpis import rollups_ready
from .models import DailyRollup
from .rollup_cells import CELL_LENGTH

# Facility figures and the facility kinds each one counts.
FACILITY_FIGURES: dict[str, tuple[str, ...]] = {
    "cultural_activity_centers": (Facility.Kind.CULTURAL_CENTER,),
    "opinion_windows": (Facility.Kind.OPINION_WINDOW,),
    "day_care_centers": (Facility.Kind.DAY_CARE_CENTER,),
    "after_school_centers": (Facility.Kind.AFTER_SCHOOL_CENTER,),
    "reception_and_mediation_rooms": (Facility.Kind.RECEPTION_ROOM, Facility.Kind.MEDIATION_ROOM),
    "service_halls": (Facility.Kind.SERVICE_HALL,),
}

# A difficulty in one of these statuses has been solved, unless its resident rated the result 不满意.

# The region picker on the figures page goes down to communities; grids are too small to compare.
PICKER_MAX_CODE_LENGTH = CODE_LENGTHS[Level.COMMUNITY]


def active_pacts(*, day: dt.date | None = None) -> QuerySet[Pact]:
    """Pacts in force on `day` (today by default): not archived, not expired, both sides active."""
    day = day or timezone.localdate()
    return Pact.objects.active().filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day),
        community_organisation__archived_at__isnull=True,
        partner__archived_at__isnull=True,
    )


def _end_of(day: dt.date) -> dt.datetime:
    """The first moment after `day` in the current time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _start_of(day: dt.date) -> dt.datetime:
    """The first moment of `day` in the current time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def case_figures(region: Region, *, day: dt.date | None = None) -> dict[str, int]:
    """问题联解 and 困难联帮 figures of `region`'s subtree, counted from active cases in one query.

    - `problems_collected` (收集问题): cases of kind 问题 taken in through a 民意征求窗口 (channel
      `opinion_window`) and received by the end of `day`, whatever became of them. A duplicate merged
      into another case and a case refused (不予受理) count too: each was collected at the window.
    - `difficulties_solved` (解决困难): cases of kind 困难, from any channel, that are closed (已结案)
      or rated (已评价), were closed by the end of `day`, and whose resident did not rate the result
      of that closure 不满意. Only the rating given since the latest closure is read: a difficulty
      rated 不满意, reworked and closed again counts once it is closed again; one whose latest
      result was rated 不满意 is back with its handlers (or before a meeting) and does not count.
      A case is counted in its present state: one closed by `day` and reopened since does not count.
    """
    day = day or timezone.localdate()
    end = _end_of(day)
    cases = Case.objects.active().filter(subtree_q(region, "region__"))
    collected = Q(kind=Kind.PROBLEM, channel=Channel.OPINION_WINDOW, received_at__lt=end)
    if len(region.code) <= CELL_LENGTH and rollups_ready():
        # Solved difficulties are summed from the daily rollups (by day of closure), kept with the cases.
        solved = DailyRollup.objects.filter(
            organisation_id=0, difficulties_solved__gt=0, day__lte=day,
            region_code__gte=region.code, region_code__lt=region.subtree_upper_bound,
        ).aggregate(total=Sum("difficulties_solved"))["total"]
        return {"problems_collected": cases.filter(collected).count(), "difficulties_solved": int(solved or 0)}
    unsatisfied_since_closure = Rating.objects.filter(
        case=OuterRef("pk"), result=RatingResult.UNSATISFIED, rated_at__gte=OuterRef("closed_at")
    )
    values = cases.aggregate(
        problems_collected=Count("id", filter=collected),
        difficulties_solved=Count("id", filter=Q(
            kind=Kind.DIFFICULTY, status__in=SOLVED_STATUSES, closed_at__lt=end,
        ) & ~Q(Exists(unsatisfied_since_closure))),
    )
    return {key: int(value or 0) for key, value in values.items()}


def meeting_figures(region: Region, *, day: dt.date | None = None) -> dict[str, int]:
    """权力下沉 figures of meetings in `region`'s subtree.

    - `meetings_held` (召开议事会议): meetings of the bodies in the subtree closed (散会) by the end of `day`,
      whatever they decided; a meeting that missed its quorum was still held.
    - `matters_decided` (“四议两公开”决定事项): matters of the subtree resolved by a residents' (representatives')
      meeting by the end of `day`, disclosed since or not.
    - `resolution_tasks_overdue` (会议决议任务超期未完成): tasks the resolutions of the subtree's bodies gave
      that were past their deadline and not done at the end of `day` (now, for today): a task done since
      counts for that day, so a day in the past gives the same count whenever it is asked.
    """
    day = day or timezone.localdate()
    end = _end_of(day)
    held = Meeting.objects.filter(subtree_q(region, "body__region__"), status=MeetingStatus.CLOSED, closed_at__lt=end)
    decided = MatterStep.objects.filter(
        subtree_q(region, "matter__region__"), matter__archived_at__isnull=True, action="resolve", created_at__lt=end,
    ).values("matter_id").distinct()
    moment = min(end, timezone.now())
    overdue = ResolutionTask.objects.filter(subtree_q(region, "item__meeting__body__region__"),
                                            created_at__lt=moment).filter(overdue_tasks_q(moment))
    return {"meetings_held": held.count(), "matters_decided": decided.count(),
            "joint_council_quarters_missed": len(joint_council_quarters_missed(region, day=day)),
            "resolution_tasks_overdue": overdue.count()}


def meetings_held_by_kind(region: Region, *, start: dt.date, day: dt.date) -> list[dict[str, object]]:
    """Meetings of the subtree's bodies closed (散会) from `start` to the end of `day`, per kind of body, in
    the order of `BodyKind` (kinds that held none left out): `kind`, `label`, `held`."""
    counts = dict(
        Meeting.objects.filter(subtree_q(region, "body__region__"), status=MeetingStatus.CLOSED,
                               closed_at__gte=_start_of(start), closed_at__lt=_end_of(day))
        .values_list("body__kind").annotate(n=Count("id")).order_by()
    )
    return [{"kind": kind, "label": label, "held": counts[kind]}
            for kind, label in BodyKind.choices if counts.get(kind)]


def consultation_figures(region: Region, *, day: dt.date | None = None) -> dict[str, int]:
    """权力下沉 figures of consultations (征求意见) in `region`'s subtree.

    - `consultations_held` (开展征求意见): consultations whose comment period was closed by the end of
      `day`, reviewed and published since or not.
    - `opinions_adopted` (采纳居民意见): opinions decided 采纳 by the end of `day`; several comments
      saying the same thing and decided together are one opinion.
    """
    day = day or timezone.localdate()
    end = _end_of(day)
    held = Consultation.objects.filter(subtree_q(region, "region__"), archived_at__isnull=True, closed_at__lt=end)
    adopted = Opinion.objects.filter(
        subtree_q(region, "consultation__region__"), consultation__archived_at__isnull=True,
        outcome=Opinion.Outcome.ADOPTED, decided_at__lt=end,
    )
    return {"consultations_held": held.count(), "opinions_adopted": adopted.count()}


def service_item_figures() -> dict[str, int]:
    """服务下沉 figures of the catalogue (办事指南), which the county publishes for all its communities:

    - `service_item_categories`: categories with at least one published item;
    - `service_items`: published items (an item counts once, whatever its number of versions).
    """
    return public_items().aggregate(service_item_categories=Count("category_id", distinct=True),
                                    service_items=Count("id"))


def last_quarters(day: dt.date, count: int = 4) -> list[tuple[dt.date, dt.date]]:
    """The `count` calendar quarters completed before the one `day` falls in, oldest first, as
    (first day, first day of the next quarter)."""
    start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    quarters = []
    for _ in range(count):
        end = start
        month, year = start.month - 3, start.year
        if month < 1:
            month, year = month + 12, year - 1
        start = dt.date(year, month, 1)
        quarters.append((start, end))
    return list(reversed(quarters))


def joint_council_quarters_missed(region: Region, *, day: dt.date | None = None) -> list[tuple[str, dt.date]]:
    """(street name, first day of the quarter) for each of the last four completed quarters in which a
    street of `region`'s subtree that has a 党建联席会议 did not hold it (it should sit every quarter)."""
    day = day or timezone.localdate()
    quarters = [(_start_of(first), _start_of(following)) for first, following in last_quarters(day)]
    councils = list(Body.objects.filter(subtree_q(region, "region__"), kind=BodyKind.STREET_JOINT_COUNCIL,
                                        archived_at__isnull=True).select_related("region"))
    sittings = Meeting.objects.filter(body__in=councils, status=MeetingStatus.CLOSED,
                                      scheduled_at__gte=quarters[0][0], scheduled_at__lt=quarters[-1][1])
    held = {(body_id, index) for body_id, when in sittings.values_list("body_id", "scheduled_at")
            for index, (start, end) in enumerate(quarters) if start <= when < end}
    return [
        (council.region.name, timezone.localtime(start).date())
        for council in councils for index, (start, _) in enumerate(quarters) if (council.pk, index) not in held
    ]


def figures_for(region: Region, *, day: dt.date | None = None) -> dict[str, int]:
    """The 三联三沉 figures of `region`'s subtree, counted from records as of `day` (today by default).

    A partner organisation counts for a region when one of its pacts in force has a community party
    organisation inside the subtree; an organisation in pacts with several communities counts once.
    The case figures are defined in `case_figures`.
    """
    pacts = active_pacts(day=day).filter(subtree_q(region, "community_organisation__region__"))
    linked = pacts.aggregate(
        agency_party_orgs_linked=Count(
            "partner_id", distinct=True, filter=Q(partner__kind=Organisation.Kind.AGENCY_PARTY)
        ),
        two_new_orgs_linked=Count(
            "partner_id", distinct=True, filter=Q(partner__kind__in=Organisation.TWO_NEW_KINDS)
        ),
        property_companies_linked=Count(
            "partner_id", distinct=True,
            filter=Q(partner__kind=Organisation.Kind.PROPERTY_COMPANY, kind=Pact.Kind.PROPERTY_JOINT_BUILDING),
        ),
    )
    facilities = Facility.objects.active().filter(subtree_q(region, "region__")).aggregate(
        **{key: Count("id", filter=Q(kind__in=kinds)) for key, kinds in FACILITY_FIGURES.items()}
    )
    activities = JointActivity.objects.active().filter(subtree_q(region, "community__")).count()
    values = {**linked, **facilities, "joint_activities": activities, **case_figures(region, day=day),
              **meeting_figures(region, day=day), **consultation_figures(region, day=day),
              "service_window_kinds": window_kinds_in(region), **volunteer_figures(region),
              **service_item_figures(),
              "community_task_categories": admitted_categories(region, before=_end_of(day or timezone.localdate()))}
    return {key: int(values[key] or 0) for key in FIGURE_KEYS}


def figures_region(user, code: str | None) -> Region | None:
    """The region whose figures `user` asked for: `code` if it is in their scope, else their scope root.

    None when the region is unknown or out of scope, or the user has no region at all (callers
    answer 404, so the existence of other regions does not leak).
    """
    visible = regions_visible_to(user)
    if code:
        return visible.filter(code=code).first()
    root = scope_root(user)
    if root is not None:
        return visible.filter(pk=root.pk).first()
    if sees_everything(user):
        return visible.filter(parent__isnull=True).order_by("code").first()
    return None


def figure_regions_for(user) -> QuerySet[Region]:
    """Regions offered in the figures page's picker: the visible ones down to community level.

    A grid worker's own grid is included, since it is the top of what they may see.
    """
    visible = regions_visible_to(user)
    root = scope_root(user)
    shallow = Q(level__in=[level for level, length in CODE_LENGTHS.items() if length <= PICKER_MAX_CODE_LENGTH])
    if root is not None:
        shallow |= Q(pk=root.pk)
    return visible.filter(shallow).order_by("code")
