"""The keyword model: suggestions from the category tree alone, for a deployment without history.

Each category is described by its own terms (its name and its keywords) and inherits the terms of its
ancestors at a quarter of the weight. A term found in the title counts twice as much as one found in
the text, and a longer term more than a shorter one ("楼道灯" beats "楼道"). A category is a candidate
only when one of its own terms matches; scores are shares of the candidates' total, so they rank but
are not probabilities, and the keyword model never classifies a case by itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .textmodel import Prediction

INHERITED_WEIGHT = 0.25
TITLE_WEIGHT = 2.0

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class KeywordEntry:
    """One category: its label (code), its own terms and the terms it inherits from its ancestors."""

    label: str
    terms: tuple[str, ...]
    inherited: tuple[str, ...] = ()


def _clean(text: str) -> str:
    return _SPACE.sub("", (text or "").lower())


class KeywordModel:
    """Ranks categories by the terms of their names and keywords found in a message."""

    kind = "keywords"

    def __init__(self, entries: Sequence[KeywordEntry], version: str = "keywords") -> None:
        self.version = version
        self.entries = [
            KeywordEntry(
                entry.label,
                tuple(dict.fromkeys(_clean(t) for t in entry.terms if _clean(t))),
                tuple(dict.fromkeys(_clean(t) for t in entry.inherited if _clean(t))),
            )
            for entry in entries
        ]
        self.labels = [entry.label for entry in self.entries]

    @staticmethod
    def _weight(terms: Sequence[str], title: str, body: str) -> float:
        total = 0.0
        for term in terms:
            if term in title:
                total += TITLE_WEIGHT * len(term)
            elif term in body:
                total += len(term)
        return total

    def top(self, title: str, body: str, k: int = 3) -> list[Prediction]:
        """The `k` best-matching categories, best first; empty when no term matches."""
        title, body = _clean(title), _clean(body)
        raw: list[tuple[float, int, str]] = []
        for position, entry in enumerate(self.entries):
            own = self._weight(entry.terms, title, body)
            if own <= 0:
                continue
            raw.append((own + INHERITED_WEIGHT * self._weight(entry.inherited, title, body), position, entry.label))
        total = sum(score for score, _, _ in raw)
        raw.sort(key=lambda item: (-item[0], item[1]))
        return [Prediction(label, round(score / total, 4)) for score, _, label in raw[:k]]
