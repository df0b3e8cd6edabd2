"""Reads of bodies, meetings and matters, scoped by the reader's place in the region tree: staff see
what sits in their subtree, and nothing else exists for them."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.roles import REGION_STAFF_ROLES
from organisations.models import Organisation
from regions.selectors import scope_root, sees_everything, subtree_q

from .models import Body, Matter, MatterStep, Meeting, ResolutionTask, RollMember
from .workflow import DISCLOSURE_ACTIONS, matter_allowed_actions, meeting_allowed_actions


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
    return step.matter.steps.filter(action="resolve").select_related("meeting").first()
