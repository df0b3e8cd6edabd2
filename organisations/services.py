"""Writes on organisations, people, positions, party members, pacts and joint activities.

Every write goes through here: it validates, saves, and appends an audit row in one transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import Role
from core import pii
from core.services import record_archive, record_create, record_reveal, record_reveal_refused, record_update
from regions.models import Facility, Level, Region

from . import minors
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

# Roles that may reveal a person's masked personal data (always with a reason, always logged).
REVEAL_ROLES = {
    Role.COUNTY_STAFF, Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.DEPARTMENT_HANDLER,
}


def organisation_create(*, actor, **values: Any) -> Organisation:
    """Register an organisation of any kind at a place in the region tree."""
    return record_create(Organisation, actor=actor, **values)


def organisation_update(*, actor, organisation: Organisation, values: dict[str, Any]) -> Organisation:
    """Change an organisation's details and audit the change."""
    record_update(organisation, actor=actor, values=values)
    return organisation


def organisation_archive(*, actor, organisation: Organisation, reason: str = "") -> Organisation:
    """Archive an organisation (e.g. dissolved); it stays in history and in past figures."""
    return record_archive(organisation, actor=actor, reason=reason)


def _with_lookup_hashes(values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if "phone" in values:
        values["phone"] = (values["phone"] or "").strip()
        values["phone_hash"] = pii.lookup_hash(values["phone"])
    if "id_number" in values:
        values["id_number"] = pii.normalise(values["id_number"] or "")
        values["id_number_hash"] = pii.lookup_hash(values["id_number"])
        # The birth date decides whether someone is a child under 14: read it from the ID number
        # unless one was given.
        if not values.get("birth_date"):
            born = minors.birth_date_from_id_number(values["id_number"])
            if born is not None:
                values["birth_date"] = born
    return values


def person_find_by_id_number(id_number: str) -> Person | None:
    """The person with this ID number, found through its keyed hash (the column itself is encrypted)."""
    digest = pii.lookup_hash(id_number)
    if not digest:
        return None
    return Person.objects.filter(id_number_hash=digest).first()


def person_create(*, actor, **values: Any) -> Person:
    """Add a person; phone, ID number and address are encrypted at rest."""
    values = _with_lookup_hashes(values)
    if values.get("id_number_hash") and Person.objects.filter(id_number_hash=values["id_number_hash"]).exists():
        raise ValidationError({"id_number": "该身份证号已登记"})
    return record_create(Person, actor=actor, **values)


def person_update(*, actor, person: Person, values: dict[str, Any]) -> Person:
    """Change a person's details; personal data changes are audited without their values."""
    values = _with_lookup_hashes(values)
    digest = values.get("id_number_hash")
    if digest and Person.objects.filter(id_number_hash=digest).exclude(pk=person.pk).exists():
        raise ValidationError({"id_number": "该身份证号已登记"})
    record_update(person, actor=actor, values=values)
    return person


def person_may_reveal(user, person: Person) -> bool:
    """Whether `user` may reveal `person`'s personal data (with a reason): their own record always; a
    child under 14 only with the right `organisations.reveal_minor_data` besides a revealing role."""
    if user.person_id is not None and user.person_id == person.pk:
        return True
    allowed = user.role in REVEAL_ROLES or user.is_superuser
    if allowed and minors.is_minor(person):
        return minors.may_reveal_minor(user)
    return allowed


def _reveal_changes(person: Person, field: str) -> dict[str, str]:
    changes = {"field": field}
    if minors.is_minor(person):
        changes["sensitive"] = minors.SENSITIVE_MARK
    return changes


def person_reveal_refused(*, actor, person: Person, field: str) -> PermissionDenied:
    """Log a refused reveal (marked sensitive for a minor) and return the exception to raise.

    Called outside any transaction, so that raising the exception cannot roll the record back.
    """
    message = ("该人员未满 14 周岁，其个人信息仅限经授权的人员查看" if minors.is_minor(person)
               else "无权查看该人员的个人信息")
    return record_reveal_refused(actor=actor, target=person, changes=_reveal_changes(person, field), message=message)


def person_reveal(*, actor, person: Person, field: str, reason: str) -> str:
    """The unmasked value of one personal-data field, written to the audit log with the reason.

    The caller has already found `person` through `people_visible_to(actor)`; this checks the role
    (`person_may_reveal`) and that a reason was given. A refusal is logged too; the reveal of a
    child's data is logged marked `sensitive`.
    """
    if field not in pii.MASKERS:
        raise ValidationError({"field": "不支持查看该字段"})
    if not person_may_reveal(actor, person):
        raise person_reveal_refused(actor=actor, person=person, field=field)
    record_reveal(actor=actor, target=person, reason=reason, changes=_reveal_changes(person, field))
    return getattr(person, field) or ""


def position_assign(
    *, actor, person: Person, organisation: Organisation, title: str, started_on: dt.date, is_leader: bool = False,
    ended_on: dt.date | None = None,
) -> Position:
    """Record that `person` holds `title` in `organisation` from `started_on`."""
    return record_create(
        Position, actor=actor, person=person, organisation=organisation, title=title,
        started_on=started_on, ended_on=ended_on, is_leader=is_leader,
    )


def position_end(*, actor, position: Position, ended_on: dt.date) -> Position:
    """Close a position on `ended_on`; the record stays, so past cross-appointments remain visible."""
    record_update(position, actor=actor, values={"ended_on": ended_on})
    return position


def _check_member_places(values: dict[str, Any]) -> None:
    community = values.get("registered_community")
    grid = values.get("grid")
    errors = {}
    if community is not None and community.level != Level.COMMUNITY:
        errors["registered_community"] = "报到社区必须是社区一级"
    if grid is not None and grid.level != Level.GRID:
        errors["grid"] = "所在网格必须是网格一级"
    if grid is not None and community is not None and not community.contains(grid):
        errors["grid"] = "所在网格不在报到社区内"
    if community is not None and not values.get("registered_on"):
        errors["registered_on"] = "已报到的党员须填写报到日期"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def party_member_register(*, actor, person: Person, **values: Any) -> PartyMember:
    """Enter a person on the party-member roster with their branch and, if any, 双报到 community."""
    _check_member_places(values)
    return record_create(PartyMember, actor=actor, person=person, **values)


@transaction.atomic
def party_member_update(*, actor, member: PartyMember, values: dict[str, Any]) -> PartyMember:
    """Change a party member's branch, registration, grid or flags."""
    merged = {
        "registered_community": member.registered_community, "grid": member.grid,
        "registered_on": member.registered_on, **values,
    }
    _check_member_places(merged)
    record_update(member, actor=actor, values=values)
    return member


def agency_registration_create(
    *, actor, organisation: Organisation, community: Region, registered_on: dt.date
) -> AgencyRegistration:
    """组织报到: an agency party organisation registers at a community."""
    if community.level != Level.COMMUNITY:
        raise ValidationError({"community": "报到对象必须是社区"})
    return record_create(
        AgencyRegistration, actor=actor, organisation=organisation, community=community, registered_on=registered_on
    )


@transaction.atomic
def pact_create(
    *, actor, community_organisation: Organisation, partner: Organisation, kind: str, signed_on: dt.date,
    ends_on: dt.date | None = None, commitments: list[tuple[str, str]] = (),
) -> Pact:
    """Sign a joint-building pact; `commitments` are (side, content) pairs written into it."""
    if community_organisation.kind != Organisation.Kind.COMMUNITY_PARTY:
        raise ValidationError({"community_organisation": "联建协议的一方必须是社区党组织"})
    if partner.pk == community_organisation.pk:
        raise ValidationError({"partner": "联建单位不能是社区党组织本身"})
    if kind == Pact.Kind.PROPERTY_JOINT_BUILDING and partner.kind != Organisation.Kind.PROPERTY_COMPANY:
        raise ValidationError({"partner": "物业党建联建的联建单位必须是物业企业"})
    if ends_on is not None and ends_on < signed_on:
        raise ValidationError({"ends_on": "到期日期不能早于签订日期"})
    pact = record_create(
        Pact, actor=actor, community_organisation=community_organisation, partner=partner, kind=kind,
        signed_on=signed_on, ends_on=ends_on,
    )
    for side, content in commitments:
        record_create(PactCommitment, actor=actor, pact=pact, side=side, content=content)
    return pact


@transaction.atomic
def joint_activity_create(
    *, actor, title: str, kind: str, held_on: dt.date, community: Region, organisations: list[Organisation],
    venue: Facility | None = None, pact: Pact | None = None, participants: list[Person] = (),
    participant_count: int = 0, summary: str = "",
) -> JointActivity:
    """Record a joint activity held in `community` with the participating organisations."""
    if community.level != Level.COMMUNITY:
        raise ValidationError({"community": "活动举办地必须是社区"})
    if venue is not None and not community.contains(venue.region) and not venue.region.contains(community):
        raise ValidationError({"venue": "活动场地不在该社区内"})
    if not organisations:
        raise ValidationError({"organisations": "请至少选择一个参加组织"})
    activity = record_create(
        JointActivity, actor=actor, title=title, kind=kind, held_on=held_on, community=community, venue=venue,
        pact=pact, participant_count=max(participant_count, len(participants)), summary=summary,
    )
    activity.organisations.set(organisations)
    if participants:
        activity.participants.set(participants)
    return activity
