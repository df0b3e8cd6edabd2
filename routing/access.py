"""Who may ask for suggestions: the staff who take cases in (county, street, community staff and grid
workers) and unrestricted administrators."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import REGION_STAFF_ROLES
from cases.models import Case
from cases.selectors import cases_visible_to
from regions.models import Level, Region
from regions.selectors import regions_visible_to, scope_root, sees_everything, subtree_q

# The places a hot-spot view may be drawn for: a grid is too small to cluster.
HOT_SPOT_LEVELS = (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.STREET, Level.COMMUNITY)


def may_use_routing(user) -> bool:
    """Whether `user` may see category suggestions, likely duplicates and hot spots."""
    if not getattr(user, "is_authenticated", False):
        return False
    return sees_everything(user) or (user.role in REGION_STAFF_ROLES and user.region_id is not None)


def visible_region(user, *, code: str = "", pk: str = "") -> Region | None:
    """The region named by `code` or by `pk` if `user` may see it; None when absent or out of scope."""
    regions = regions_visible_to(user)
    if code:
        return regions.filter(code=code.strip()).first()
    if pk and pk.strip().isdigit():
        return regions.filter(pk=int(pk)).first()
    return None


def duplicate_scope(user) -> QuerySet[Case]:
    """The cases that may be offered to `user` as likely duplicates: those they may open, and only those
    under their own region (not, say, one they reported elsewhere), so a clerk never learns of cases
    outside their area."""
    visible = cases_visible_to(user)
    if sees_everything(user):
        return visible
    if user.region_id is None:
        return visible.none()
    return visible.filter(subtree_q(user.region, "region__"))


def hot_spot_places(user) -> QuerySet[Region]:
    """The regions `user` may draw hot spots for: those they may see, from the community up."""
    return regions_visible_to(user).filter(level__in=HOT_SPOT_LEVELS).order_by("code")


def hot_spot_root(user, code: str = "") -> Region | None:
    """The region named by `code` if `user` may draw hot spots for it; without a code, the top of their
    scope (the community of a grid worker, the first top-level region for an administrator). None when
    `code` names nothing they may see."""
    places = hot_spot_places(user)
    if code:
        return places.filter(code=code.strip()).first()
    root = scope_root(user)
    if root is not None and root.level not in HOT_SPOT_LEVELS:
        root = root.parent
    return root if root is not None else places.first()
