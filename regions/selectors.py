"""Reads of the region tree, and the scoping rule every other read builds on.

A user's scope is the subtree under one region: the region they are attached to (county, street,
community and grid staff), their organisation's region (department handlers) or the community they
registered at (party members). Residents have no region scope in the staff console.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import REGION_STAFF_ROLES, Role

from .models import CODE_LENGTHS, Facility, Level, Region


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


def level_of_code(code: str) -> str | None:
    for level, length in CODE_LENGTHS.items():
        if len(code) == length:
            return level
    return None


def communities_in(region: Region) -> QuerySet[Region]:
    return Region.objects.active().filter(subtree_q(region), level=Level.COMMUNITY)


def facilities_visible_to(user) -> QuerySet[Facility]:
    if sees_everything(user):
        return Facility.objects.active().select_related("region")
    root = scope_root(user)
    if root is None:
        return Facility.objects.none()
    return Facility.objects.active().filter(subtree_q(root, "region__")).select_related("region")
