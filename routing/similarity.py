"""Text similarity of short complaints, for duplicates and hot spots (no Django here).

Texts are cleaned like the classifier's (Latin letters and digits dropped), then compared by the
cosine of their TF-IDF vectors of character bigrams and trigrams (sublinear tf, smoothed idf), with
the inverse document frequencies of the set being compared, so words every complaint uses ("小区",
"反映") weigh little. The title counts twice: it is repeated in front of the text.

Counting a text's n-grams is the costly part, so the counts of texts that carry a key (a case's id)
are kept in a bounded in-process cache: a community's open cases are counted once, and each later
comparison counts only the new text. N-grams are hashed into 2^20 columns (collisions are negligible
at this size), so cached rows from different requests share one space.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

from .textmodel import normalise

CACHE_SIZE = 20_000
_HASHER = HashingVectorizer(
    analyzer="char", ngram_range=(2, 3), n_features=2**20, alternate_sign=False, norm=None, dtype=np.float32,
)
_cache: OrderedDict[Hashable, sp.csr_matrix] = OrderedDict()
_lock = threading.Lock()


def _text(title: str, body: str) -> str:
    title = normalise(title)
    return f"{title}。{title}。{normalise(body)}"


def _counts(texts: Sequence[tuple[str, str]], keys: Sequence[Hashable | None] | None) -> sp.csr_matrix:
    keys = list(keys) if keys is not None else [None] * len(texts)
    rows: list[sp.csr_matrix | None] = [None] * len(texts)
    missing = []
    with _lock:
        for i, key in enumerate(keys):
            if key is not None and key in _cache:
                _cache.move_to_end(key)
                rows[i] = _cache[key]
            else:
                missing.append(i)
    if missing:
        counted = _HASHER.transform([_text(*texts[i]) for i in missing]).tocsr()
        with _lock:
            for position, i in enumerate(missing):
                rows[i] = counted[position]
                if keys[i] is not None:
                    _cache[keys[i]] = rows[i]
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return sp.vstack(rows, format="csr")


def vectors(texts: Sequence[tuple[str, str]], keys: Sequence[Hashable | None] | None = None) -> sp.csr_matrix:
    """L2-normalised TF-IDF rows of (title, text) pairs; `keys` (None for a text not to cache) let
    repeated texts skip the counting."""
    counts = _counts(texts, keys).astype(np.float64)
    counts.data = 1.0 + np.log(counts.data)
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    weighted = counts @ sp.diags(idf.astype(np.float64))
    return normalize(weighted.tocsr(), norm="l2", copy=False)


def similarities_to_first(
    texts: Sequence[tuple[str, str]], keys: Sequence[Hashable | None] | None = None,
) -> np.ndarray:
    """Cosine similarity of the first (title, text) pair to each of the others."""
    if len(texts) < 2:
        return np.zeros(0)
    matrix = vectors(texts, keys)
    return np.asarray((matrix[1:] @ matrix[0].T).todense()).ravel()


def pairwise(texts: Sequence[tuple[str, str]], keys: Sequence[Hashable | None] | None = None) -> np.ndarray:
    """The matrix of cosine similarities between all (title, text) pairs."""
    if not texts:
        return np.zeros((0, 0))
    matrix = vectors(texts, keys)
    return np.asarray((matrix @ matrix.T).todense())


def clusters(similarity: np.ndarray, threshold: float) -> list[list[int]]:
    """Groups of indices joined by similarity ≥ `threshold` (single link), largest first."""
    n = similarity.shape[0]
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    rows, cols = np.nonzero(np.triu(similarity >= threshold, k=1))
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        a, b = find(i), find(j)
        if a != b:
            parent[b] = a
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=lambda group: (-len(group), group[0]))
