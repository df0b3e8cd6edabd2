"""Figures counted live from records, for any region's subtree.

Nothing here reads a stored total: each figure is an aggregate over the rows that make it up
(active, not archived), so archiving a facility or letting a pact lapse changes the figure at once.
The ten figures take three queries whatever the size of the subtree.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from organisations.models import JointActivity, Organisation, Pact
from regions.models import CODE_LENGTHS, Facility, Level, Region
from regions.selectors import regions_visible_to, scope_root, sees_everything, subtree_q

from .figures import FIGURE_KEYS

# Facility figures and the facility kinds each one counts.
FACILITY_FIGURES: dict[str, tuple[str, ...]] = {
    "cultural_activity_centers": (Facility.Kind.CULTURAL_CENTER,),
    "opinion_windows": (Facility.Kind.OPINION_WINDOW,),
    "day_care_centers": (Facility.Kind.DAY_CARE_CENTER,),
    "after_school_centers": (Facility.Kind.AFTER_SCHOOL_CENTER,),
    "reception_and_mediation_rooms": (Facility.Kind.RECEPTION_ROOM, Facility.Kind.MEDIATION_ROOM),
    "service_halls": (Facility.Kind.SERVICE_HALL,),
}

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


def figures_for(region: Region, *, day: dt.date | None = None) -> dict[str, int]:
    """The 三联三沉 figures of `region`'s subtree, counted from records as of `day` (today by default).

    A partner organisation counts for a region when one of its pacts in force has a community party
    organisation inside the subtree; an organisation in pacts with several communities counts once.
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
    values = {**linked, **facilities, "joint_activities": activities}
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
