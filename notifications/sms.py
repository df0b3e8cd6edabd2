"""Text messages: the interface a gateway implements, and the default backend that only logs.

A real gateway plugs in by settings: `GONGZHI_SMS_BACKEND` names a class (dotted path) whose
instances have `send(phone, text)`, which returns a `SmsStatus` and raises on failure (the message then
stays queued and is tried again by `run_clocks`). Only a backend that handed the message to a gateway
returns `SENT`; the logging backend returns `LOGGED`, so no record claims a text went out when it did not.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar, Protocol, runtime_checkable

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string

from core.pii import mask_phone

logger = logging.getLogger("gongzhi.sms")

DEFAULT_BACKEND = "notifications.sms.LoggingSmsBackend"


class SmsStatus(models.TextChoices):
    """Where a text message stands."""

    QUEUED = "queued", "待发送"
    LOGGED = "logged", "已记录（未发送）"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


@runtime_checkable
class SmsBackend(Protocol):
    """Sends one text message: `SENT` once a gateway accepted it, `LOGGED` when it was only recorded;
    raises if it could not be handled."""

    def send(self, phone: str, text: str) -> SmsStatus: ...


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

    def send(self, phone: str, text: str) -> SmsStatus:
        logger.info("短信（仅记录，未发送）→ %s：%s", mask_phone(phone), text)
        self.outbox.append(SentSms(phone=phone, text=text))
        return SmsStatus.LOGGED


class HttpSmsBackend:
    """Hands each message to an HTTP gateway: a JSON POST `{"phone": …, "text": …}` to
    `GONGZHI_SMS_GATEWAY_URL` with `Authorization: Bearer GONGZHI_SMS_GATEWAY_TOKEN`; a 2xx answer
    means the gateway accepted it, anything else raises."""

    def send(self, phone: str, text: str) -> SmsStatus:
        url = getattr(settings, "GONGZHI_SMS_GATEWAY_URL", "")
        if not url:
            raise RuntimeError("GONGZHI_SMS_GATEWAY_URL 未配置")
        body = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": f"Bearer {getattr(settings, 'GONGZHI_SMS_GATEWAY_TOKEN', '')}",
        })
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"短信网关拒绝：HTTP {exc.code}") from exc
        if not 200 <= status < 300:
            raise RuntimeError(f"短信网关拒绝：HTTP {status}")
        return SmsStatus.SENT


@lru_cache(maxsize=4)
def _backend(path: str) -> SmsBackend:
    backend = import_string(path)()
    if not isinstance(backend, SmsBackend):
        raise TypeError(f"{path} has no send(phone, text) method")
    return backend


def get_backend() -> SmsBackend:
    """The backend `settings.GONGZHI_SMS_BACKEND` names (the logging one by default)."""
    return _backend(getattr(settings, "GONGZHI_SMS_BACKEND", DEFAULT_BACKEND) or DEFAULT_BACKEND)
