"""Webhooks: signed POSTs of case events to subscribers, read from the event log, retried with backoff.

Flow:

1. A case service writes each move's `CaseEvent` in the move's own transaction: the event log is the
   outbox. Nothing listens to `case_changed` for webhooks, so a process that dies right after the
   commit loses nothing, and the request that moved the case never waits for (or queries) webhooks.
2. `python manage.py deliver_webhooks` (a timer or a long-running `--loop`) first calls
   `queue_new_events`: it reads the events after the `webhooks` cursor (the notifications'
   `EventCursor`, under its own name) in id order and, in one transaction per batch, writes one
   `WebhookDelivery` per event and subscription that wants it and moves the cursor on. The pair
   (event, subscription) is unique, so reading an event again never writes a second row; the cursor
   stays behind events younger than `EVENT_SETTLE` (`notifications.services.settled_through`), so an
   event committed late is read on a later round.
3. Then `deliver_due` claims due rows one by one (a compare-and-swap on `next_attempt_at`, so several
   workers never send the same row twice at once), POSTs each and records the outcome on the row.
4. A 2xx answer marks the row delivered. Anything else (another status, a timeout, a refused
   connection, an error while sending) counts an attempt, keeps the error and schedules the next one
   after BACKOFF_BASE × 2^(attempts−1), at most BACKOFF_MAX; after `WEBHOOK_MAX_ATTEMPTS` (default 8)
   the row is given up, and stays for the admin to see.

A subscription hears of the events after the end of the log at the time it was created
(`WebhookSubscription.after_event_id`), and only while it is active.

Each POST carries the JSON body and these headers:

- `X-Gongzhi-Event`: `case.<action>`; `X-Gongzhi-Delivery`: the event id (derived from the log event,
  so the same for every subscriber of one event and on every retry: receivers deduplicate by it);
- `X-Gongzhi-Timestamp`: seconds since the epoch when this attempt was signed;
- `X-Gongzhi-Signature`: `sha256=` + hex HMAC-SHA256 with the subscriber's secret over
  `<timestamp>.<body bytes>`. Receivers recompute it, compare in constant time, and refuse old
  timestamps to stop replays.

The body names the case and its state, and the one event, never contact data or handling notes; a
subscriber reads more through the REST API with its own account.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.models import CaseEvent
from core import audit
from core.models import AuditEvent
from notifications.services import event_cursor, event_cursor_advance, settled_through

from .models import WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)

BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_TIMEOUT_SECONDS = 10
# The `notifications.models.EventCursor` row of the webhooks' reader of the event log.
WEBHOOK_CURSOR = "webhooks"
# Delivery ids are name-based UUIDs in this namespace (see `delivery_event_id`).
EVENT_ID_NAMESPACE = uuid.UUID("6d1f8a52-3c0e-4b7a-9d55-2f4c8e1b7a90")
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
# Writing deliveries from the event log
# --------------------------------------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def case_event_payload(*, event: CaseEvent, event_id: uuid.UUID) -> dict[str, Any]:
    """The JSON body of one event of the log: the event, and its case as it stands when the row is written."""
    case = event.case
    return {
        "id": str(event_id),
        "type": f"case.{event.action}",
        "created_at": _iso(event.created_at),
        "case": {
            "id": case.pk, "kind": case.kind, "channel": case.channel, "status": case.status,
            "version": case.version, "region": {"code": case.region.code, "name": case.region.name},
            "category": case.category.code if case.category_id else None,
            "received_at": _iso(case.received_at), "finish_due": _iso(case.finish_due),
            "closed_at": _iso(case.closed_at),
        },
        # A list for the receivers written against the earlier body; it holds this one event.
        "events": [
            {"seq": event.seq, "action": event.action, "from_status": event.from_status,
             "to_status": event.to_status, "created_at": _iso(event.created_at)}
        ],
    }


@dataclass(frozen=True)
class QueuedEvents:
    """What one `queue_new_events` did: events read from the log, delivery rows written."""

    events: int
    deliveries: int


def delivery_event_id(event: CaseEvent) -> uuid.UUID:
    """The id of `event` for receivers (`X-Gongzhi-Delivery`): the same on every reading of the log.

    The event's time is part of it, so a database started afresh never repeats an id a receiver has seen.
    """
    stamp = int(event.created_at.timestamp() * 1_000_000)
    return uuid.uuid5(EVENT_ID_NAMESPACE, f"case-event:{event.pk}:{event.case_id}:{event.seq}:{stamp}")


def _write_deliveries(events: list[CaseEvent], subscriptions: list[WebhookSubscription], *, now: dt.datetime) -> int:
    """Write the missing rows for `events` × the `subscriptions` that want them; returns how many it wrote
    (a concurrent reader's rows written meanwhile included)."""
    done = set(
        WebhookDelivery.objects.filter(case_event_id__in=[e.pk for e in events])
        .values_list("case_event_id", "subscription_id")
    )
    rows = []
    for event in events:
        wanted = [
            s for s in subscriptions
            if event.pk > (s.after_event_id or 0) and (event.pk, s.pk) not in done
            and s.wants(event.action, event.case.region.code)
        ]
        if not wanted:
            continue
        event_id = delivery_event_id(event)
        payload = case_event_payload(event=event, event_id=event_id)
        rows += [
            WebhookDelivery(
                subscription=s, case_event=event, event_id=event_id, event=f"case.{event.action}"[:40],
                payload=payload, next_attempt_at=now, created_at=now,
            )
            for s in wanted
        ]
    # A concurrent reader may have written some since: the unique pair keeps one row of each.
    WebhookDelivery.objects.bulk_create(rows, batch_size=200, ignore_conflicts=True)
    return len(rows)


def queue_new_events(*, now: dt.datetime | None = None, batch_size: int = 500) -> QueuedEvents:
    """Write the deliveries of the events after the webhook cursor, in log order, and move the cursor on.

    Each batch's rows and the cursor's move commit together. Idempotent: a row exists at most once
    per event and subscription, so a repeat, a concurrent run or a crash half-way writes nothing twice.
    Reading starts at the cursor or at the oldest start of an active subscription, whichever is later;
    without an active subscription nothing is read. The cursor stops before the first event younger
    than `EVENT_SETTLE`, and those events are read again next time.
    """
    now = now or timezone.now()
    subscriptions = list(WebhookSubscription.objects.filter(active=True).select_related("region"))
    if not subscriptions:
        return QueuedEvents(events=0, deliveries=0)
    cursor = event_cursor(WEBHOOK_CURSOR, now=now)
    position = advance_to = max(cursor.last_event_id, min(s.after_event_id or 0 for s in subscriptions))
    settled = True
    events = written = 0
    while True:
        with transaction.atomic():
            batch = list(
                CaseEvent.objects.filter(pk__gt=position).select_related("case__region", "case__category")
                .order_by("pk")[:batch_size]
            )
            if not batch:
                break
            written += _write_deliveries(batch, subscriptions, now=now)
            if settled:
                advance_to = settled_through(batch, after=advance_to, now=now)
                settled = advance_to == batch[-1].pk
            event_cursor_advance(cursor, to=advance_to, now=now)
        events += len(batch)
        position = batch[-1].pk
    # Also when the start skipped history that no active subscription wants.
    event_cursor_advance(cursor, to=advance_to, now=now)
    return QueuedEvents(events=events, deliveries=written)


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
        try:
            outcome = post(delivery)
        except Exception as exc:  # a broken row (an unreadable secret …) counts as a failed attempt, kept on it
            logger.exception("推送发送出错（推送记录 %s）", delivery.pk)
            outcome = Outcome(ok=False, status=None, error=f"{type(exc).__name__}: {exc}"[:ERROR_MAX_LENGTH])
        state = _record(delivery, outcome, now=now or timezone.now())
        setattr(report, state, getattr(report, state) + 1)
    return report
