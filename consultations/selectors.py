"""Reads of consultations: the staff's, scoped by their place in the region tree (out of scope does not
exist for them), and the residents', which see open and published consultations only, hidden comments
never."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from core.roles import REGION_STAFF_ROLES
from meetings.models import Body, Meeting
from meetings.selectors import bodies_visible_to, meetings_visible_to
from meetings.workflow import MeetingStatus
from regions.models import Facility
from regions.selectors import scope_root, sees_everything, subtree_q

from .models import Comment, Consultation, Opinion
from .workflow import REVIEW_BODY_KINDS, Status, allowed_actions

PUBLIC_STATUSES = (Status.OPEN, Status.PUBLISHED)


def consultations_visible_to(user) -> QuerySet[Consultation]:
    """Consultations of the regions in `user`'s scope (staff of a region, and those who see everything)."""
    qs = Consultation.objects.filter(archived_at__isnull=True).select_related("region", "facility", "review_meeting")
    if not user.is_authenticated:
        return qs.none()
    if sees_everything(user):
        return qs
    root = scope_root(user) if user.role in REGION_STAFF_ROLES else None
    return qs.none() if root is None else qs.filter(subtree_q(root, "region__"))


def with_counts(qs: QuerySet[Consultation]) -> QuerySet[Consultation]:
    """`qs` with each consultation's number of visible comments and of those not yet decided."""
    return qs.annotate(
        visible_comments=Count("comments", filter=Q(comments__hidden=False), distinct=True),
        undecided_comments=Count("comments", filter=Q(comments__hidden=False, comments__opinion__isnull=True),
                                 distinct=True),
    )


def consultation_actions(consultation: Consultation) -> list[str]:
    """The moves the table allows now."""
    return allowed_actions(consultation.status)


def comments_of(consultation: Consultation) -> QuerySet[Comment]:
    """Every comment, hidden ones too (staff moderate them), oldest first, with its opinion."""
    return consultation.comments.select_related("opinion", "hidden_by").order_by("created_at", "id")


def opinions_of(consultation: Consultation) -> QuerySet[Opinion]:
    """The decided opinions, each with its visible comments."""
    return consultation.opinions.prefetch_related(
        Prefetch("comments", Comment.objects.filter(hidden=False).order_by("created_at", "id"), to_attr="shown"),
    ).order_by("id")


def facilities_for(user) -> QuerySet[Facility]:
    """The facilities (阵地) a consultation of `user`'s may be about: those in their scope."""
    qs = Facility.objects.filter(archived_at__isnull=True).select_related("region").order_by("region__code", "name")
    if sees_everything(user):
        return qs
    root = scope_root(user)
    return qs.none() if root is None else qs.filter(subtree_q(root, "region__"))


def _enclosing(consultation: Consultation) -> list[str]:
    """The codes of the consultation's region and of the regions above it."""
    code = consultation.region.code
    return [code[:length] for length in range(len(code), 5, -3)]


def review_bodies(user, consultation: Consultation) -> QuerySet[Body]:
    """The bodies that may review `consultation`: the 居民代表会议 or 民情议事会 of its region or above."""
    return bodies_visible_to(user).filter(kind__in=REVIEW_BODY_KINDS, region__code__in=_enclosing(consultation))


def review_meetings(user, consultation: Consultation) -> QuerySet[Meeting]:
    """Meetings of those bodies that are not cancelled, newest first."""
    return (meetings_visible_to(user)
            .filter(body__kind__in=REVIEW_BODY_KINDS, body__region__code__in=_enclosing(consultation))
            .exclude(status=MeetingStatus.CANCELLED).order_by("-scheduled_at", "-id"))


# --------------------------------------------------------------------------------------------------
# The residents' pages
# --------------------------------------------------------------------------------------------------


def public_consultations() -> QuerySet[Consultation]:
    """What residents see: consultations open for comments and those whose outcome is published, the
    open ones first, newest first."""
    return (Consultation.objects.filter(archived_at__isnull=True, status__in=PUBLIC_STATUSES)
            .select_related("region", "facility").order_by("status", "-opens_on", "-id"))


def public_consultation(pk: int) -> Consultation | None:
    """One consultation a resident may open: any but a draft (a closed one says so, and waits for its outcome)."""
    return (Consultation.objects.filter(archived_at__isnull=True, pk=pk).exclude(status=Status.DRAFT)
            .select_related("region", "facility").first())


def public_comments(consultation: Consultation) -> QuerySet[Comment]:
    """The comments residents read: not hidden, oldest first."""
    return consultation.comments.filter(hidden=False).select_related("opinion").order_by("created_at", "id")
