"""Webhooks: signed POSTs of case events to subscribers, retried with exponential backoff.

Flow:

1. A case service commits a move and sends `cases.signals.case_changed`; `on_case_changed` (connected
   in `api.apps`) writes one `WebhookDelivery` per subscriber that wants the action, due at once. It
   only writes rows: the request that moved the case never waits for a subscriber.
2. `python manage.py deliver_webhooks` (a timer or a long-running `--loop`) calls `deliver_due`, which
   claims due rows one by one (a compare-and-swap on `next_attempt_at`, so several workers never send
   the same row twice at once), POSTs each and records the outcome.
3. A 2xx answer marks the row delivered. Anything else (another status, a timeout, a refused
   connection) counts an attempt and schedules the next one after BACKOFF_BASE × 2^(attempts−1),
   at most BACKOFF_MAX; after `WEBHOOK_MAX_ATTEMPTS` (default 8) the row is given up.

Each POST carries the JSON body and these headers:

- `X-Gongzhi-Event`: `case.<action>`; `X-Gongzhi-Delivery`: the event id (the same for every subscriber
  of one event, and on every retry: receivers deduplicate by it);
- `X-Gongzhi-Timestamp`: seconds since the epoch when this attempt was signed;
- `X-Gongzhi-Signature`: `sha256=` + hex HMAC-SHA256 with the subscriber's secret over
  `<timestamp>.<body bytes>`. Receivers recompute it, compare in constant time, and refuse old
  timestamps to stop replays.

The body names the case and its new state, never contact data or handling notes; a subscriber reads
more through the REST API with its own account.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from core import audit
from core.models import AuditEvent

from .models import WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)

BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_TIMEOUT_SECONDS = 10
DEFAULT_SUBSCRIPTION_CHECK_SECONDS = 10
USER_AGENT = "Gongzhi-Webhooks/1.0"
SIGNATURE_HEADER = "X-Gongzhi-Signature"
TIMESTAMP_HEADER = "X-Gongzhi-Timestamp"
EVENT_HEADER = "X-Gongzhi-Event"
DELIVERY_HEADER = "X-Gongzhi-Delivery"
ERROR_MAX_LENGTH = 500


def max_attempts() -> int:
    """Attempts before a delivery is given up (settings.WEBHOOK_MAX_ATTEMPTS, default 8)."""
    return max(1, int(getattr(settings, "WEBHOOK_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)))


def request_timeout() -> float:
    """Seconds to wait for a subscriber (settings.WEBHOOK_TIMEOUT_SECONDS, default 10)."""
    return float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failure: 1, 2, 4, 8 … minutes, never more than 6 hours."""
    return min(BACKOFF_BASE * (2 ** max(0, attempts - 1)), BACKOFF_MAX)


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp`: `sha256=<hex>`."""
    message = f"{timestamp}.".encode("ascii") + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: int | str, body: bytes, signature: str) -> bool:
    """Whether `signature` is the one `sign` gives (constant-time); what a receiver does, for tests and docs."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")


# --------------------------------------------------------------------------------------------------
# Subscriptions
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def webhook_subscription_save(*, actor, subscription: WebhookSubscription) -> WebhookSubscription:
    """Create or change a subscription (validated; a secret is generated when none is set), audited.

    The secret never enters the audit log.
    """
    creating = subscription._state.adding
    before = {}
    if not creating:
        old = WebhookSubscription.objects.get(pk=subscription.pk)
        before = audit.snapshot(old, ["name", "url", "events", "region", "active"])
        before["secret"] = old.secret
    if not (subscription.secret or "").strip():
        subscription.secret = secrets.token_urlsafe(32)
    subscription.full_clean()
    subscription.save()
    after = audit.snapshot(subscription, ["name", "url", "events", "region", "active"])
    after["secret"] = subscription.secret
    changes = audit.diff(before, after)
    if "secret" in changes:
        changes["secret"] = ["***", "***"]
    audit.record(
        actor=actor, action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE,
        target=subscription, changes=changes,
    )
    return subscription


# --------------------------------------------------------------------------------------------------
# Writing deliveries when a case changes
# --------------------------------------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def case_event_payload(*, case, action: str, events: list, event_id: uuid.UUID, now: dt.datetime) -> dict[str, Any]:
    """The JSON body of one case event: the case's new state and the event rows of the move."""
    return {
        "id": str(event_id),
        "type": f"case.{action}",
        "created_at": _iso(now),
        "case": {
            "id": case.pk, "kind": case.kind, "channel": case.channel, "status": case.status,
            "version": case.version, "region": {"code": case.region.code, "name": case.region.name},
            "category": case.category.code if case.category_id else None,
            "received_at": _iso(case.received_at), "finish_due": _iso(case.finish_due),
            "closed_at": _iso(case.closed_at),
        },
        "events": [
            {"seq": e.seq, "action": e.action, "from_status": e.from_status, "to_status": e.to_status,
             "created_at": _iso(e.created_at)}
            for e in events
        ],
    }


def subscription_check_seconds() -> float:
    """How long a process trusts that no subscription is active before it looks again
    (settings.WEBHOOK_SUBSCRIPTION_CHECK_SECONDS, default 10)."""
    return float(getattr(settings, "WEBHOOK_SUBSCRIPTION_CHECK_SECONDS", DEFAULT_SUBSCRIPTION_CHECK_SECONDS))


# When this process last found no active subscription (monotonic seconds), or None when it must look.
# Most installations have none, and every case move would otherwise ask the database to learn it again.
_none_active_since: float | None = None


@receiver(post_save, sender=WebhookSubscription, dispatch_uid="api.webhooks.subscriptions_changed_save")
@receiver(post_delete, sender=WebhookSubscription, dispatch_uid="api.webhooks.subscriptions_changed_delete")
def _subscriptions_changed(sender, **kwargs) -> None:
    """A subscription saved or deleted in this process counts from the next move on."""
    global _none_active_since
    _none_active_since = None


def _active_subscriptions() -> list[WebhookSubscription]:
    """The active subscriptions; none without a query while this process saw none within the check interval.

    A subscription added by another process therefore receives the moves from at most
    `subscription_check_seconds()` after it was saved.
    """
    global _none_active_since
    seen = _none_active_since
    if seen is not None and time.monotonic() - seen < subscription_check_seconds():
        return []
    subscriptions = list(WebhookSubscription.objects.filter(active=True).select_related("region"))
    _none_active_since = None if subscriptions else time.monotonic()
    return subscriptions


def deliveries_for_case_change(*, case_id: int, action: str, event_ids: list[int]) -> list[WebhookDelivery]:
    """Write one due delivery per active subscription that wants this move; returns them."""
    subscriptions = _active_subscriptions()
    if not subscriptions:
        return []
    from cases.models import Case, CaseEvent

    case = Case.objects.select_related("region", "category").filter(pk=case_id).first()
    if case is None:
        return []
    wanted = [s for s in subscriptions if s.wants(action, case.region.code)]
    if not wanted:
        return []
    now = timezone.now()
    event_id = uuid.uuid4()
    events = list(CaseEvent.objects.filter(pk__in=event_ids).order_by("seq"))
    payload = case_event_payload(case=case, action=action, events=events, event_id=event_id, now=now)
    return WebhookDelivery.objects.bulk_create([
        WebhookDelivery(
            subscription=s, event_id=event_id, event=f"case.{action}"[:40], payload=payload, next_attempt_at=now,
            created_at=now,
        )
        for s in wanted
    ])


def on_case_changed(sender, *, case_id: int, action: str, event_ids: list[int], **kwargs) -> None:
    """Receiver of `cases.signals.case_changed` (sent after commit): queue the webhook deliveries.

    It never raises: a failure here must not turn the caller's committed move into an error.
    """
    try:
        deliveries_for_case_change(case_id=case_id, action=action, event_ids=list(event_ids))
    except Exception:
        logger.exception("推送记录写入失败（事项 %s，动作 %s）", case_id, action)


# --------------------------------------------------------------------------------------------------
# Sending
# --------------------------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A subscriber's redirect is an answer like any other non-2xx: it is not followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


@dataclass(frozen=True)
class Outcome:
    """What one POST gave: the status (None when no answer came) and an error text when it failed."""

    ok: bool
    status: int | None
    error: str


def post(delivery: WebhookDelivery, *, timestamp: int | None = None) -> Outcome:
    """POST one delivery to its subscriber, signed; never raises for network trouble."""
    subscription = delivery.subscription
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    timestamp = int(timezone.now().timestamp()) if timestamp is None else timestamp
    request = urllib.request.Request(subscription.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.event_id),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(subscription.secret, timestamp, body),
    })
    try:
        with _opener.open(request, timeout=request_timeout()) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        return Outcome(ok=False, status=exc.code, error=f"HTTP {exc.code} {exc.reason}"[:ERROR_MAX_LENGTH])
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Outcome(ok=False, status=None, error=f"{type(exc).__name__}: {reason}"[:ERROR_MAX_LENGTH])
    if 200 <= status < 300:
        return Outcome(ok=True, status=status, error="")
    return Outcome(ok=False, status=status, error=f"HTTP {status}")


@dataclass
class DeliveryReport:
    """Counts of one `deliver_due` run."""

    delivered: int = 0
    retrying: int = 0
    given_up: int = 0

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.given_up


def _claim(delivery: WebhookDelivery, *, now: dt.datetime) -> bool:
    """Take the row for this worker: move its next attempt past the time one POST may take."""
    lease = dt.timedelta(seconds=request_timeout() + 60)
    return WebhookDelivery.objects.filter(
        pk=delivery.pk, delivered_at__isnull=True, next_attempt_at=delivery.next_attempt_at,
    ).update(next_attempt_at=now + lease) == 1


def _record(delivery: WebhookDelivery, outcome: Outcome, *, now: dt.datetime) -> str:
    attempts = delivery.attempts + 1
    values: dict[str, Any] = {"attempts": attempts, "last_status": outcome.status, "last_error": outcome.error}
    if outcome.ok:
        values.update(delivered_at=now, next_attempt_at=None)
        state = "delivered"
    elif attempts >= max_attempts():
        values.update(next_attempt_at=None)
        state = "given_up"
    else:
        values.update(next_attempt_at=now + backoff(attempts))
        state = "retrying"
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**values)
    return state


def deliver_due(*, now: dt.datetime | None = None, batch: int = 100) -> DeliveryReport:
    """Send up to `batch` deliveries whose next attempt is due, oldest first; returns what happened."""
    report = DeliveryReport()
    start = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(delivered_at__isnull=True, next_attempt_at__lte=start)
        .select_related("subscription").order_by("next_attempt_at", "id")[:batch]
    )
    for delivery in due:
        moment = now or timezone.now()
        if not delivery.subscription.active or not _claim(delivery, now=moment):
            continue
        outcome = post(delivery)
        state = _record(delivery, outcome, now=now or timezone.now())
        setattr(report, state, getattr(report, state) + 1)
    return report
