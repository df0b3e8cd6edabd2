"""System checks for text messages.

- `gongzhi.E010` (with `check --deploy`): outside the demo, the configured text-message backend only logs,
  so reporters would be told nothing while the records say a message was handled.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

from .sms import DEFAULT_BACKEND


@register(Tags.security, deploy=True)
def sms_backend_check(app_configs=None, **kwargs) -> list[Error]:
    """Outside the demo, text messages must go to a real gateway, not only to the log."""
    if settings.DEMO:
        return []
    errors: list[Error] = []
    backend = getattr(settings, "GONGZHI_SMS_BACKEND", "") or DEFAULT_BACKEND
    if backend == DEFAULT_BACKEND:
        errors.append(Error(
            "短信通道只记录日志、不发送：反映人收不到任何短信。"
            " The SMS backend only logs; no text message reaches a reporter.",
            hint="请设置 GONGZHI_SMS_BACKEND=notifications.sms.HttpSmsBackend 和 GONGZHI_SMS_GATEWAY_URL。",
            id="gongzhi.E010",
        ))
    elif backend == "notifications.sms.HttpSmsBackend" and not getattr(settings, "GONGZHI_SMS_GATEWAY_URL", ""):
        errors.append(Error(
            "短信网关地址未配置。 GONGZHI_SMS_GATEWAY_URL is not set for the HTTP SMS backend.",
            hint="请设置 GONGZHI_SMS_GATEWAY_URL（及 GONGZHI_SMS_GATEWAY_TOKEN）。",
            id="gongzhi.E010",
        ))
    return errors
