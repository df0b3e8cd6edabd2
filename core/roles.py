"""The roles a user may hold, and the groups of them that scope rules are written against.

Kept free of every project import so that regions, organisations and accounts can all read it.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    COUNTY_STAFF = "county_staff", "县级工作人员"
    STREET_STAFF = "street_staff", "街道工作人员"
    COMMUNITY_STAFF = "community_staff", "社区工作人员"
    GRID_WORKER = "grid_worker", "网格员"
    DEPARTMENT_HANDLER = "department_handler", "部门经办人"
    PARTY_MEMBER = "party_member", "党员"
    RESIDENT = "resident", "居民"
    # Reads and exports the audit log and nothing else: no region scope, no personal data.
    AUDITOR = "auditor", "审计员"


# Roles whose scope is the subtree of the region they are attached to.
REGION_STAFF_ROLES = (Role.COUNTY_STAFF, Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_WORKER)

# Everyone who works a case from the console: region staff and department handlers.
STAFF_ROLES = frozenset({*REGION_STAFF_ROLES, Role.DEPARTMENT_HANDLER})
