"""Who may change what. Reads are scoped by the selectors; writes are decided here, in one place."""

from __future__ import annotations

from core.roles import Role

from .models import Region
from .selectors import scope_root, sees_everything

# Staff who run a place: they may create and change records in their own subtree.
MANAGER_ROLES = (Role.COUNTY_STAFF, Role.STREET_STAFF, Role.COMMUNITY_STAFF)


def can_manage_region(user, region: Region | None) -> bool:
    """True when `user` may create or change records placed at `region` (or anywhere in scope if None)."""
    if not user.is_authenticated:
        return False
    if sees_everything(user):
        return True
    if user.role not in MANAGER_ROLES:
        return False
    root = scope_root(user)
    if root is None:
        return False
    return region is None or root.contains(region)


def can_import_rosters(user) -> bool:
    """Spreadsheet imports of rosters and organisations: managers only."""
    return can_manage_region(user, None)


# Staff who may take a (masked) roster out as a spreadsheet: everyone who works a place or a department.
EXPORT_ROLES = (Role.COUNTY_STAFF, Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.DEPARTMENT_HANDLER)


def can_export_rosters(user) -> bool:
    """Spreadsheet exports of rosters and organisations (personal data masked): staff roles."""
    if not user.is_authenticated:
        return False
    return sees_everything(user) or user.is_superuser or (user.role in EXPORT_ROLES and scope_root(user) is not None)
