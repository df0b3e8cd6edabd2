"""Who an actor is to one case: the `Who` kinds the transition table names, decided in one place."""

from __future__ import annotations

from accounts.models import REGION_STAFF_ROLES, Role
from regions.permissions import MANAGER_ROLES
from regions.selectors import scope_root, sees_everything

from .assignment_workflow import ASSIGNMENT_LIVE
from .models import Assignment, Case, CaseReporter, WhistleSummons
from .workflow import Who

STREET_ROLES = (Role.STREET_STAFF, Role.COUNTY_STAFF)


def normalise_tracking_code(code: str) -> str:
    """Upper-case, without spaces or dashes, as residents may type it."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _in_scope(user, case: Case) -> bool:
    root = scope_root(user)
    return root is not None and case.region.code.startswith(root.code)


def is_case_staff(user, case: Case) -> bool:
    """Community, street or county staff whose region contains the case (or an unrestricted superuser)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if sees_everything(user):
        return True
    return user.role in MANAGER_ROLES and _in_scope(user, case)


def is_assignee(user, assignment: Assignment | None) -> bool:
    """Whether `user` acts for the body `assignment` names.

    An organisation acts through its own handlers. A service station acts through the handlers of
    the organisation hosting it, or through the community staff who run it. A helper party member
    acts in person, or through community staff entering what they report.
    """
    if assignment is None or not getattr(user, "is_authenticated", False):
        return False
    if assignment.organisation_id is not None:
        return user.role == Role.DEPARTMENT_HANDLER and user.organisation_id == assignment.organisation_id
    if assignment.facility_id is not None:
        host = assignment.facility.host_organisation_id
        if host is not None and user.role == Role.DEPARTMENT_HANDLER and user.organisation_id == host:
            return True
        return is_case_staff(user, assignment.case)
    if user.person_id is not None and assignment.party_member.person_id == user.person_id:
        return True
    return is_case_staff(user, assignment.case)


def is_summoned(user, case: Case, summons: WhistleSummons | None = None) -> bool:
    """Whether `user` handles for a department summoned on `case` (to that `summons` when given)."""
    if not getattr(user, "is_authenticated", False) or user.role != Role.DEPARTMENT_HANDLER:
        return False
    if summons is not None:
        return summons.organisation_id == user.organisation_id
    return WhistleSummons.objects.filter(whistle__case=case, organisation_id=user.organisation_id).exists()


def is_reporter(user, case: Case, tracking_code: str | None = None) -> bool:
    """Whether the actor reported `case`: by their account, or by holding the tracking code of it or of a
    case merged into it."""
    if tracking_code:
        code = normalise_tracking_code(tracking_code)
        if code and CaseReporter.objects.filter(case=case, origin_case__tracking_code=code).exists():
            return True
    if getattr(user, "is_authenticated", False):
        if case.reporter_user_id == user.pk:
            return True
        return CaseReporter.objects.filter(case=case, user=user).exists()
    return False


def actor_kinds(
    user, case: Case, *, assignment: Assignment | None = None, summons: WhistleSummons | None = None,
    tracking_code: str | None = None, wanted: frozenset[Who] | None = None,
) -> set[Who]:
    """The kinds `user` is to `case`; only those in `wanted` are checked when it is given (fewer queries)."""
    wanted = wanted if wanted is not None else frozenset(Who)
    kinds: set[Who] = set()
    authenticated = getattr(user, "is_authenticated", False)
    staff = is_case_staff(user, case)
    if Who.STAFF in wanted and staff:
        kinds.add(Who.STAFF)
    if Who.STREET in wanted and authenticated and (
        sees_everything(user) or (user.role in STREET_ROLES and _in_scope(user, case))
    ):
        kinds.add(Who.STREET)
    if Who.REGION_STAFF in wanted and authenticated and (
        sees_everything(user) or (user.role in REGION_STAFF_ROLES and _in_scope(user, case))
    ):
        kinds.add(Who.REGION_STAFF)
    if Who.OWNER in wanted and authenticated and case.owner_id == user.pk:
        kinds.add(Who.OWNER)
    if Who.ASSIGNEE in wanted and is_assignee(user, assignment):
        kinds.add(Who.ASSIGNEE)
    if Who.SUMMONED in wanted and is_summoned(user, case, summons):
        kinds.add(Who.SUMMONED)
    if Who.REPORTER in wanted and is_reporter(user, case, tracking_code):
        kinds.add(Who.REPORTER)
    return kinds


def sees_internal_detail(user, case: Case) -> bool:
    """Whether `user` sees a case's assignments, whistles, staff names and handling notes.

    Decided by the user's relation to the case, not by role: staff whose area holds it (grid workers
    included), a body it was assigned to, a department summoned by its whistle. Whoever only reported
    the case — a resident, a party member, staff of another place — sees the public view.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if sees_everything(user):
        return True
    if user.role in REGION_STAFF_ROLES and user.region_id is not None and case.region.code.startswith(
        user.region.code
    ):
        return True
    assignments = case.assignments.select_related("facility")
    if any(is_assignee(user, assignment) for assignment in assignments):
        return True
    return (
        user.role == Role.DEPARTMENT_HANDLER and user.organisation_id is not None
        and WhistleSummons.objects.filter(whistle__case=case, organisation_id=user.organisation_id).exists()
    )


def may_reveal_contact(user, case: Case) -> bool:
    """Whether `user` may see the reporter's phone on `case` whole (with a reason, logged) to call them back:
    its 首问责任人, staff whose area holds it (grid workers included), and the handlers of an organisation
    the case is assigned to while that assignment is live (not returned or withdrawn)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if sees_everything(user) or case.owner_id == user.pk:
        return True
    if user.role in REGION_STAFF_ROLES and _in_scope(user, case):
        return True
    if user.role == Role.DEPARTMENT_HANDLER and user.organisation_id is not None:
        return case.assignments.filter(
            organisation_id=user.organisation_id, status__in=ASSIGNMENT_LIVE
        ).exists()
    return False
