"""Which classifier a process serves, loaded lazily and swapped without a restart.

Every process keeps the model it loaded. At most every `GONGZHI_ROUTING_RELOAD_SECONDS` it looks up
the active `RoutingModel` row (one indexed query); when the active version changed, it loads the new
file (checking its SHA-256 against the row first) and swaps it in, while requests already running
finish with the old one. If the file is missing, altered or unreadable, the process logs it and serves
the keyword model until a good version is active. The keyword model is rebuilt whenever the category
tree changed (checked on the same clock).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field

from django.db.models import Count, Max

from categories.models import Category
from categories.selectors import Responsibles, departments_for, split_keywords

from . import conf
from .keywords import KeywordEntry, KeywordModel
from .models import RoutingModel
from .textmodel import TextClassifier, file_sha256

logger = logging.getLogger("gongzhi.routing")


@dataclass(frozen=True)
class LoadedModel:
    """A trained classifier as loaded from its file, with the row it came from."""

    version: str
    row_id: int
    classifier: TextClassifier

    kind = "trained"


@dataclass
class _State:
    checked_at: float = float("-inf")
    active: LoadedModel | None = None
    failed_version: str = ""
    keyword_checked_at: float = float("-inf")
    keyword_signature: str = ""
    keyword_model: KeywordModel | None = None
    # Category id → (when looked up, its bodies); bounded by the number of categories.
    responsibles: dict[int, tuple[float, Responsibles]] = field(default_factory=dict)


_state = _State()
_lock = threading.Lock()


def reset() -> None:
    """Forget what this process loaded (tests; a process that must reload at once)."""
    global _state
    with _lock:
        _state = _State()


def _load(row: RoutingModel) -> LoadedModel | None:
    path = conf.model_dir() / row.path
    try:
        digest = file_sha256(path)
        if digest != row.sha256:
            logger.error("分类模型 %s 的文件校验值不符，未加载（%s）", row.version, path)
            return None
        classifier = TextClassifier.load(path)
    except (OSError, ValueError, EOFError, AttributeError, ImportError) as exc:
        logger.error("分类模型 %s 无法加载（%s）：%s", row.version, path, exc)
        return None
    return LoadedModel(version=row.version, row_id=row.pk, classifier=classifier)


def active_model() -> LoadedModel | None:
    """The active trained classifier, or None when there is none (or it cannot be loaded)."""
    now = time.monotonic()
    state = _state
    if now - state.checked_at < conf.reload_seconds():
        return state.active
    row = RoutingModel.objects.filter(active=True).only("id", "version", "path", "sha256").first()
    with _lock:
        state = _state
        state.checked_at = now
        if row is None:
            state.active = None
        elif state.active is None or state.active.version != row.version:
            if state.failed_version != row.version:
                loaded = _load(row)
                state.failed_version = "" if loaded else row.version
                # Keep serving the previous version if the new one cannot be loaded.
                state.active = loaded or state.active
        return state.active


def keyword_entries() -> list[KeywordEntry]:
    """The active categories as keyword entries (name and keywords; ancestors' terms inherited)."""
    categories = list(Category.objects.active().only("id", "code", "name", "keywords", "parent_id").order_by(
        "level", "order", "code"
    ))
    by_id = {category.pk: category for category in categories}
    entries = []
    for category in categories:
        inherited: list[str] = []
        parent = by_id.get(category.parent_id)
        while parent is not None:
            inherited += [parent.name, *split_keywords(parent.keywords)]
            parent = by_id.get(parent.parent_id)
        if category.parent_id is not None and category.parent_id not in by_id:
            continue  # under an archived branch
        entries.append(KeywordEntry(category.code, (category.name, *split_keywords(category.keywords)),
                                    tuple(inherited)))
    return entries


def keyword_model() -> KeywordModel:
    """The keyword model of the current category tree (rebuilt when the tree changes)."""
    now = time.monotonic()
    state = _state
    if state.keyword_model is not None and now - state.keyword_checked_at < conf.reload_seconds():
        return state.keyword_model
    stamp = Category.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    signature = f"{stamp['n']}:{stamp['last'].isoformat() if stamp['last'] else ''}"
    with _lock:
        state = _state
        state.keyword_checked_at = now
        if state.keyword_model is None or state.keyword_signature != signature:
            digest = hashlib.sha256(signature.encode()).hexdigest()[:8]
            state.keyword_model = KeywordModel(keyword_entries(), version=f"keywords-{digest}")
            state.keyword_signature = signature
        return state.keyword_model


def responsibles(category: Category) -> Responsibles:
    """`categories.selectors.departments_for(category)`, kept for the reload interval: the intake page
    asks for suggestions at every pause in typing, and the bodies of a category rarely change (a change
    shows in the suggestions within `GONGZHI_ROUTING_RELOAD_SECONDS`; dispatching always reads afresh)."""
    now = time.monotonic()
    state = _state
    seen = state.responsibles.get(category.pk)
    if seen is not None and now - seen[0] < conf.reload_seconds():
        return seen[1]
    found = departments_for(category)
    with _lock:
        _state.responsibles[category.pk] = (now, found)
    return found
