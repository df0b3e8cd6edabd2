"""Text messages: the interface a gateway implements, and the default backend that only logs.

A real gateway plugs in by settings: `GONGZHI_SMS_BACKEND` names a class (dotted path) whose
instances have `send(phone, text)`, which returns once the gateway accepted the message and raises
on failure (the message then stays queued and is tried again by `run_clocks`).
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar, Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string

from core.pii import mask_phone

logger = logging.getLogger("gongzhi.sms")

DEFAULT_BACKEND = "notifications.sms.LoggingSmsBackend"


@runtime_checkable
class SmsBackend(Protocol):
    """Sends one text message; raises if it could not be handed to the gateway."""

    def send(self, phone: str, text: str) -> None: ...


@dataclass(frozen=True)
class SentSms:
    phone: str
    text: str


class LoggingSmsBackend:
    """Sends nothing: logs the masked number and the text, and keeps the message in `outbox`.

    The outbox is shared by all instances of the process (tests read and clear it) and keeps the
    last `OUTBOX_SIZE` messages only, so a long-running server does not grow it without end.
    """

    OUTBOX_SIZE = 1000
    outbox: ClassVar[deque[SentSms]] = deque(maxlen=OUTBOX_SIZE)

    def send(self, phone: str, text: str) -> None:
        logger.info("短信 → %s：%s", mask_phone(phone), text)
        self.outbox.append(SentSms(phone=phone, text=text))


@lru_cache(maxsize=4)
def _backend(path: str) -> SmsBackend:
    backend = import_string(path)()
    if not isinstance(backend, SmsBackend):
        raise TypeError(f"{path} has no send(phone, text) method")
    return backend


def get_backend() -> SmsBackend:
    """The backend `settings.GONGZHI_SMS_BACKEND` names (the logging one by default)."""
    return _backend(getattr(settings, "GONGZHI_SMS_BACKEND", DEFAULT_BACKEND) or DEFAULT_BACKEND)
