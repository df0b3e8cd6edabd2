"""Notifications hooked to the case workflow: each committed move is announced at once.

`cases.signals.case_changed` is sent after the transaction of a move has committed, so a rolled-back
move never notifies anyone. A failure here must not fail the move (it is already done): it is logged,
and `run_clocks` reads the same events again from the log.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar

from django.utils import timezone

from cases.workflow import TABLE

from .services import EVENT_RULES, events_for_notification, notify_for_event

logger = logging.getLogger("gongzhi.notifications")

_muted: ContextVar[bool] = ContextVar("notifications_muted", default=False)


@contextlib.contextmanager
def muted() -> Iterator[None]:
    """Announce nothing on commit while the block runs: for writing history (a demo's past year).

    `run_clocks` still reads those events from the log later, and tells nobody of the ones older than
    `EVENT_MAX_AGE` by then.
    """
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


# The moves that can tell anyone anything: those a rule listens to, and those whose edge writes a notice
# to the reporters. Any other move (taking a case in, 立案, a note …) returns before touching the database.
NOTIFYING_ACTIONS = frozenset(EVENT_RULES) | frozenset(edge.action for edge in TABLE if edge.notice)


def on_case_changed(sender, *, case_id: int, action: str, event_ids: list[int], **kwargs) -> None:
    """Run `notify_for_event` over the events one case move wrote (unless `muted`, or the move is one
    that never notifies)."""
    if _muted.get() or action not in NOTIFYING_ACTIONS or not event_ids:
        return
    try:
        now = timezone.now()
        for event in events_for_notification().filter(pk__in=event_ids).order_by("pk"):
            notify_for_event(event, now=now)
    except Exception:
        logger.exception("通知发送失败（事项 %s，动作 %s），将由 run_clocks 补发", case_id, action)
