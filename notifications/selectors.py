"""Reads for notifications: a user's inbox, and who should hear about a case.

The recipient rules follow the roles of the case workflow:
- a body an assignment names acts through the handlers of its organisation; a service station through
  the handlers of the organisation hosting it (or, without a host, the staff of the case's community);
  a helper party member in person;
- a case's 首问责任人 hears about what its bodies do; while a case has no owner, the community staff
  of its community hear it instead;
- the street staff of the case's street hear about overdue assignments.
Only active accounts are ever chosen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse

from accounts.models import Role, User
from cases.models import Assignment, Case
from regions.models import CODE_LENGTHS, Level

from .models import Notification

COMMUNITY_CODE_LENGTH = CODE_LENGTHS[Level.COMMUNITY]
STREET_CODE_LENGTH = CODE_LENGTHS[Level.STREET]


def inbox_for(user: User) -> QuerySet[Notification]:
    """`user`'s notifications, newest first, with their case joined (empty for anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).select_related("case").order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    """How many of `user`'s notifications are still unread."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def case_url(case_id: int | None) -> str:
    """The staff page of a case, or "" when there is no case or no such page is installed."""
    if case_id is None:
        return ""
    try:
        return reverse("cases:detail", args=[case_id])
    except NoReverseMatch:
        return ""


def _active_users() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("pk")


def handlers_by_organisation(organisation_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active department handlers of each organisation, in one query."""
    ids = {pk for pk in organisation_ids if pk is not None}
    result: dict[int, list[User]] = defaultdict(list)
    if ids:
        for user in _active_users().filter(role=Role.DEPARTMENT_HANDLER, organisation_id__in=ids):
            result[user.organisation_id].append(user)
    return result


def staff_by_region_code(role: str, codes: Iterable[str]) -> dict[str, list[User]]:
    """The active users of `role` attached to each of the regions with `codes`, in one query."""
    wanted = {code for code in codes if code}
    result: dict[str, list[User]] = defaultdict(list)
    if wanted:
        for user in _active_users().filter(role=role, region__code__in=wanted).select_related("region"):
            result[user.region.code].append(user)
    return result


def community_code(case: Case) -> str:
    return case.region.code[:COMMUNITY_CODE_LENGTH]


def street_code(case: Case) -> str:
    return case.region.code[:STREET_CODE_LENGTH]


def assignee_recipients(assignments: Iterable[Assignment]) -> dict[int, list[User]]:
    """Who acts for each assignment's body, keyed by assignment id (a few queries for any number)."""
    assignments = list(assignments)
    org_ids = set()
    community_codes = set()
    person_ids = set()
    for assignment in assignments:
        if assignment.organisation_id is not None:
            org_ids.add(assignment.organisation_id)
        elif assignment.facility_id is not None:
            if assignment.facility.host_organisation_id is not None:
                org_ids.add(assignment.facility.host_organisation_id)
            else:
                community_codes.add(community_code(assignment.case))
        elif assignment.party_member_id is not None:
            person_ids.add(assignment.party_member.person_id)
    handlers = handlers_by_organisation(org_ids)
    community_staff = staff_by_region_code(Role.COMMUNITY_STAFF, community_codes)
    people: dict[int, list[User]] = defaultdict(list)
    if person_ids:
        for user in _active_users().filter(person_id__in=person_ids):
            people[user.person_id].append(user)
    result: dict[int, list[User]] = {}
    for assignment in assignments:
        if assignment.organisation_id is not None:
            result[assignment.pk] = handlers.get(assignment.organisation_id, [])
        elif assignment.facility_id is not None:
            host = assignment.facility.host_organisation_id
            result[assignment.pk] = (
                handlers.get(host, []) if host is not None else community_staff.get(community_code(assignment.case), [])
            )
        else:
            result[assignment.pk] = people.get(assignment.party_member.person_id, [])
    return result


def owner_recipients(cases: Iterable[Case]) -> dict[int, list[User]]:
    """Each case's 首问责任人, or its community's staff while it has no (active) owner; keyed by case id."""
    cases = list(cases)
    orphans = {community_code(case) for case in cases if case.owner_id is None or not case.owner.is_active}
    community_staff = staff_by_region_code(Role.COMMUNITY_STAFF, orphans)
    result: dict[int, list[User]] = {}
    for case in cases:
        if case.owner_id is not None and case.owner.is_active:
            result[case.pk] = [case.owner]
        else:
            result[case.pk] = community_staff.get(community_code(case), [])
    return result


def street_staff_for(cases: Iterable[Case]) -> dict[int, list[User]]:
    """The street staff of each case's street, keyed by case id."""
    cases = list(cases)
    staff = staff_by_region_code(Role.STREET_STAFF, {street_code(case) for case in cases})
    return {case.pk: staff.get(street_code(case), []) for case in cases}
