"""Reads of organisations, people and party members, each filtered by the reader's scope."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import REGION_STAFF_ROLES, Role
from regions.models import Region
from regions.selectors import facilities_visible_to, scope_root, sees_everything, subtree_q

from .models import (
    AgencyRegistration,
    JointActivity,
    Organisation,
    Pact,
    PactCommitment,
    PartyMember,
    Person,
    Position,
)


def _own_organisation_ids(user) -> list[int]:
    """The handler's organisation and those directly under it (e.g. a department's party branch)."""
    if not user.organisation_id:
        return []
    children = Organisation.objects.filter(parent_id=user.organisation_id).values_list("id", flat=True)
    return [user.organisation_id, *children]


def _member_in_subtree(root) -> Q:
    """A party member belongs to a subtree through their 双报到 community, their grid or their branch."""
    return subtree_q(root, "registered_community__") | subtree_q(root, "grid__") | subtree_q(root, "branch__region__")


def organisations_visible_to(user) -> QuerySet[Organisation]:
    """Organisations placed in the user's region subtree (the network is not personal data)."""
    qs = Organisation.objects.active().select_related("region")
    if sees_everything(user):
        return qs
    root = scope_root(user)
    if root is None:
        return qs.none()
    in_tree = subtree_q(root, "region__")
    if user.role == Role.DEPARTMENT_HANDLER:
        return qs.filter(in_tree | Q(pk__in=_own_organisation_ids(user)))
    return qs.filter(in_tree)


def people_visible_to(user) -> QuerySet[Person]:
    """People whose records the user may open.

    Region staff: people living in, holding a post in, or registered as party members in their subtree.
    Department handlers: people holding a post in, or members of, their own organisation.
    Party members and residents: themselves.
    """
    qs = Person.objects.active()
    if sees_everything(user):
        return qs
    if user.role in REGION_STAFF_ROLES and user.region_id:
        root = user.region
        return qs.filter(
            subtree_q(root, "home_region__")
            | Q(pk__in=Position.objects.filter(subtree_q(root, "organisation__region__")).values("person_id"))
            | Q(pk__in=PartyMember.objects.filter(_member_in_subtree(root)).values("person_id"))
        )
    if user.role == Role.DEPARTMENT_HANDLER:
        own = _own_organisation_ids(user)
        return qs.filter(
            Q(pk__in=Position.objects.filter(organisation_id__in=own).values("person_id"))
            | Q(pk__in=PartyMember.objects.filter(branch_id__in=own).values("person_id"))
        )
    if user.person_id:
        return qs.filter(pk=user.person_id)
    return qs.none()


def party_members_visible_to(user) -> QuerySet[PartyMember]:
    qs = PartyMember.objects.active().select_related(
        "person", "branch", "registered_community", "grid"
    )
    if sees_everything(user):
        return qs
    if user.role in REGION_STAFF_ROLES and user.region_id:
        root = user.region
        return qs.filter(_member_in_subtree(root))
    if user.role == Role.DEPARTMENT_HANDLER:
        return qs.filter(branch_id__in=_own_organisation_ids(user))
    if user.person_id:
        return qs.filter(person_id=user.person_id)
    return qs.none()


def pacts_visible_to(user) -> QuerySet[Pact]:
    qs = Pact.objects.active().select_related("community_organisation__region", "partner__region")
    if sees_everything(user):
        return qs
    root = scope_root(user)
    if root is None:
        return qs.none()
    in_tree = subtree_q(root, "community_organisation__region__")
    if user.role == Role.DEPARTMENT_HANDLER:
        return qs.filter(in_tree | Q(partner_id__in=_own_organisation_ids(user)))
    return qs.filter(in_tree)


def activities_visible_to(user) -> QuerySet[JointActivity]:
    qs = JointActivity.objects.active().select_related("community", "venue", "pact")
    if sees_everything(user):
        return qs
    root = scope_root(user)
    if root is None:
        return qs.none()
    return qs.filter(subtree_q(root, "community__"))


def agency_registrations_visible_to(user) -> QuerySet[AgencyRegistration]:
    qs = AgencyRegistration.objects.active().select_related("organisation", "community")
    if sees_everything(user):
        return qs
    root = scope_root(user)
    if root is None:
        return qs.none()
    return qs.filter(subtree_q(root, "community__"))


def positions_on(day: dt.date | None = None) -> QuerySet[Position]:
    """Positions held on `day` (today by default)."""
    day = day or timezone.localdate()
    return Position.objects.active().filter(started_on__lte=day).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))


def cross_appointments(*, user, day: dt.date | None = None) -> list[dict]:
    """People holding posts in two or more organisations at once (双向进入、交叉任职), in the user's scope.

    Each entry: the person and the list of their positions held on `day`; entries where a dispatched
    agency's head also sits on a community party committee are flagged.
    """
    positions = (
        positions_on(day)
        .filter(person__in=people_visible_to(user))
        .select_related("person", "organisation")
        .order_by("person__name", "person_id", "organisation__name")
    )
    by_person: dict[int, list[Position]] = {}
    for position in positions:
        by_person.setdefault(position.person_id, []).append(position)
    result = []
    for held in by_person.values():
        organisations = {p.organisation_id for p in held}
        if len(organisations) < 2:
            continue
        kinds = {p.organisation.kind for p in held}
        agency_head_on_committee = any(
            p.organisation.kind == Organisation.Kind.DISPATCHED_AGENCY and p.is_leader for p in held
        ) and Organisation.Kind.COMMUNITY_PARTY in kinds
        result.append(
            {"person": held[0].person, "positions": held, "agency_head_on_committee": agency_head_on_committee}
        )
    return result


# Kinds of organisation a party member can belong to as their own branch (所在党组织).
PARTY_BRANCH_KINDS = (
    Organisation.Kind.COMMUNITY_PARTY,
    Organisation.Kind.GRID_PARTY_GROUP,
    Organisation.Kind.AGENCY_PARTY,
    Organisation.Kind.BUSINESS_DISTRICT_PARTY,
    Organisation.Kind.INDUSTRIAL_PARK_PARTY,
    Organisation.Kind.NEW_ECONOMIC,
    Organisation.Kind.NEW_SOCIAL,
)


def _code_subtree_q(code: str, field: str) -> Q:
    return Q(**{f"{field}code__gte": code, f"{field}code__lt": code + ":"})


def party_members_filtered(
    members: QuerySet[PartyMember], *, community_code: str = "", grid_code: str = "", branch_id: int | None = None,
    registered: bool | None = None, central_household: bool | None = None, name: str = "",
) -> QuerySet[PartyMember]:
    """Narrow an already scoped roster by the roster page's filters; empty/None filters are ignored.

    A community matches the members registered there (双报到), living in one of its grids, or belonging
    to a branch placed in it, the same three ties the scoping uses.
    """
    if community_code:
        members = members.filter(
            Q(registered_community__code=community_code)
            | _code_subtree_q(community_code, "grid__")
            | _code_subtree_q(community_code, "branch__region__")
        )
    if grid_code:
        members = members.filter(grid__code=grid_code)
    if branch_id is not None:
        members = members.filter(branch_id=branch_id)
    if registered is not None:
        members = members.filter(registered_community__isnull=not registered)
    if central_household is not None:
        members = members.filter(is_central_household=central_household)
    if name:
        members = members.filter(person__name__icontains=name)
    return members


def party_member_filter_options(user, community_code: str = "") -> dict[str, list]:
    """Choices for the roster filters, limited to what `user` may see: three queries at any size.

    Grids are offered for the chosen community, or for the whole scope when it is a community or
    smaller; a county has thousands of grids, which no drop-down can usefully hold.
    """
    from regions.models import Level
    from regions.selectors import regions_visible_to

    visible = regions_visible_to(user)
    root = scope_root(user)
    grids = visible.filter(level=Level.GRID)
    community = visible.filter(level=Level.COMMUNITY, code=community_code).first() if community_code else None
    if community is not None:
        grids = grids.filter(subtree_q(community))
    elif sees_everything(user) or root is None or root.level not in (Level.COMMUNITY, Level.GRID, Level.BUILDING):
        grids = grids.none()
    return {
        "communities": list(visible.filter(level=Level.COMMUNITY).order_by("code").only("code", "name")),
        "grids": list(grids.select_related("parent").order_by("code")),
        "branches": list(
            Organisation.objects.filter(pk__in=party_members_visible_to(user).values("branch_id"))
            .order_by("name").only("id", "name")
        ),
    }


def party_branches_for_registration(user) -> QuerySet[Organisation]:
    """Party organisations a manager may enter as a member's branch.

    Those placed in the manager's subtree, and those placed above it (county agency branches whose
    members register at a community under 双报到).
    """
    from regions.selectors import region_ancestors

    qs = Organisation.objects.active().filter(kind__in=PARTY_BRANCH_KINDS).select_related("region")
    if sees_everything(user):
        return qs.order_by("name")
    root = scope_root(user)
    if root is None:
        return qs.none()
    above = [region.pk for region in region_ancestors(root)]
    return qs.filter(subtree_q(root, "region__") | Q(region_id__in=above)).order_by("region__code", "name")


def person_positions(person: Person) -> QuerySet[Position]:
    """Every position `person` has held, newest first, with the organisation loaded."""
    return (
        Position.objects.active().filter(person=person).select_related("organisation")
        .order_by("-started_on", "organisation__name")
    )


def person_reveal_events(person: Person) -> QuerySet:
    """The audit rows of every reveal of `person`'s personal data, newest first."""
    from core.models import AuditEvent

    return AuditEvent.objects.filter(
        action=AuditEvent.Action.REVEAL, target_type=person._meta.label_lower, target_id=str(person.pk),
    ).order_by("-created_at", "-id")


def organisations_filtered(
    *, user, kind: str = "", region: Region | None = None, q: str = ""
) -> QuerySet[Organisation]:
    """Visible organisations of one kind, within `region`'s subtree, whose name contains `q`."""
    qs = organisations_visible_to(user).select_related("parent")
    if kind:
        qs = qs.filter(kind=kind)
    if region is not None:
        qs = qs.filter(subtree_q(region, "region__"))
    if q:
        qs = qs.filter(name__icontains=q)
    return qs


def organisation_name_taken(*, region: Region, name: str, exclude_pk: int | None = None) -> bool:
    """True when another organisation (archived ones included) already has `name` in `region`."""
    qs = Organisation.objects.filter(region=region, name=name)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _active_commitments() -> Prefetch:
    return Prefetch("commitments", queryset=PactCommitment.objects.active().order_by("side", "id"))


def _with_partner_visibility(pacts: QuerySet[Pact], user) -> QuerySet[Pact]:
    # A partner often sits above the reader's scope (a county agency); pages link it only when it opens.
    visible = organisations_visible_to(user).filter(pk=OuterRef("partner_id"))
    return pacts.annotate(partner_visible=Exists(visible))


def organisation_page(*, user, organisation: Organisation, day: dt.date | None = None) -> dict:
    """Everything the organisation's page shows, each list scoped to `user` and fetched in a fixed
    number of queries whatever its length."""
    registrations = agency_registrations_visible_to(user).order_by("community__code", "organisation__name")
    return {
        "children": organisations_visible_to(user).filter(parent=organisation).order_by("kind", "name"),
        "positions": positions_on(day).filter(organisation=organisation)
        .select_related("person").order_by("-is_leader", "started_on", "id"),
        "pacts": _with_partner_visibility(
            pacts_visible_to(user).filter(Q(community_organisation=organisation) | Q(partner=organisation)), user
        ).prefetch_related(_active_commitments()),
        "activities": activities_visible_to(user).filter(organisations=organisation)
        .prefetch_related(Prefetch("organisations", queryset=Organisation.objects.order_by("name"))),
        "facilities": facilities_visible_to(user).filter(host_organisation=organisation),
        "party_member_count": PartyMember.objects.active().filter(branch=organisation).count(),
        "registrations": registrations.filter(organisation=organisation),
        "registered_here": (
            registrations.filter(community=organisation.region)
            if organisation.kind == Organisation.Kind.COMMUNITY_PARTY else registrations.none()
        ),
    }


def pacts_with_progress(*, user, kind: str = "") -> QuerySet[Pact]:
    """Visible pacts, each with `commitment_count` and `fulfilled_count` of its active commitments."""
    active = Q(commitments__archived_at__isnull=True)
    qs = _with_partner_visibility(pacts_visible_to(user), user).annotate(
        commitment_count=Count("commitments", filter=active),
        fulfilled_count=Count("commitments", filter=active & Q(commitments__fulfilled=True)),
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-signed_on", "id")


def activities_filtered(*, user, kind: str = "", year: int | None = None) -> QuerySet[JointActivity]:
    """Visible joint activities of one kind and year, with their organisations prefetched."""
    qs = activities_visible_to(user).prefetch_related(
        Prefetch("organisations", queryset=Organisation.objects.order_by("name"))
    )
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(held_on__year=year)
    return qs.order_by("-held_on", "id")


def activity_years(*, user) -> list[int]:
    """The years in which visible joint activities took place, newest first."""
    return [day.year for day in activities_visible_to(user).dates("held_on", "year", order="DESC")]
