"""Writes on cases: intake, and one service per edge of the transition table in `cases.workflow`.

Every transition service takes keyword-only arguments, among them `actor` (a user, or None for a
resident holding a tracking code) and `expected_version` (the version the caller read), and:

1. bumps the case's version with a compare-and-swap UPDATE … WHERE id = … AND version = …, as the
   very first statement of its transaction: a caller holding an old version gets `StaleVersion`, and
   of two concurrent moves exactly one wins, on SQLite and PostgreSQL alike, across processes;
2. finds the edge for the action from the current status (`TransitionNotAllowed` if there is none);
3. checks the actor against the edge's `who` (`PermissionDenied`);
4. validates the inputs (`ValidationError` with Chinese messages keyed by field);
5. writes the change, its `CaseEvent` (and `ReporterNotice` when the edge tells the reporters) and an
   `AuditEvent`, all in the same transaction; `case_changed` is sent once it has committed.

Each returns the case as it stands afterwards, with its new `version`.

One module per section of the table: `intake`, `registration` (立案, 不予受理, 合并), `dispatch`
(派遣, 报到, 退回, 裁定), `handling` (延期, 办理记录, 答复), `closing` (核查, 返工, 结案, 评价), `meetings`
(上会, 恢复办理), `whistles` (吹哨, 报到, 评分), `owner` (首问责任), `contact` (回访: the logged phone
reveal), on the shared plumbing of `_base` and `photos`. Callers import from `cases.services`, never
from a section.
"""

from __future__ import annotations

from collections.abc import Callable

from ..models import Case
from ..workflow import StaleVersion, TransitionNotAllowed
from ._base import (
    CASE_LEVELS,
    MAX_PHOTO_BYTES,
    MAX_PHOTOS_PER_CASE,
    TITLE_MAX_LENGTH,
    TRACKING_ALPHABET,
    TRACKING_LENGTH,
)
from .closing import (
    CLOSE_CHECKS,
    case_close,
    case_rate,
    case_rework,
    case_verify,
    close_check_register,
    unsatisfied_escalation_meeting,
)
from .contact import CONTACT_FIELD, case_contact_reveal, case_contact_reveal_refused
from .dispatch import (
    ASSIGNABLE_FACILITY_KINDS,
    AssigneeSpec,
    case_accept,
    case_arbitrate,
    case_dispatch,
    case_return,
    serves_case_place,
)
from .handling import case_grant_extension, case_note, case_refuse_extension, case_reply, case_request_extension
from .intake import case_submit, new_tracking_code
from .meetings import (
    AGENDA_HOOKS,
    RESUME_DECISIONS,
    AgendaHook,
    agenda_hook_register,
    case_escalate,
    case_resume,
    escalation_meetings,
)
from .owner import case_transfer_owner
from .photos import CleanPhoto, read_photo, sniff_image
from .registration import case_classify, case_merge, case_reject
from .whistles import case_report_in, case_score, case_whistle, whistle_report_in_minutes

__all__ = [
    "AGENDA_HOOKS",
    "AgendaHook",
    "agenda_hook_register",
    "escalation_meetings",
    "CleanPhoto",
    "read_photo",
    "CLOSE_CHECKS",
    "CONTACT_FIELD",
    "close_check_register",
    "ASSIGNABLE_FACILITY_KINDS",
    "AssigneeSpec",
    "CASE_LEVELS",
    "MAX_PHOTOS_PER_CASE",
    "MAX_PHOTO_BYTES",
    "RESUME_DECISIONS",
    "StaleVersion",
    "TITLE_MAX_LENGTH",
    "TRACKING_ALPHABET",
    "TRACKING_LENGTH",
    "TRANSITIONS",
    "TransitionNotAllowed",
    "case_accept",
    "case_arbitrate",
    "case_classify",
    "case_close",
    "case_contact_reveal",
    "case_contact_reveal_refused",
    "case_dispatch",
    "case_escalate",
    "case_grant_extension",
    "case_merge",
    "case_note",
    "case_rate",
    "case_refuse_extension",
    "case_reject",
    "case_reply",
    "case_report_in",
    "case_request_extension",
    "case_resume",
    "case_return",
    "case_rework",
    "case_score",
    "case_submit",
    "case_transfer_owner",
    "case_verify",
    "case_whistle",
    "new_tracking_code",
    "serves_case_place",
    "sniff_image",
    "unsatisfied_escalation_meeting",
    "whistle_report_in_minutes",
]

# Every action of the table and the service that takes it (the API dispatches through this).
TRANSITIONS: dict[str, Callable[..., Case]] = {
    "classify": case_classify,
    "reject": case_reject,
    "merge": case_merge,
    "dispatch": case_dispatch,
    "accept": case_accept,
    "return": case_return,
    "arbitrate": case_arbitrate,
    "request_extension": case_request_extension,
    "grant_extension": case_grant_extension,
    "refuse_extension": case_refuse_extension,
    "note": case_note,
    "reply": case_reply,
    "verify": case_verify,
    "rework": case_rework,
    "close": case_close,
    "rate": case_rate,
    "escalate": case_escalate,
    "resume": case_resume,
    "whistle": case_whistle,
    "report_in": case_report_in,
    "score": case_score,
    "transfer_owner": case_transfer_owner,
}
