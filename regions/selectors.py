"""Reads of the region tree, and the scoping rule every other read builds on.

A user's scope is the subtree under one region: the region they are attached to (county, street,
community and grid staff), their organisation's region (department handlers) or the community they
registered at (party members). Residents have no region scope in the staff console.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from core.roles import REGION_STAFF_ROLES, Role

from .models import CODE_LENGTHS, Facility, Region


def subtree_q(region: Region, field: str = "") -> Q:
    """Rows whose region (reached through `field`, e.g. "region__") lies in `region`'s subtree.

    One range condition on the indexed code column, so it stays a single indexed query at any depth.
    """
    return Q(**{f"{field}code__gte": region.code, f"{field}code__lt": region.subtree_upper_bound})


def scope_root(user) -> Region | None:
    """The region at the top of what `user` may see, or None when they see no region."""
    if not user.is_authenticated:
        return None
    if user.is_superuser and user.region_id is None:
        return None
    if user.role in REGION_STAFF_ROLES:
        return user.region
    if user.role == Role.DEPARTMENT_HANDLER and user.organisation_id:
        return user.organisation.region
    if user.role == Role.PARTY_MEMBER and user.person_id:
        member = getattr(user.person, "party_member", None)
        if member is not None and member.registered_community_id:
            return member.registered_community
        return user.region
    return None


def sees_everything(user) -> bool:
    """Superusers not tied to a region administer the whole installation."""
    return user.is_authenticated and user.is_superuser and user.region_id is None


def regions_visible_to(user) -> QuerySet[Region]:
    """Every region `user` may open: their scope root and all below it."""
    if sees_everything(user):
        return Region.objects.active()
    root = scope_root(user)
    if root is None:
        return Region.objects.none()
    return Region.objects.active().filter(subtree_q(root))


def region_children(*, user, parent: Region | None) -> QuerySet[Region]:
    """The visible children of `parent`, or the user's scope root(s) when `parent` is None."""
    visible = regions_visible_to(user)
    if parent is None:
        root = scope_root(user)
        if root is not None:
            return visible.filter(pk=root.pk)
        return visible.filter(parent__isnull=True)
    return visible.filter(parent=parent).order_by("code")


def region_ancestors(region: Region) -> list[Region]:
    """The chain from the top of the tree down to `region` (inclusive), in one query."""
    prefixes = [region.code[:length] for length in CODE_LENGTHS.values() if length <= len(region.code)]
    return list(Region.objects.filter(code__in=prefixes).order_by("code"))


def facilities_visible_to(user) -> QuerySet[Facility]:
    if sees_everything(user):
        return Facility.objects.active().select_related("region")
    root = scope_root(user)
    if root is None:
        return Facility.objects.none()
    return Facility.objects.active().filter(subtree_q(root, "region__")).select_related("region")


# Named groups of facility kinds that the console lists together.
FACILITY_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "stations": ("服务站", (
        Facility.Kind.VOLUNTEER_STATION, Facility.Kind.LEGAL_STATION, Facility.Kind.LABOUR_STATION,
        Facility.Kind.WOMEN_CHILDREN_HOME, Facility.Kind.ELDERLY_UNIVERSITY,
    )),
    "rooms": ("接待室与调解室", (Facility.Kind.RECEPTION_ROOM, Facility.Kind.MEDIATION_ROOM)),
}


def has_console_scope(user) -> bool:
    """True when `user` has a region scope at all; without one every console page answers 404."""
    return sees_everything(user) or scope_root(user) is not None


def region_visible_by_code(*, user, code: str) -> Region | None:
    """The region with `code` if `user` may open it; None both when it is absent and out of scope."""
    return regions_visible_to(user).filter(code=code).first()


def region_visible_ancestors(*, user, region: Region) -> list[Region]:
    """Breadcrumbs for `region`: its ancestors, cut at the top of what `user` may see."""
    chain = region_ancestors(region)
    if sees_everything(user):
        return chain
    root = scope_root(user)
    if root is None:
        return []
    return [node for node in chain if root.contains(node)]


def region_children_with_counts(*, user, parent: Region | None) -> QuerySet[Region]:
    """`region_children`, each annotated with `child_count` so the tree knows which nodes expand."""
    return region_children(user=user, parent=parent).annotate(
        child_count=Count("children", filter=Q(children__archived_at__isnull=True))
    )


def facility_kind_counts(*, user, region: Region) -> list[dict]:
    """How many visible facilities of each kind lie in `region`'s subtree, in the order kinds are declared."""
    counts = dict(
        facilities_visible_to(user).filter(subtree_q(region, "region__"))
        .order_by().values_list("kind").annotate(count=Count("id"))
    )
    return [
        {"kind": kind, "label": label, "count": counts[kind]}
        for kind, label in Facility.Kind.choices if counts.get(kind)
    ]


def facilities_filtered(
    *, user, kind: str = "", group: str = "", region: Region | None = None
) -> QuerySet[Facility]:
    """Visible facilities of one kind or group, optionally within `region`'s subtree, with their host."""
    qs = facilities_visible_to(user).select_related("region", "host_organisation")
    if kind:
        qs = qs.filter(kind=kind)
    if group in FACILITY_GROUPS:
        qs = qs.filter(kind__in=FACILITY_GROUPS[group][1])
    if region is not None:
        qs = qs.filter(subtree_q(region, "region__"))
    return qs
