"""Reads for routing: category suggestions, likely duplicates at intake, and hot spots of open cases."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from cases.models import Case
from cases.workflow import OPEN_STATUSES
from categories.models import Category
from categories.selectors import Responsibles
from regions.models import CODE_LENGTHS, Level, Region

from . import conf, registry, similarity
from .models import RoutingModel, Suggestion

DEFAULT_TOP_K = 3
# Most candidates compared with a new case (the most recent first); a community rarely has this many
# open cases from the last month, and the text comparison of this many takes a few milliseconds.
MAX_DUPLICATE_CANDIDATES = 300
MAX_HOT_SPOT_CASES = 3000
# A case in another grid or building of the same community counts a little less than one in the same.
NEIGHBOUR_FACTOR = 0.9
HOT_SPOT_THRESHOLD = 0.3


# --------------------------------------------------------------------------------------------------
# Category suggestions
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategorySuggestion:
    """One suggested category: its score (a probability for a trained model) and who handles it."""

    category: Category
    score: float
    responsibles: Responsibles


@dataclass(frozen=True)
class Suggestions:
    """The ranked suggestions for one text and the model that made them."""

    model_version: str
    model_kind: str
    model_id: int | None
    items: list[CategorySuggestion] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        """The score of the first suggestion (0 when there is none)."""
        return self.items[0].score if self.items else 0.0

    @property
    def calibrated(self) -> bool:
        """Whether scores are probabilities (a trained model), so a threshold may act on them."""
        return self.model_kind == Suggestion.Kind.TRAINED


def suggest_categories(*, title: str, description: str, k: int = DEFAULT_TOP_K) -> Suggestions:
    """The `k` most likely active categories for a case text, with their departments.

    Uses the active trained model when there is one that loads, else the keyword model of the
    category tree. Categories archived since the model was trained are left out.
    """
    loaded = registry.active_model()
    if loaded is not None:
        ranked = loaded.classifier.top(title, description, k=k + 3)
        version, kind, model_id = loaded.version, Suggestion.Kind.TRAINED, loaded.row_id
    else:
        keywords = registry.keyword_model()
        ranked = keywords.top(title, description, k=k)
        version, kind, model_id = keywords.version, Suggestion.Kind.KEYWORDS, None
    by_code = {
        category.code: category
        for category in Category.objects.active().select_related("parent").filter(code__in=[p.label for p in ranked])
    }
    kept = [p for p in ranked if p.label in by_code][:k]
    items = [
        CategorySuggestion(
            category=by_code[p.label], score=round(p.score, 4), responsibles=registry.responsibles(by_code[p.label])
        )
        for p in kept
    ]
    return Suggestions(model_version=version, model_kind=kind, model_id=model_id, items=items)


def routing_models() -> QuerySet[RoutingModel]:
    """Every trained version, newest first."""
    return RoutingModel.objects.order_by("-trained_at", "-id")


# --------------------------------------------------------------------------------------------------
# Likely duplicates
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateMatch:
    """An open case that is probably the same problem, and how sure (0–1)."""

    case: Case
    score: float
    text_similarity: float
    same_place: bool


def _community_scope(region: Region) -> str:
    """The code whose subtree counts as "the same place or next to it": the community of `region`."""
    community = CODE_LENGTHS[Level.COMMUNITY]
    return region.code[:community] if len(region.code) >= community else region.code


def _text_key(pk: int, title: str, description: str) -> tuple:
    """Identifies a case's text in the similarity cache (the text is hashed in case it was edited)."""
    return ("case", pk, hash((title, description)))


def _cache_key(case: Case) -> tuple:
    return _text_key(case.pk, case.title, case.description)


def _same_place(a: str, b: str) -> bool:
    """Same grid or building, or one inside the other (a building in that grid)."""
    return a.startswith(b) or b.startswith(a)


def likely_duplicates(
    *, title: str, description: str, region: Region, exclude_case: Case | None = None, limit: int = 5,
    days: int | None = None, min_score: float | None = None, now: dt.datetime | None = None,
    within: QuerySet[Case] | None = None,
) -> list[DuplicateMatch]:
    """Open cases of the last `days` in the same community as `region` whose text is like this one.

    SQL narrows the candidates to open, active cases received within `days` (default
    `GONGZHI_ROUTING_DUPLICATE_DAYS`) in the community's subtree (one range condition on the region
    code); the most recent `MAX_DUPLICATE_CANDIDATES` are then compared by text (character n-gram
    TF-IDF cosine, `routing.similarity`). The score is that similarity, times 0.9 when the case lies in
    another grid or building of the community. Matches below `min_score` (default
    `GONGZHI_ROUTING_DUPLICATE_MIN_SCORE`) are dropped; the best `limit` are returned, best first.
    `within` restricts the candidates further (e.g. to the cases the reader may see).
    """
    now = now or timezone.now()
    days = conf.duplicate_days() if days is None else days
    min_score = conf.duplicate_min_score() if min_score is None else min_score
    scope = _community_scope(region)
    candidates = (within if within is not None else Case.objects.all()).filter(
        archived_at__isnull=True, status__in=list(OPEN_STATUSES), received_at__gte=now - dt.timedelta(days=days),
        region__code__gte=scope, region__code__lt=scope + ":",
    )
    if exclude_case is not None:
        candidates = candidates.exclude(pk=exclude_case.pk)
    # Only the texts are read for the comparison; whole cases (with their encrypted contacts) are loaded
    # for the few that match.
    rows = list(
        candidates.order_by("-received_at", "-id")
        .values_list("id", "title", "description", "region__code")[:MAX_DUPLICATE_CANDIDATES]
    )
    if not rows or not (title or description):
        return []
    scores = similarity.similarities_to_first(
        [(title, description)] + [(row[1], row[2]) for row in rows],
        keys=[None] + [_text_key(*row[:3]) for row in rows],
    )
    found = []
    for (pk, _, _, code), text_score in zip(rows, scores.tolist(), strict=True):
        same = _same_place(code, region.code)
        score = text_score * (1.0 if same else NEIGHBOUR_FACTOR)
        if score >= min_score:
            found.append((round(score, 4), round(text_score, 4), same, pk))
    found.sort(key=lambda row: (-row[0], -row[3]))
    found = found[:limit]
    # The matches are shown by code, title and place; their encrypted phone is not decrypted for that.
    cases = Case.objects.select_related("region", "category").defer("contact_phone").in_bulk(
        [row[3] for row in found]
    )
    return [
        DuplicateMatch(case=cases[pk], score=score, text_similarity=text_score, same_place=same)
        for score, text_score, same, pk in found
    ]


# --------------------------------------------------------------------------------------------------
# Hot spots
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HotSpot:
    """Open cases of one community that are about the same thing."""

    community_code: str
    community: Region | None
    cases: list[Case]
    title: str
    category: Category | None

    @property
    def size(self) -> int:
        return len(self.cases)

    @property
    def regions(self) -> list[Region]:
        """The grids and buildings (or the community) the cases were reported in, once each."""
        seen: dict[int, Region] = {}
        for case in self.cases:
            seen.setdefault(case.region_id, case.region)
        return list(seen.values())


def hot_spots(
    region: Region, *, days: int | None = None, min_size: int = 2, threshold: float = HOT_SPOT_THRESHOLD,
    now: dt.datetime | None = None, within: QuerySet[Case] | None = None, limit: int = 20,
) -> list[HotSpot]:
    """Clusters of open cases under `region` received in the last `days`: same community, similar text.

    Cases are grouped by community; inside a community, cases whose texts are at least `threshold`
    similar are joined (single link). Clusters of at least `min_size` cases are returned, largest
    first; each is named by the title of its most typical case and its most frequent category.
    """
    now = now or timezone.now()
    days = conf.duplicate_days() if days is None else days
    cases = list(
        (within if within is not None else Case.objects.all()).filter(
            archived_at__isnull=True, status__in=list(OPEN_STATUSES),
            received_at__gte=now - dt.timedelta(days=days),
            region__code__gte=region.code, region__code__lt=region.code + ":",
        ).select_related("region", "category").order_by("-received_at", "-id")[:MAX_HOT_SPOT_CASES]
    )
    by_community: dict[str, list[Case]] = {}
    for case in cases:
        by_community.setdefault(_community_scope(case.region), []).append(case)
    spots: list[tuple[str, list[Case], Case]] = []
    for code, group in by_community.items():
        if len(group) < min_size:
            continue
        matrix = similarity.pairwise([(c.title, c.description) for c in group], keys=[_cache_key(c) for c in group])
        for members in similarity.clusters(matrix, threshold):
            if len(members) < min_size:
                continue
            central = max(members, key=lambda i: float(matrix[i, members].sum()))
            spots.append((code, [group[i] for i in members], group[central]))
    spots.sort(key=lambda spot: (-len(spot[1]), spot[0]))
    spots = spots[:limit]
    communities = {r.code: r for r in Region.objects.filter(code__in={code for code, _, _ in spots})}
    result = []
    for code, members, central in spots:
        categories = Counter(c.category for c in members if c.category is not None)
        result.append(HotSpot(
            community_code=code, community=communities.get(code), cases=members, title=central.title,
            category=categories.most_common(1)[0][0] if categories else None,
        ))
    return result
