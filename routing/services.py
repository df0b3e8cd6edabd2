"""Writes for routing: training and activating versions, recording suggestions and what was chosen,
and the automatic classification of confident cases.

The automatic classifier acts through a dedicated account, `routing-bot` (智能分类): a county-staff
user that cannot log in (inactive, no usable password) and is created on first use, attached to the
county of the first case it classifies. It goes through `cases.services.case_classify` like any clerk,
so the transition table, the permission check, the clocks, the case event and the audit row all apply,
and the event names it as the actor.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Role, User
from cases.models import Case
from cases.services import case_classify
from cases.workflow import SOLVED_STATUSES, StaleVersion, Status, TransitionNotAllowed
from categories.models import Category
from categories.selectors import split_keywords
from core import audit
from core.models import AuditEvent
from regions.models import Level, Region
from regions.selectors import region_ancestors

from . import conf
from .models import RoutingModel, Suggestion
from .selectors import Suggestions, likely_duplicates, suggest_categories
from .textmodel import TextClassifier

logger = logging.getLogger("gongzhi.routing")

BOT_USERNAME = "routing-bot"
BOT_NAME = "智能分类"
# Cases whose category a person confirmed count as training data, and so do closed ones.


class TooLittleHistory(Exception):
    """Fewer than two categories have enough confirmed cases to train on."""


# --------------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingSet:
    """Confirmed cases by category code, the categories kept (enough cases), and those left out."""

    titles: list[str]
    texts: list[str]
    labels: list[str]
    counts: dict[str, int]
    left_out: dict[str, int]


def training_set(*, min_cases: int | None = None) -> TrainingSet:
    """The cases a new version learns from: category set and confirmed, i.e. closed (or rated), or
    classified by a person after a suggestion (accepted or overridden). Automatic classifications count
    only once the case is closed. Categories with fewer than `min_cases` such cases are left out.
    """
    min_cases = conf.min_cases() if min_cases is None else min_cases
    confirmed = Q(status__in=SOLVED_STATUSES) | Q(
        routing_suggestions__outcome__in=[Suggestion.Outcome.ACCEPTED, Suggestion.Outcome.OVERRIDDEN]
    )
    rows = list(
        Case.objects.filter(archived_at__isnull=True, category__isnull=False, category__archived_at__isnull=True)
        .filter(confirmed).values_list("id", "title", "description", "category__code").distinct().order_by("id")
    )
    counts = Counter(code for _, _, _, code in rows)
    kept = {code for code, n in counts.items() if n >= min_cases}
    chosen = [row for row in rows if row[3] in kept]
    return TrainingSet(
        titles=[row[1] for row in chosen], texts=[row[2] for row in chosen], labels=[row[3] for row in chosen],
        counts={code: counts[code] for code in sorted(kept)},
        left_out={code: n for code, n in sorted(counts.items()) if code not in kept},
    )


def label_documents(codes: list[str]) -> dict[str, list[str]]:
    """Texts that describe each category of `codes`, from the tree: its own name and keywords, and for
    each active category below it the names on the path below it plus that category's keywords."""
    categories = list(Category.objects.active().only("id", "code", "name", "keywords", "parent_id"))
    children: dict[int | None, list[Category]] = defaultdict(list)
    for category in categories:
        children[category.parent_id].append(category)
    docs: dict[str, list[str]] = {}
    for category in categories:
        if category.code not in codes:
            continue
        texts = [" ".join([category.name, *split_keywords(category.keywords)])]
        stack = [(child, [child.name]) for child in children[category.pk]]
        while stack:
            node, names = stack.pop()
            texts.append(" ".join([*names, *split_keywords(node.keywords)]))
            stack.extend((child, [*names, child.name]) for child in children[node.pk])
        docs[category.code] = texts
    return docs


def _new_version(now: dt.datetime) -> str:
    return f"{timezone.localtime(now):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def routing_train(*, actor: User | None = None, min_cases: int | None = None, activate: bool = True) -> RoutingModel:
    """Train a new version on the confirmed cases, write its file and (by default) make it active.

    Raises TooLittleHistory when fewer than two categories have `min_cases` confirmed cases; the
    keyword model then stays in use. The file is written before the row, and the row is created and
    activated in one transaction, so a serving process never sees an active version without a file.
    """
    data = training_set(min_cases=min_cases)
    if len(data.counts) < 2:
        raise TooLittleHistory(
            f"只有 {len(data.counts)} 个分类达到 {conf.min_cases() if min_cases is None else min_cases} 件"
            "已确认事项，至少需要 2 个；继续使用关键词模型"
        )
    now = timezone.now()
    version = _new_version(now)
    classifier = TextClassifier()
    report = classifier.fit(data.titles, data.texts, data.labels, label_docs=label_documents(list(data.counts)))
    file_name = f"model-{version}.joblib"
    size, digest = classifier.save(conf.model_dir() / file_name)
    metrics = {**report.metrics, "temperature": report.temperature, "counts": data.counts, "left_out": data.left_out}
    with transaction.atomic():
        row = RoutingModel.objects.create(
            version=version, trained_at=now, trained_by=actor if getattr(actor, "is_authenticated", False) else None,
            n_train=report.n_train, n_label_docs=report.n_label_docs, labels=report.labels, metrics=metrics,
            train_seconds=report.train_seconds, path=file_name, sha256=digest, size_bytes=size,
        )
        audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=row, changes={
            "n_train": [None, row.n_train], "labels": [None, len(row.labels)],
            "macro_f1": [None, metrics.get("macro_f1")],
        }, reason="训练分类模型")
        if activate:
            routing_activate(actor=actor, model=row)
    return row


@transaction.atomic
def routing_activate(*, actor: User | None, model: RoutingModel) -> RoutingModel:
    """Make `model` the active version (others inactive); serving processes switch within the reload
    interval. Used after training and to roll back to an earlier version."""
    previous = RoutingModel.objects.select_for_update().filter(active=True).exclude(pk=model.pk).first()
    RoutingModel.objects.filter(active=True).exclude(pk=model.pk).update(active=False)
    now = timezone.now()
    RoutingModel.objects.filter(pk=model.pk).update(active=True, activated_at=now)
    model.active, model.activated_at = True, now
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=model, changes={
        "active_version": [previous.version if previous else None, model.version],
    }, reason="启用分类模型")
    return model


# --------------------------------------------------------------------------------------------------
# Suggestions and what was chosen
# --------------------------------------------------------------------------------------------------


def _top_json(suggestions: Suggestions) -> list[dict]:
    return [
        {"category": item.category.code, "name": item.category.name, "score": item.score}
        for item in suggestions.items
    ]


def suggestion_record(
    *, case: Case, suggestions: Suggestions | None = None, with_duplicates: bool = True
) -> Suggestion:
    """Store what the current model suggests for `case` (computed unless given), with its likely
    duplicates, as a pending suggestion.

    One INSERT after reads, so it needs no transaction of its own (it joins the caller's, if any).
    """
    suggestions = suggestions or suggest_categories(title=case.title, description=case.description)
    duplicates = []
    if with_duplicates:
        duplicates = [
            {"case": match.case.pk, "tracking_code": match.case.tracking_code, "score": match.score}
            for match in likely_duplicates(
                title=case.title, description=case.description, region=case.region, exclude_case=case,
            )
        ]
    first = suggestions.items[0].category if suggestions.items else None
    return Suggestion.objects.create(
        case=case, model_id=suggestions.model_id, model_version=suggestions.model_version,
        model_kind=suggestions.model_kind, top=_top_json(suggestions), suggested_category=first,
        confidence=suggestions.confidence, duplicates=duplicates,
    )


def _rank(suggestion: Suggestion, category: Category) -> int | None:
    for position, item in enumerate(suggestion.top, start=1):
        if item.get("category") == category.code:
            return position
    return None


@transaction.atomic
def suggestion_settle(
    *, case: Case, actor: User | None, category: Category, automatic: bool = False
) -> Suggestion | None:
    """Record the category chosen for `case` on its latest pending suggestion: accepted when it is the
    first suggestion, overridden otherwise, or automatic. Returns None when nothing was pending."""
    suggestion = (
        Suggestion.objects.select_for_update().filter(case=case, outcome=Suggestion.Outcome.PENDING)
        .order_by("-created_at", "-id").first()
    )
    if suggestion is None:
        return None
    if automatic:
        outcome = Suggestion.Outcome.AUTO
    elif suggestion.suggested_category_id == category.pk:
        outcome = Suggestion.Outcome.ACCEPTED
    else:
        outcome = Suggestion.Outcome.OVERRIDDEN
    suggestion.outcome = outcome
    suggestion.chosen_category = category
    suggestion.chosen_rank = _rank(suggestion, category)
    suggestion.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["outcome", "chosen_category", "chosen_rank", "decided_by", "decided_at"])
    return suggestion


# --------------------------------------------------------------------------------------------------
# Automatic classification
# --------------------------------------------------------------------------------------------------


def _county_of(region: Region) -> Region:
    chain = region_ancestors(region)
    return next((r for r in chain if r.level == Level.COUNTY), chain[0] if chain else region)


@transaction.atomic
def routing_bot_for(region: Region) -> User | None:
    """The automatic classifier's account, able to act on cases in `region`, or None when it serves
    another county. Created on first use (inactive, no usable password, county staff of the county
    that contains `region`)."""
    bot = User.objects.select_for_update(of=("self",)).filter(username=BOT_USERNAME).select_related("region").first()
    county = _county_of(region)
    if bot is None:
        bot = User(username=BOT_USERNAME, first_name=BOT_NAME, role=Role.COUNTY_STAFF, region=county, is_active=False)
        bot.set_unusable_password()
        bot.save()
        audit.record(actor=None, action=AuditEvent.Action.CREATE, target=bot, changes={
            "role": [None, bot.role], "region": [None, str(county)],
        }, reason="自动分类账号")
    elif bot.region_id is None:
        bot.region = county
        bot.save(update_fields=["region"])
        audit.record(actor=None, action=AuditEvent.Action.UPDATE, target=bot, changes={"region": [None, str(county)]},
                     reason="自动分类账号")
    if bot.region is None or not bot.region.contains(region):
        return None
    return bot


@dataclass(frozen=True)
class AutoResult:
    """Whether a case was classified automatically, and why (not)."""

    classified: bool
    reason: str
    case: Case


def routing_auto_classify(case: Case, *, suggestions: Suggestions | None = None) -> AutoResult:
    """Classify `case` with its first suggestion when a trained model is at least
    `GONGZHI_ROUTING_AUTO_THRESHOLD` sure; otherwise leave it to a person.

    Only received cases are classified, and a case that already carries a category (chosen at intake)
    only when the suggestion agrees with it. The classification goes through
    `cases.services.case_classify` as the `routing-bot` account, with the model version and the
    probability in the event's note.
    """
    suggestions = suggestions or suggest_categories(title=case.title, description=case.description)
    # The checks on the suggestions come first: they need no query, and most cases stop there.
    if not suggestions.items:
        return AutoResult(False, "没有建议分类", case)
    if not suggestions.calibrated:
        return AutoResult(False, "关键词模型的得分不是概率，不自动分类", case)
    threshold = conf.auto_threshold()
    first = suggestions.items[0]
    if first.score < threshold:
        return AutoResult(False, f"首选分类的概率 {first.score:.2f} 低于阈值 {threshold:.2f}", case)
    case = Case.objects.select_related("region", "category").get(pk=case.pk)
    if case.status != Status.RECEIVED:
        return AutoResult(False, "事项已不在待立案状态", case)
    if case.category_id is not None and case.category_id != first.category.pk:
        return AutoResult(False, "受理时已选择其他分类，由工作人员确认", case)
    bot = routing_bot_for(case.region)
    if bot is None:
        return AutoResult(False, "事项不在自动分类账号的辖区内", case)
    try:
        classified = case_classify(
            case=case, actor=bot, expected_version=case.version, category=first.category,
            note=f"自动分类：模型 {suggestions.model_version}，概率 {first.score:.2f}",
        )
    except (StaleVersion, TransitionNotAllowed, PermissionDenied, ValidationError) as exc:
        return AutoResult(False, f"未能自动分类：{exc}", case)
    return AutoResult(True, "已自动分类", classified)


def _chosen_by_staff(case: Case) -> User | None:
    """The staff member who took `case` in with a category, i.e. chose it while the intake page showed
    the suggestions; None for a case without one, or one a resident (or nobody) reported."""
    clerk = case.created_by
    if case.category_id is None or clerk is None or not (clerk.is_region_staff or clerk.is_superuser):
        return None
    return clerk


def suggest_on_intake(case_id: int, *, case: Case | None = None) -> Suggestion | None:
    """What runs after a case was taken in: record the suggestion; when the clerk already chose a
    category at the counter, settle it at once as accepted or overridden by that clerk (the version
    that suggested it is on the row); then classify automatically when the model is sure enough (a
    classification settles a still pending suggestion).

    `case` is the case as the intake just wrote it (its region, category and creator attached), which
    spares reading it back; without it the case is read by `case_id`.
    """
    if case is None:
        case = Case.objects.select_related("region", "category", "created_by").filter(pk=case_id).first()
    if case is None:
        return None
    suggestions = suggest_categories(title=case.title, description=case.description)
    suggestion = suggestion_record(case=case, suggestions=suggestions)
    clerk = _chosen_by_staff(case)
    if clerk is not None:
        suggestion = suggestion_settle(case=case, actor=clerk, category=case.category) or suggestion
    if case.status == Status.RECEIVED:
        routing_auto_classify(case, suggestions=suggestions)
    return suggestion


def settle_after_classify(case_id: int, event_ids: list[int]) -> Suggestion | None:
    """After a case was classified: record the chosen category on its pending suggestion."""
    from cases.models import CaseEvent

    event = CaseEvent.objects.filter(pk__in=event_ids, action="classify").select_related("actor").first()
    case = Case.objects.select_related("category").filter(pk=case_id).first()
    if event is None or case is None or case.category is None:
        return None
    automatic = event.actor is not None and event.actor.username == BOT_USERNAME
    return suggestion_settle(case=case, actor=event.actor, category=case.category, automatic=automatic)



FOLLOWUP_WINDOW = dt.timedelta(hours=48)
FOLLOWUP_BATCH = 200


@dataclass(frozen=True)
class FollowupReport:
    """What one pass of `routing_followup` did."""

    suggested: int
    failed: int

    def summary(self) -> str:
        return f"分类建议：新记录 {self.suggested} 件，失败 {self.failed} 件"


def cases_awaiting_suggestion(*, now: dt.datetime | None = None, window: dt.timedelta = FOLLOWUP_WINDOW):
    """Received, active cases taken in within `window` that have no suggestion yet, oldest first."""
    now = now or timezone.now()
    return (
        Case.objects.filter(status=Status.RECEIVED, archived_at__isnull=True, received_at__gte=now - window)
        .filter(~Exists(Suggestion.objects.filter(case_id=OuterRef("pk"))))
        .select_related("region", "category", "created_by").order_by("received_at", "id")
    )


def routing_followup(
    *, now: dt.datetime | None = None, window: dt.timedelta = FOLLOWUP_WINDOW, limit: int = FOLLOWUP_BATCH
) -> FollowupReport:
    """Run `suggest_on_intake` for up to `limit` cases awaiting a suggestion (`cases_awaiting_suggestion`):
    the cases residents reported, whose requests left it to this pass, and any case whose suggestion
    failed after its intake. A case already classified by a person by then is left alone.

    Run one at a time (`manage.py routing_followup --loop`): two passes at once could record a case's
    suggestion twice.
    """
    suggested = failed = 0
    for case in cases_awaiting_suggestion(now=now, window=window)[:limit]:
        try:
            suggest_on_intake(case.pk, case=case)
            suggested += 1
        except Exception:
            failed += 1
            logger.exception("分类建议处理失败（事项 %s）", case.pk)
    return FollowupReport(suggested=suggested, failed=failed)
