"""Routing hooked to the case workflow, after each move has committed.

A new case gets its suggestion recorded (and is classified automatically when a trained model is
sure enough); a classified case settles its pending suggestion with the category chosen. A failure
here never fails the move, which is already done: it is logged. Writing history in bulk (a demo's
past year) can switch this off with `muted()`.

A case taken in by staff (the counter page, which showed the suggestions before submitting) gets its
suggestion here, at once. A case reported by a resident, anonymously or by another non-staff account
is left, when `GONGZHI_ROUTING_INTAKE_FOLLOWUP` is on (the default), to `manage.py routing_followup`,
which finds received cases without a suggestion a moment later: the reporter's request does not wait
for the model and the duplicates search.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar

from . import conf

logger = logging.getLogger("gongzhi.routing")

_muted: ContextVar[bool] = ContextVar("routing_muted", default=False)


@contextlib.contextmanager
def muted() -> Iterator[None]:
    """Record no suggestions and classify nothing automatically while the block runs."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def on_case_changed(sender, *, case_id: int, action: str, event_ids: list[int], **kwargs) -> None:
    """Receiver of `cases.signals.case_changed`: suggest on intake, settle on classification."""
    if _muted.get() or action not in ("submit", "classify") or not conf.on_intake():
        return
    from .services import settle_after_classify, suggest_on_intake

    try:
        if action == "submit":
            case = kwargs.get("case")
            if case is not None and conf.intake_followup() and not _taken_in_by_staff(case):
                return
            suggest_on_intake(case_id, case=case)
        else:
            settle_after_classify(case_id, event_ids)
    except Exception:
        logger.exception("分类建议处理失败（事项 %s，动作 %s）", case_id, action)


def _taken_in_by_staff(case) -> bool:
    """Whether a staff member (or an administrator) entered `case`, rather than its reporter."""
    clerk = case.created_by
    return clerk is not None and (clerk.is_region_staff or clerk.is_superuser)
