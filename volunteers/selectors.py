"""Reads of 红领巾 volunteering, each scoped by the reader's region subtree (out of scope = not found).

Deeds (为民办实事) are counted here from the records that make them up, never stored: a wish fulfilled
(`WISH_FULFILLED`), a difficulty case a member helped (an assignment to the member replied on a case
closed as solved) and a post task done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from cases.models import Assignment, Case, Kind
from cases.workflow import SOLVED_STATUSES
from core.roles import REGION_STAFF_ROLES, STAFF_ROLES, Role
from organisations.models import Organisation, PartyMember
from organisations.selectors import organisations_visible_to, party_members_visible_to
from regions.models import Level, Region
from regions.selectors import scope_root, sees_everything, subtree_q

from .models import Activity, Post, PostClaim, PostTask, Registration, SignUp, Wish
from .points import POINTS_PER_DEED, POINTS_PER_HOUR, points_for
from .services import member_of
from .workflow import WISH_FULFILLED, ActivityStatus, RegistrationStatus, SignUpStatus, WishStatus

# How many members a ranking lists.
RANKING_LENGTH = 20

# Who reads volunteering records by region: region staff and members (their community). Department
# handlers read their own members' records through the unit's page, not the communities' lists.
_REGION_READERS = frozenset({*REGION_STAFF_ROLES, Role.PARTY_MEMBER})


def _in_scope(qs: QuerySet, user, field: str) -> QuerySet:
    if sees_everything(user):
        return qs
    if not user.is_superuser and user.role not in _REGION_READERS:
        return qs.none()
    root = scope_root(user)
    if root is None:
        return qs.none()
    return qs.filter(subtree_q(root, field))


def communities_for_registration() -> QuerySet[Region]:
    """Every community a member may register at (the region tree is not personal data)."""
    return Region.objects.active().filter(level=Level.COMMUNITY).order_by("code")


def registrations_visible_to(user) -> QuerySet[Registration]:
    qs = Registration.objects.active().select_related("member__person", "member__branch", "community")
    member = member_of(user)
    if member is not None:
        return qs.filter(member=member)
    return _in_scope(qs, user, "community__")


def posts_visible_to(user) -> QuerySet[Post]:
    return _in_scope(Post.objects.active().select_related("region"), user, "region__")


def activities_visible_to(user) -> QuerySet[Activity]:
    return _in_scope(Activity.objects.active().select_related("community", "organiser"), user, "community__")


def signups_visible_to(user) -> QuerySet[SignUp]:
    qs = SignUp.objects.select_related("activity__community", "member__person")
    member = member_of(user)
    if member is not None:
        return qs.filter(member=member)
    return _in_scope(qs, user, "activity__community__")


def wishes_visible_to(user) -> QuerySet[Wish]:
    """Staff: the wishes of their subtree. Members: published wishes of their community and those they
    claimed. Residents: the wishes they posted."""
    qs = Wish.objects.active().select_related("community", "claimed_by__person", "posted_by")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    member = member_of(user)
    if member is not None:
        in_scope = _in_scope(qs, user, "community__")
        return in_scope.filter(~Q(status__in=[WishStatus.POSTED, WishStatus.REJECTED])) | qs.filter(claimed_by=member)
    if user.role == Role.RESIDENT and not user.is_superuser:
        return qs.filter(posted_by=user)
    return _in_scope(qs, user, "community__")


def units_visible_to(user) -> QuerySet[Organisation]:
    """Party units whose members' records `user` may read: organisations with party members in the scope
    of staff (a department handler: their own organisation's branches)."""
    if not user.is_superuser and user.role not in STAFF_ROLES:
        return Organisation.objects.none()
    qs = organisations_visible_to(user)
    if user.role == Role.DEPARTMENT_HANDLER and not user.is_superuser:
        qs = qs.filter(Q(pk=user.organisation_id) | Q(parent_id=user.organisation_id))
    return qs.filter(party_members__isnull=False).distinct()


# --------------------------------------------------------------------------------------------------
# Deeds and hours
# --------------------------------------------------------------------------------------------------


def _helped_cases(start: dt.datetime | None = None, end: dt.datetime | None = None) -> QuerySet[Assignment]:
    qs = Assignment.objects.filter(
        party_member__isnull=False, status=Assignment.Status.REPLIED, case__kind=Kind.DIFFICULTY,
        case__status__in=SOLVED_STATUSES, case__archived_at__isnull=True,
    )
    if start is not None:
        qs = qs.filter(case__closed_at__gte=start, case__closed_at__lt=end)
    return qs


def deeds_done(region: Region) -> int:
    """为民办实事 of `region`'s subtree: wishes fulfilled, difficulty cases helped by members, post tasks done."""
    wishes = Wish.objects.active().filter(subtree_q(region, "community__"), status__in=WISH_FULFILLED).count()
    helped = Case.objects.filter(
        pk__in=_helped_cases().values("case_id")).filter(subtree_q(region, "region__")).count()
    tasks = PostTask.objects.filter(subtree_q(region, "claim__post__region__"),
                                    claim__post__archived_at__isnull=True).count()
    return wishes + helped + tasks


def red_scarf_volunteer_services(region: Region) -> int:
    """红领巾志愿服务 held in `region`'s subtree: red-scarf activities finished with hours confirmed."""
    return Activity.objects.active().filter(
        subtree_q(region, "community__"), kind=Activity.Kind.RED_SCARF, status=ActivityStatus.FINISHED,
        signups__status=SignUpStatus.CONFIRMED,
    ).distinct().count()


def volunteer_figures(region: Region) -> dict[str, int]:
    return {"red_scarf_volunteer_services": red_scarf_volunteer_services(region), "deeds_done": deeds_done(region)}


@dataclass(frozen=True)
class UnitRegistration:
    """A party unit's 双报到 as of a day: its members, and how many have registered at a community."""

    unit_id: int
    name: str
    members: int
    registered: int

    @property
    def rate(self) -> float | None:
        return round(self.registered * 100 / self.members, 1) if self.members else None


@dataclass(frozen=True)
class RegionVolunteering:
    """What a region's dashboard shows of volunteering over a period, every number counted from records."""

    credited_minutes: int
    confirmed_signups: int
    posts: int
    posts_full: int
    places: int
    places_held: int
    wishes_posted: int
    wishes_claimed: int
    wishes_fulfilled: int
    units: list[UnitRegistration]

    @property
    def hours(self) -> float:
        return round(self.credited_minutes / 60, 1)


def region_volunteering(region: Region, start: dt.date, end: dt.date, *,
                        now: dt.datetime | None = None) -> RegionVolunteering:
    """Volunteering in `region`'s subtree from `start` up to (not including) `end`: hours the organisers
    confirmed for activities held then, wishes posted, claimed and fulfilled then, and, as of the
    period's end (or `now` if earlier), the places of posts held and each unit's 双报到 rate. A unit
    counts for the region where it is placed, like on its own page."""
    t0, t1 = _moment(start), _moment(end)
    at = min(t1, now or timezone.now())
    signups = SignUp.objects.filter(
        subtree_q(region, "activity__community__"), activity__archived_at__isnull=True,
        activity__starts_at__gte=t0, activity__starts_at__lt=t1, status=SignUpStatus.CONFIRMED,
    ).aggregate(minutes=Sum("credited_minutes"), count=Count("id"))
    held = Q(claims__claimed_at__lt=at) & (Q(claims__ended_at__isnull=True) | Q(claims__ended_at__gte=at))
    posts = list(Post.objects.active().filter(subtree_q(region, "region__"), created_at__lt=at).annotate(
        held=Count("claims", filter=held)).values_list("head_count", "held"))
    wishes = Wish.objects.active().filter(subtree_q(region, "community__")).aggregate(
        posted=Count("id", filter=Q(created_at__gte=t0, created_at__lt=t1)),
        claimed=Count("id", filter=Q(claimed_at__gte=t0, claimed_at__lt=t1)),
        fulfilled=Count("id", filter=Q(status__in=WISH_FULFILLED, fulfilled_at__gte=t0, fulfilled_at__lt=t1)),
    )
    registered = Q(registered_community__isnull=False) & (
        Q(registered_on__isnull=True) | Q(registered_on__lt=timezone.localdate(at) + dt.timedelta(days=1)))
    units = [
        UnitRegistration(unit_id=row["branch_id"], name=row["branch__name"], members=row["members"],
                         registered=row["registered"])
        for row in PartyMember.objects.active().filter(
            subtree_q(region, "branch__region__"), branch__archived_at__isnull=True).values(
            "branch_id", "branch__name").annotate(members=Count("id"), registered=Count("id", filter=registered))
    ]
    # The units furthest behind first, where the community's calls are needed.
    units.sort(key=lambda u: (u.registered / u.members, u.name, u.unit_id))
    return RegionVolunteering(
        credited_minutes=int(signups["minutes"] or 0), confirmed_signups=signups["count"], posts=len(posts),
        posts_full=sum(1 for head_count, n in posts if n >= head_count), places=sum(h for h, _ in posts),
        places_held=sum(min(n, h) for h, n in posts), wishes_posted=wishes["posted"],
        wishes_claimed=wishes["claimed"], wishes_fulfilled=wishes["fulfilled"], units=units,
    )


@dataclass
class MemberRecord:
    """One member's record over a period: what the unit reads and the certificate prints."""

    member: PartyMember
    registration: str = ""
    activities: list[SignUp] = field(default_factory=list)
    credited_minutes: int = 0
    scheduled_minutes: int = 0
    completed_minutes: int = 0
    no_shows: int = 0
    posts: list[PostClaim] = field(default_factory=list)
    wishes: int = 0
    helped: int = 0
    tasks: int = 0

    @property
    def deeds(self) -> int:
        return self.wishes + self.helped + self.tasks

    @property
    def hours(self) -> str:
        return f"{self.credited_minutes / 60:.1f}"

    @property
    def points(self) -> int:
        return points_for(credited_minutes=self.credited_minutes, deeds=self.deeds)

    @property
    def has_record(self) -> bool:
        return bool(self.activities or self.posts or self.deeds)

    @property
    def post_titles(self) -> str:
        return "、".join(dict.fromkeys(claim.post.title for claim in self.posts))

    @property
    def activity_titles(self) -> str:
        return "、".join(signup.activity.title for signup in self.activities if signup.status == "confirmed")


def _moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def member_records(members: list[PartyMember], start: dt.date, end: dt.date) -> list[MemberRecord]:
    """Each member's record from `start` up to (not including) `end`, in a fixed number of queries."""
    t0, t1 = _moment(start), _moment(end)
    records = {m.pk: MemberRecord(member=m) for m in members}
    ids = list(records)
    for registration in Registration.objects.filter(member_id__in=ids).order_by("registered_at", "id"):
        records[registration.member_id].registration = registration.get_status_display()
    for signup in SignUp.objects.filter(member_id__in=ids, activity__starts_at__gte=t0,
                                        activity__starts_at__lt=t1).select_related("activity").order_by(
            "activity__starts_at", "id"):
        record = records[signup.member_id]
        record.activities.append(signup)
        record.scheduled_minutes += signup.scheduled_minutes
        record.completed_minutes += signup.completed_minutes or 0
        record.credited_minutes += signup.credited_minutes or 0
        record.no_shows += signup.status == SignUpStatus.NO_SHOW
    for claim in PostClaim.objects.filter(member_id__in=ids, claimed_at__lt=t1).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gte=t0)).select_related("post"):
        records[claim.member_id].posts.append(claim)
    for row in Wish.objects.active().filter(claimed_by_id__in=ids, status__in=WISH_FULFILLED, fulfilled_at__gte=t0,
                                            fulfilled_at__lt=t1).values("claimed_by_id").annotate(n=Count("id")):
        records[row["claimed_by_id"]].wishes = row["n"]
    for row in _helped_cases(t0, t1).filter(party_member_id__in=ids).values("party_member_id").annotate(
            n=Count("case_id", distinct=True)):
        records[row["party_member_id"]].helped = row["n"]
    for row in PostTask.objects.filter(claim__member_id__in=ids, done_on__gte=start, done_on__lt=end).values(
            "claim__member_id").annotate(n=Count("id")):
        records[row["claim__member_id"]].tasks = row["n"]
    return [records[m.pk] for m in members]


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * (quarter - 1) + 1, 1)
    end = dt.date(year + (quarter == 4), 1 if quarter == 4 else start.month + 3, 1)
    return start, end


def current_quarter(day: dt.date | None = None) -> tuple[int, int]:
    day = day or timezone.localdate()
    return day.year, (day.month - 1) // 3 + 1


@dataclass
class UnitQuarter:
    unit: Organisation
    year: int
    quarter: int
    records: list[MemberRecord]

    @property
    def unregistered(self) -> list[PartyMember]:
        return [r.member for r in self.records if not r.member.registered_community_id]

    @property
    def without_record(self) -> list[MemberRecord]:
        return [r for r in self.records if not r.has_record]

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.quarter}季度"


def unit_quarter(unit: Organisation, year: int, quarter: int) -> UnitQuarter:
    """The quarter's record of every member of `unit` (the party unit where they work)."""
    members = list(PartyMember.objects.active().filter(branch=unit).select_related(
        "person", "registered_community").order_by("person__name", "id"))
    start, end = quarter_bounds(year, quarter)
    return UnitQuarter(unit=unit, year=year, quarter=quarter, records=member_records(members, start, end))


def member_year(member: PartyMember, year: int) -> MemberRecord:
    return member_records([member], dt.date(year, 1, 1), dt.date(year + 1, 1, 1))[0]


def member_all_time(member: PartyMember) -> MemberRecord:
    return member_records([member], dt.date(2000, 1, 1), timezone.localdate() + dt.timedelta(days=1))[0]


def service_record_member(user, member_id: int) -> PartyMember | None:
    """The member whose service record `user` may read: themself, or a member in scope."""
    own = member_of(user)
    if own is not None:
        return own if own.pk == member_id else None
    return party_members_visible_to(user).filter(pk=member_id).first()


def _ranked(records: list[MemberRecord], limit: int) -> list[MemberRecord]:
    return sorted((r for r in records if r.has_record), key=lambda r: (-r.points, r.member.pk))[:limit]


def _year_records(members: QuerySet[PartyMember], year: int) -> list[MemberRecord]:
    return member_records(list(members.select_related("person", "branch", "registered_community")),
                          dt.date(year, 1, 1), dt.date(year + 1, 1, 1))


def ranking(members: QuerySet[PartyMember], year: int, limit: int = RANKING_LENGTH) -> list[MemberRecord]:
    """The members' records of `year`, most points first (members without a record left out)."""
    return _ranked(_year_records(members, year), limit)


def unit_ranking(unit: Organisation, year: int, limit: int = RANKING_LENGTH) -> list[MemberRecord]:
    """The ranking of `year` among the members of `unit` (the party unit where they work)."""
    return ranking(PartyMember.objects.active().filter(branch=unit), year, limit)


@dataclass(frozen=True)
class CommunityRanking:
    """The ranking of the members registered (双报到) at one community."""

    community: Region
    records: list[MemberRecord]


@dataclass(frozen=True)
class Rankings:
    """A year's points ranking over a scope: of all its members, and of each community's."""

    overall: list[MemberRecord]
    communities: list[CommunityRanking]

    @property
    def several(self) -> bool:
        """Whether the scope spans several communities, so the ranking over them all says more."""
        return len(self.communities) > 1


def rankings(members: QuerySet[PartyMember], year: int, limit: int = RANKING_LENGTH) -> Rankings:
    """`members`' records of `year` counted once, ranked over them all and within each community where
    they registered (a member not yet registered is ranked only over them all); communities in code order,
    only those where someone has a record."""
    records = _year_records(members, year)
    by_community: dict[int, list[MemberRecord]] = {}
    for record in records:
        if record.member.registered_community_id:
            by_community.setdefault(record.member.registered_community_id, []).append(record)
    communities = []
    for grouped in by_community.values():
        ranked = _ranked(grouped, limit)
        if ranked:
            communities.append(CommunityRanking(community=grouped[0].member.registered_community, records=ranked))
    communities.sort(key=lambda c: c.community.code)
    return Rankings(overall=_ranked(records, limit), communities=communities)


def empty_posts(posts: QuerySet[Post]) -> QuerySet[Post]:
    from django.db.models import F

    return posts.filter(filled__lt=F("head_count"))


def minutes_credited(signups: QuerySet[SignUp]) -> int:
    return int(signups.aggregate(total=Sum("credited_minutes"))["total"] or 0)


POINTS_RULE = (
    f"每确认 1 小时志愿服务时长记 {POINTS_PER_HOUR} 分（按组织者确认的时长，不足 1 小时不计）；"
    f"每办 1 件实事（完成微心愿、帮扶困难群众、完成岗位任务）记 {POINTS_PER_DEED} 分。"
)


def pending_registrations(user) -> QuerySet[Registration]:
    return registrations_visible_to(user).filter(status=RegistrationStatus.PENDING)
