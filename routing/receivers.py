"""Routing hooked to the case workflow, after each move has committed.

A new case gets its suggestion recorded (and is classified automatically when a trained model is
sure enough); a classified case settles its pending suggestion with the category chosen. A failure
here never fails the move, which is already done: it is logged. Writing history in bulk (a demo's
past year) can switch this off with `muted()`.
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
            suggest_on_intake(case_id)
        else:
            settle_after_classify(case_id, event_ids)
    except Exception:
        logger.exception("分类建议处理失败（事项 %s，动作 %s）", case_id, action)
