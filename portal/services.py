"""Writes from the residents' pages: each hands over to the case services with the portal's rules.

The portal speaks for the public. A signed-in resident acts in person (the case is then linked to
their account); anyone else on these pages, staff included, acts as an anonymous resident, so a
report made here never becomes a staff intake by accident.
"""

from __future__ import annotations

from typing import Any

from accounts.models import Role, User
from cases.models import Case, Channel
from cases.services import case_rate, case_submit


def portal_actor(user: Any) -> User | None:
    """The account a resident acts with on the portal: their own if they are a signed-in resident."""
    if getattr(user, "is_authenticated", False) and user.role == Role.RESIDENT:
        return user
    return None


def report_submit(*, user: Any, data: dict[str, Any], region_code: str) -> tuple[Case, bool]:
    """Take in a web report from the cleaned report form; `(case, created)` as `case_submit` answers.

    The form's idempotency key goes with it, so a second click on 提交 returns the first case.
    """
    return case_submit(
        actor=portal_actor(user), channel=Channel.WEB, kind=data["kind"], title=data["title"],
        description=data["description"], region=region_code, request_type=data.get("request_type") or "",
        category=data.get("category") or None, address=data.get("address") or "",
        contact_name=data["contact_name"], contact_phone=data["contact_phone"],
        public_anonymous=bool(data.get("public_anonymous")), target_group=data.get("target_group") or "",
        idempotency_key=data["idempotency_key"], photos=data.get("photos") or [],
    )


def report_rate(*, user: Any, case: Case, code: str, version: int, result: str, comment: str) -> Case:
    """The reporter's rating of a closed case, proven by the tracking code they hold."""
    return case_rate(
        case=case, actor=portal_actor(user), expected_version=version, result=result, comment=comment,
        tracking_code=code,
    )
