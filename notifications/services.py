"""Writes for notifications: the inbox, what each case event tells whom, text messages and the clocks.

Everything here is idempotent. Each notification and each text message has a `dedupe_key` that
names what it is about, and a key that exists already is never written again, so every function may
run twice, or in two processes at once, and nobody hears anything twice.

The case event log is the source: `notify_for_event` reads one `CaseEvent` and decides who hears of
it (see `EVENT_RULES`); events reach it twice over, once right after their transaction commits (the
`case_changed` signal, see `notifications.receivers`) and once more from `process_new_events`, which
`run_clocks` calls and which walks the log behind a cursor, so nothing is lost when the first way fails.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from cases.models import Assignment, AssignmentRole, Case, CaseEvent, CaseReporter, ReporterNotice, WhistleSummons
from cases.workflow import HANDLING_STATUSES, OPEN_STATUSES, Status
from core.pii import mask_phone
from regions.models import Region

from .models import EventCursor, Notification, SmsMessage
from .selectors import (
    assignee_recipients,
    community_code,
    handlers_by_organisation,
    owner_recipients,
    street_staff_for,
)
from .sms import SmsStatus, get_backend

logger = logging.getLogger("gongzhi.notifications")

Kind = Notification.Kind

# The cursor `process_new_events` keeps in `EventCursor`.
CURSOR_NAME = "notifications"
# The cursor stays behind events younger than this, so an event whose transaction committed after a
# later one (ids are handed out at insert, not at commit) is still read on the next run.
EVENT_SETTLE = dt.timedelta(minutes=5)
# Events older than this when they are first read are history, not news: nobody is told of them
# (a first run over an existing installation, or a demo load of a past year, sends nothing).
EVENT_MAX_AGE = dt.timedelta(days=3)
# A text message whose sending started this long ago without finishing may be tried again.
SMS_CLAIM_TIMEOUT = dt.timedelta(minutes=15)
SMS_MAX_ATTEMPTS = 5
# Only mobile numbers can receive text messages; a landline reporter is answered by phone.
MOBILE_PHONE = re.compile(r"^1[3-9]\d{9}$")
# `__in` lookups are cut into chunks of this size (SQLite limits the number of query parameters).
CHUNK = 500


@dataclass(frozen=True)
class Outgoing:
    """A notification to write, unless one with its key exists."""

    recipient: User
    kind: str
    message: str
    case_id: int | None
    dedupe_key: str


@dataclass(frozen=True)
class ProcessedEvents:
    events: int
    messages: int


@dataclass(frozen=True)
class ClockReport:
    """What one `run_clocks` did."""

    events: int
    event_messages: int
    reminders: int
    overdue: int
    summons_overdue: int
    sms_sent: int
    # Handed to the logging backend: written to the log, never sent (no gateway configured).
    sms_logged: int = 0

    def summary(self) -> str:
        text = (
            f"run_clocks：处理事项记录 {self.events} 条，生成通知 {self.event_messages} 条；"
            f"期限提醒 {self.reminders} 条，超期督办 {self.overdue} 条，吹哨超时 {self.summons_overdue} 条；"
            f"短信网关已接收 {self.sms_sent} 条"
        )
        if self.sms_logged:
            text += f"，另有 {self.sms_logged} 条仅写入日志、未发送（未配置短信网关）"
        return text


# --------------------------------------------------------------------------------------------------
# The inbox
# --------------------------------------------------------------------------------------------------


def notify(
    *, recipient: User, message: str, kind: str, case: Case | None = None, dedupe_key: str,
    now: dt.datetime | None = None,
) -> tuple[Notification, bool]:
    """Put `message` in `recipient`'s inbox unless a notification with `dedupe_key` exists.

    Returns `(notification, created)`; a repeat returns the existing notification with False.
    """
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind: {kind!r}")
    if not dedupe_key:
        raise ValueError("a notification needs a dedupe key")
    return Notification.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults=dict(recipient=recipient, case=case, kind=kind, message=message, created_at=now or timezone.now()),
    )


def notification_mark_read(*, notification: Notification, user: User, now: dt.datetime | None = None) -> Notification:
    """Mark one of `user`'s notifications read (once: the first reading time stays).

    Raises PermissionDenied for someone else's notification.
    """
    if notification.recipient_id != getattr(user, "pk", None):
        raise PermissionDenied("只能处理自己的消息")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now or timezone.now())
    notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User, now: dt.datetime | None = None) -> int:
    """Mark all of `user`'s unread notifications read; returns how many were unread."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now or timezone.now())


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def send_all(items: Iterable[Outgoing], *, now: dt.datetime) -> int:
    """Write the notifications whose keys are new (in bulk); returns how many were written."""
    by_key = {item.dedupe_key: item for item in items}
    keys = list(by_key)
    existing: set[str] = set()
    for chunk in _chunks(keys):
        existing.update(Notification.objects.filter(dedupe_key__in=chunk).values_list("dedupe_key", flat=True))
    new = [
        Notification(
            recipient=item.recipient, case_id=item.case_id, kind=item.kind, message=item.message,
            created_at=now, dedupe_key=item.dedupe_key,
        )
        for key, item in by_key.items() if key not in existing
    ]
    # A concurrent run may have written some of them since: the unique key keeps one of each.
    Notification.objects.bulk_create(new, batch_size=CHUNK, ignore_conflicts=True)
    return len(new)


# --------------------------------------------------------------------------------------------------
# Who hears of which event
# --------------------------------------------------------------------------------------------------


def _when(value: dt.datetime | str | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    local = timezone.localtime(value)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _ref(case: Case) -> str:
    return f"“{case.title}”（查询码 {case.tracking_code}）"


def _role(assignment: Assignment) -> str:
    return "主办" if assignment.role == AssignmentRole.LEAD else "协办"


def _event_key(event: CaseEvent, user: User) -> str:
    return f"event:{event.pk}:user:{user.pk}"


def _to(users: Iterable[User], event: CaseEvent, kind: str, message: str) -> list[Outgoing]:
    """One notification per user, except to whoever made the move."""
    return [
        Outgoing(user, kind, message, event.case_id, _event_key(event, user))
        for user in users if user.pk != event.actor_id
    ]


def _assignments(ids: Iterable[int]) -> list[Assignment]:
    ids = [pk for pk in ids if isinstance(pk, int)]
    if not ids:
        return []
    return list(
        Assignment.objects.filter(pk__in=ids)
        .select_related("case__region", "organisation", "facility", "party_member__person")
        .order_by("pk")
    )


def _data_ids(items) -> list[int]:
    """Assignment or summons ids from an event's data: a list of ids, or of {"id": …} objects."""
    ids = []
    for item in items or ():
        value = item.get("id") if isinstance(item, dict) else item
        if isinstance(value, int):
            ids.append(value)
    return ids


def _on_dispatch(event: CaseEvent) -> list[Outgoing]:
    """派遣 and 街道裁定: each new assignment's body is asked to report in."""
    assignments = _assignments(_data_ids(event.data.get("assignments")))
    recipients = assignee_recipients(assignments)
    out = []
    for a in assignments:
        if event.action == "arbitrate":
            text = (f"街道裁定由{a.assignee_name}主办事项{_ref(a.case)}（裁定后不能再退回），"
                    f"请于{_when(a.report_in_due)}前报到接收。")
        else:
            text = (f"事项{_ref(a.case)}已派遣给{a.assignee_name}（{_role(a)}），"
                    f"请于{_when(a.report_in_due)}前报到接收，{_when(a.finish_due)}前办结答复。")
        out += _to(recipients.get(a.pk, []), event, Kind.DISPATCHED, text)
    return out


def _on_resume(event: CaseEvent) -> list[Outgoing]:
    """会议决定继续办理: the bodies on the case must report in again by fresh deadlines."""
    if event.data.get("decision") != "continue":
        return []
    assignments = _assignments(_data_ids(event.data.get("assignments")))
    recipients = assignee_recipients(assignments)
    out = []
    for a in assignments:
        text = (f"会议决定事项{_ref(a.case)}由原承办单位继续办理，请{a.assignee_name}于{_when(a.report_in_due)}前"
                f"重新报到，{_when(a.finish_due)}前办结答复。")
        out += _to(recipients.get(a.pk, []), event, Kind.DISPATCHED, text)
    return out


def _on_whistle(event: CaseEvent) -> list[Outgoing]:
    """吹哨: the handlers of every summoned department are called to report in."""
    summons = list(
        WhistleSummons.objects.filter(pk__in=_data_ids(event.data.get("summons")))
        .select_related("whistle", "organisation").order_by("pk")
    )
    handlers = handlers_by_organisation(s.organisation_id for s in summons)
    community = Region.objects.filter(code=community_code(event.case)).first()
    place = community.name if community is not None else event.case.region.name
    out = []
    for s in summons:
        reasons = "、".join(s.whistle.reason_labels)
        text = (f"{place}就事项{_ref(event.case)}吹哨（{reasons}），请{s.organisation.name}于"
                f"{_when(s.report_in_due)}前到场报到。")
        out += _to(handlers.get(s.organisation_id, []), event, Kind.SUMMONED, text)
    return out


def _owner_rule(kind: str, text: Callable[[CaseEvent, Assignment | None], str]) -> Callable[[CaseEvent], list]:
    """A rule telling the case's 首问责任人 (or its community's staff while it has none)."""

    def rule(event: CaseEvent) -> list[Outgoing]:
        owners = owner_recipients([event.case])
        return _to(owners.get(event.case_id, []), event, kind, text(event, event.assignment))

    return rule


def _assignee_rule(kind: str, text: Callable[[CaseEvent, Assignment], str]) -> Callable[[CaseEvent], list]:
    """A rule telling the body of the event's assignment."""

    def rule(event: CaseEvent) -> list[Outgoing]:
        if event.assignment_id is None:
            return []
        assignment = _assignments([event.assignment_id])
        if not assignment:
            return []
        recipients = assignee_recipients(assignment)
        return _to(recipients.get(event.assignment_id, []), event, kind, text(event, assignment[0]))

    return rule


def _returned(event: CaseEvent, a: Assignment | None) -> str:
    name = a.assignee_name if a else "承办单位"
    follow = "请重新派遣或提请街道裁定。" if a is not None and a.role == AssignmentRole.LEAD else ""
    return f"{name}退回了事项{_ref(event.case)}，原因：{event.note}。{follow}"


def _replied(event: CaseEvent, a: Assignment | None) -> str:
    if a is not None and a.role == AssignmentRole.ASSIST:
        return f"协办单位{a.assignee_name}已答复事项{_ref(event.case)}。"
    name = a.assignee_name if a else "主办单位"
    return f"{name}已答复事项{_ref(event.case)}，请核查办理结果。"


def _extension_requested(event: CaseEvent, a: Assignment | None) -> str:
    name = a.assignee_name if a else "承办单位"
    return (f"{name}申请将事项{_ref(event.case)}的办结期限延至{_when(event.data.get('requested_due'))}，"
            f"理由：{event.note}。请审批。")


def _extension_granted(event: CaseEvent, a: Assignment) -> str:
    return f"事项{_ref(event.case)}的延期申请已同意，办结期限延至{_when(event.data.get('finish_due'))}。"


def _extension_refused(event: CaseEvent, a: Assignment) -> str:
    return f"事项{_ref(event.case)}的延期申请未同意，原因：{event.note}。请按原期限{_when(a.finish_due)}办结。"


def _rework(event: CaseEvent, a: Assignment) -> str:
    # The automatic 返工 follows a 不满意 rating (from 已评价); a failed check starts from 已反馈 or 已核查.
    why = "居民评价不满意" if event.from_status == Status.RATED else "核查未通过"
    reason = f"，意见：{event.note}" if event.note else ""
    return (f"事项{_ref(event.case)}{why}，已退回{a.assignee_name}重新办理{reason}。"
            f"请于{_when(event.data.get('finish_due') or a.finish_due)}前办结答复。")


def _on_transfer(event: CaseEvent) -> list[Outgoing]:
    """移交首问责任: the new owner is told the case is now theirs."""
    new_owner = User.objects.filter(pk=event.data.get("to_owner"), is_active=True).first()
    if new_owner is None:
        return []
    text = f"您已接任事项{_ref(event.case)}的首问责任人。移交原因：{event.note}"
    return _to([new_owner], event, Kind.OWNER_TRANSFERRED, text)


# One rule per action; actions without a rule tell no member of staff (reporters still hear, by text
# message, whatever the move told them: see `queue_reporter_sms`).
EVENT_RULES: dict[str, Callable[[CaseEvent], list[Outgoing]]] = {
    "dispatch": _on_dispatch,
    "arbitrate": _on_dispatch,
    "resume": _on_resume,
    "whistle": _on_whistle,
    "return": _owner_rule(Kind.RETURNED, _returned),
    "reply": _owner_rule(Kind.REPLIED, _replied),
    "request_extension": _owner_rule(Kind.EXTENSION_REQUESTED, _extension_requested),
    "grant_extension": _assignee_rule(Kind.EXTENSION_DECIDED, _extension_granted),
    "refuse_extension": _assignee_rule(Kind.EXTENSION_DECIDED, _extension_refused),
    "rework": _assignee_rule(Kind.REWORK, _rework),
    "transfer_owner": _on_transfer,
}


def events_for_notification() -> QuerySet[CaseEvent]:
    """Case events with what the rules read joined in."""
    return CaseEvent.objects.select_related(
        "case__region", "case__owner", "assignment__case__region", "assignment__organisation",
        "assignment__facility", "assignment__party_member__person",
    ).prefetch_related("notices")


def notify_for_event(event: CaseEvent, *, now: dt.datetime | None = None, deliver: bool = True) -> int:
    """Tell whoever should hear of `event`: staff in their inbox, reporters by text message.

    - 派遣 / 街道裁定 / 会议决定继续办理: the handlers of each body asked to (re)report in;
    - 吹哨: the handlers of each summoned department;
    - 退回, 答复, 申请延期: the case's 首问责任人;
    - 同意或不同意延期, 返工: the body of the assignment concerned;
    - 移交首问责任: the new owner;
    - every move that told the reporters something (不予受理, 合并, 结案, 不满意返工, 上会): each
      reporter with a mobile number gets that notice as a text message.
    Whoever made the move is not told of it. An event older than `EVENT_MAX_AGE` at `now` is history
    and tells nobody. Text messages are sent at once unless `deliver` is False (then they wait for
    `sms_deliver_pending`). Returns how many notifications and text messages were new.
    """
    now = now or timezone.now()
    if event.created_at < now - EVENT_MAX_AGE:
        return 0
    rule = EVENT_RULES.get(event.action)
    created = send_all(rule(event), now=now) if rule else 0
    queued = queue_reporter_sms(event, now=now)
    if deliver:
        for message in queued:
            sms_deliver(message, now=now)
    return created + len(queued)


# --------------------------------------------------------------------------------------------------
# Text messages to reporters
# --------------------------------------------------------------------------------------------------


def queue_reporter_sms(event: CaseEvent, *, now: dt.datetime) -> list[SmsMessage]:
    """Queue each of `event`'s reporter notices for each reporter with a mobile number; returns the new ones.

    A reporter who reported twice from one number (cases merged) gets each notice once.
    """
    notices = list(event.notices.all())
    if not notices:
        return []
    reporters: dict[str, CaseReporter] = {}
    for reporter in CaseReporter.objects.filter(case_id=event.case_id).order_by("pk"):
        phone = (reporter.contact_phone or "").strip()
        if MOBILE_PHONE.match(phone):
            reporters.setdefault(reporter.contact_phone_hash or f"reporter-{reporter.pk}", reporter)
    created = []
    for notice in notices:
        for phone_key, reporter in reporters.items():
            message, new = SmsMessage.objects.get_or_create(
                dedupe_key=f"sms:notice:{notice.pk}:{phone_key}",
                defaults=dict(
                    case_id=event.case_id, reporter=reporter, notice=notice, text=notice.message,
                    phone_masked=mask_phone(reporter.contact_phone), created_at=now,
                ),
            )
            if new:
                created.append(message)
    return created


def sms_deliver(message: SmsMessage, *, now: dt.datetime | None = None) -> str:
    """Hand one queued text message to the configured backend; the status it took (`sent` when a gateway
    accepted it, `logged` when it was only written to the log), or "" when it did not go out now.

    The message is claimed first (one UPDATE), so two processes never both send it; a failed send
    releases the claim and keeps the error for the next try (the last allowed try marks it failed). Only a
    gateway's acceptance marks the message and its notice sent; the logging backend marks it `logged`.
    """
    now = now or timezone.now()
    claimable = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - SMS_CLAIM_TIMEOUT)
    claimed = SmsMessage.objects.filter(claimable, pk=message.pk, status=SmsStatus.QUEUED).update(
        claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return ""
    phone = CaseReporter.objects.filter(pk=message.reporter_id).values_list("contact_phone", flat=True).first()
    try:
        status = get_backend().send(phone or "", message.text)
        if status not in (SmsStatus.SENT, SmsStatus.LOGGED):
            raise TypeError(f"短信通道返回了未知状态：{status!r}")
    except Exception as exc:  # a gateway may fail in any way; the message stays queued
        logger.warning("短信发送失败（%s）：%s", message.phone_masked, exc)
        SmsMessage.objects.filter(pk=message.pk).update(claimed_at=None, last_error=str(exc)[:500])
        # The last allowed try gives the message up (the count is the stored one, not this copy's).
        SmsMessage.objects.filter(pk=message.pk, attempts__gte=SMS_MAX_ATTEMPTS).update(
            status=SmsStatus.FAILED, status_at=now
        )
        return ""
    if status == SmsStatus.LOGGED:  # recorded only: nothing reached the reporter
        SmsMessage.objects.filter(pk=message.pk).update(status=status, status_at=now, last_error="")
        return status
    SmsMessage.objects.filter(pk=message.pk).update(status=status, status_at=now, sent_at=now, last_error="")
    if message.notice_id is not None:
        ReporterNotice.objects.filter(pk=message.notice_id, sent_at__isnull=True).update(sent_at=now)
    return status


def sms_deliver_pending(*, now: dt.datetime | None = None, limit: int = 1000) -> Counter:
    """Try once each queued text message that has not gone out (up to `limit`, oldest first, and at most
    `SMS_MAX_ATTEMPTS` times over all runs); counts them by the status they took (`sent`, `logged`)."""
    now = now or timezone.now()
    pending = SmsMessage.objects.filter(status=SmsStatus.QUEUED, attempts__lt=SMS_MAX_ATTEMPTS).order_by("pk")[:limit]
    return Counter(status for message in list(pending) if (status := sms_deliver(message, now=now)))


# --------------------------------------------------------------------------------------------------
# The event log, behind a cursor
# --------------------------------------------------------------------------------------------------


def event_cursor(name: str, *, start: int = 0, now: dt.datetime | None = None) -> EventCursor:
    """The reader `name`'s place in the case event log; a new reader starts after event `start`.

    The one cursor mechanism of the event log: notifications (`process_new_events`) and webhooks
    (`api.webhooks.queue_new_events`) each keep a row here under their own name.
    """
    cursor, _ = EventCursor.objects.get_or_create(
        name=name, defaults={"last_event_id": start, "updated_at": now or timezone.now()}
    )
    return cursor


def settled_through(events: Sequence[CaseEvent], *, after: int, now: dt.datetime) -> int:
    """How far a cursor at `after` may move over `events` (read in id order): up to the last event
    before the first one younger than `EVENT_SETTLE`, which must be read again next time.

    Ids are handed out at insert and not at commit, so an event with a lower id may still commit
    after a later one; staying behind the young events keeps such an event from being skipped.
    """
    settled_before = now - EVENT_SETTLE
    position = after
    for event in events:
        if event.created_at > settled_before:
            break
        position = event.pk
    return position


def event_cursor_advance(cursor: EventCursor, *, to: int, now: dt.datetime) -> bool:
    """Move `cursor` forward to event `to` (never back, even against a concurrent reader); True if it moved."""
    if to <= cursor.last_event_id:
        return False
    moved = EventCursor.objects.filter(pk=cursor.pk, last_event_id__lt=to).update(last_event_id=to, updated_at=now)
    cursor.last_event_id = max(cursor.last_event_id, to)
    return bool(moved)


def process_new_events(*, now: dt.datetime | None = None, batch_size: int = 500) -> ProcessedEvents:
    """Run `notify_for_event` over the events after the cursor, then move the cursor on.

    Text messages are only queued here; `sms_deliver_pending` sends them.

    The cursor stops before the first event younger than `EVENT_SETTLE` (`settled_through`), so those
    are read again next time (their keys make the repeat harmless) and an event committed late is
    never skipped.
    """
    now = now or timezone.now()
    cursor = event_cursor(CURSOR_NAME, now=now)
    last = advance_to = cursor.last_event_id
    settled = True
    events = messages = 0
    while True:
        batch = list(events_for_notification().filter(pk__gt=last).order_by("pk")[:batch_size])
        if not batch:
            break
        for event in batch:
            messages += notify_for_event(event, now=now, deliver=False)
            events += 1
        if settled:
            advance_to = settled_through(batch, after=advance_to, now=now)
            settled = advance_to == batch[-1].pk
        last = batch[-1].pk
    event_cursor_advance(cursor, to=advance_to, now=now)
    return ProcessedEvents(events=events, messages=messages)


# --------------------------------------------------------------------------------------------------
# Clocks: reminders before a deadline, escalations after it
# --------------------------------------------------------------------------------------------------


def reminder_window() -> dt.timedelta:
    """How long before a deadline its body is reminded (settings.GONGZHI_REMINDER_HOURS, default 4)."""
    return dt.timedelta(hours=float(getattr(settings, "GONGZHI_REMINDER_HOURS", 4)))


def _stamp(value: dt.datetime) -> int:
    return int(value.timestamp())


def _working_assignments() -> QuerySet[Assignment]:
    """Assignments of cases that are with the bodies now (已派遣, 处置中), with what messages name joined."""
    return Assignment.objects.filter(
        case__status__in=HANDLING_STATUSES, case__archived_at__isnull=True
    ).select_related("case__region", "case__owner", "organisation", "facility", "party_member__person")


def deadline_reminders(*, now: dt.datetime) -> int:
    """Remind bodies whose report-in or finish deadline falls within the reminder window; returns how many.

    Once per assignment, deadline and person: a deadline moved by an extension or a rework is
    reminded again.
    """
    until = now + reminder_window()
    report_in = list(
        _working_assignments().filter(status=Assignment.Status.PENDING, report_in_due__gt=now, report_in_due__lte=until)
    )
    finish = list(
        _working_assignments().filter(status__in=Assignment.ACTIVE, finish_due__gt=now, finish_due__lte=until)
    )
    recipients = assignee_recipients(report_in + finish)
    items = []
    for a in report_in:
        text = (f"事项{_ref(a.case)}须于{_when(a.report_in_due)}前报到接收"
                f"（{a.assignee_name}，{_role(a)}），请及时处理。")
        for user in recipients.get(a.pk, []):
            key = f"remind:report_in:{a.pk}:{_stamp(a.report_in_due)}:user:{user.pk}"
            items.append(Outgoing(user, Kind.REPORT_IN_SOON, text, a.case_id, key))
    for a in finish:
        text = (f"事项{_ref(a.case)}的办结期限为{_when(a.finish_due)}"
                f"（{a.assignee_name}，{_role(a)}），请按期办结并答复。")
        for user in recipients.get(a.pk, []):
            key = f"remind:finish:{a.pk}:{_stamp(a.finish_due)}:user:{user.pk}"
            items.append(Outgoing(user, Kind.FINISH_SOON, text, a.case_id, key))
    return send_all(items, now=now)


def overdue_escalations(*, now: dt.datetime) -> int:
    """Tell the case owner and the street staff of each assignment past its finish deadline without a reply.

    Once per assignment, deadline and person; returns how many notifications were new.
    """
    overdue = list(_working_assignments().filter(status__in=Assignment.ACTIVE, finish_due__lt=now))
    cases = {a.case_id: a.case for a in overdue}.values()
    owners = owner_recipients(cases)
    streets = street_staff_for(cases)
    items = []
    for a in overdue:
        text = (f"{a.assignee_name}（{_role(a)}）承办的事项{_ref(a.case)}已超过办结期限"
                f"（{_when(a.finish_due)}）仍未答复，请督办。")
        people = {user.pk: user for user in owners.get(a.case_id, []) + streets.get(a.case_id, [])}
        for user in people.values():
            key = f"overdue:{a.pk}:{_stamp(a.finish_due)}:user:{user.pk}"
            items.append(Outgoing(user, Kind.OVERDUE, text, a.case_id, key))
    return send_all(items, now=now)


def summons_overdue(*, now: dt.datetime) -> int:
    """Tell the case owner of each summoned department that has not reported in by its deadline; once each."""
    late = list(
        WhistleSummons.objects.filter(
            reported_at__isnull=True, report_in_due__lt=now, whistle__case__status__in=OPEN_STATUSES,
            whistle__case__archived_at__isnull=True,
        ).select_related("whistle__case__region", "whistle__case__owner", "organisation")
    )
    owners = owner_recipients({s.whistle.case_id: s.whistle.case for s in late}.values())
    items = []
    for s in late:
        case = s.whistle.case
        text = (f"{s.organisation.name}未在{_when(s.report_in_due)}前就事项{_ref(case)}报到"
                f"（吹哨时间 {_when(s.whistle.blown_at)}），请跟进。")
        for user in owners.get(case.pk, []):
            items.append(Outgoing(user, Kind.SUMMONS_OVERDUE, text, case.pk, f"summons-overdue:{s.pk}:user:{user.pk}"))
    return send_all(items, now=now)


def run_clocks(*, now: dt.datetime | None = None) -> ClockReport:
    """The periodic job: new events, deadline reminders, overdue escalations, queued text messages."""
    now = now or timezone.now()
    processed = process_new_events(now=now)
    reminders = deadline_reminders(now=now)
    overdue = overdue_escalations(now=now)
    late = summons_overdue(now=now)
    delivered = sms_deliver_pending(now=now)
    return ClockReport(
        events=processed.events, event_messages=processed.messages, reminders=reminders, overdue=overdue,
        summons_overdue=late, sms_sent=delivered[SmsStatus.SENT], sms_logged=delivered[SmsStatus.LOGGED],
    )
