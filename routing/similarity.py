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

from .textmodel import normalise

CACHE_SIZE = 20_000
_HASHER = HashingVectorizer(
    analyzer="char", ngram_range=(2, 3), n_features=2**20, alternate_sign=False, norm=None, dtype=np.float32,
)
# A cached text is its row's column indices and counts; rows are joined without scipy's per-matrix stacking.
_cache: OrderedDict[Hashable, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_lock = threading.Lock()


def _text(title: str, body: str) -> str:
    title = normalise(title)
    return f"{title}。{title}。{normalise(body)}"


def _counts(texts: Sequence[tuple[str, str]], keys: Sequence[Hashable | None] | None) -> sp.csr_matrix:
    keys = list(keys) if keys is not None else [None] * len(texts)
    rows: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(texts)
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
        counted.sum_duplicates()
        with _lock:
            for position, i in enumerate(missing):
                lo, hi = counted.indptr[position], counted.indptr[position + 1]
                rows[i] = (counted.indices[lo:hi].copy(), counted.data[lo:hi].copy())
                if keys[i] is not None:
                    _cache[keys[i]] = rows[i]
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(indices) for indices, _ in rows], out=indptr[1:])
    indices = np.concatenate([indices for indices, _ in rows]) if rows else np.zeros(0, dtype=np.int32)
    data = np.concatenate([data for _, data in rows]) if rows else np.zeros(0, dtype=np.float32)
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), _HASHER.n_features))


def vectors(texts: Sequence[tuple[str, str]], keys: Sequence[Hashable | None] | None = None) -> sp.csr_matrix:
    """L2-normalised TF-IDF rows of (title, text) pairs; `keys` (None for a text not to cache) let
    repeated texts skip the counting."""
    counts = _counts(texts, keys)
    n = counts.shape[0]
    # Weights are computed for the stored entries only: the 2^20 columns are mostly empty.
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    data = (1.0 + np.log(counts.data.astype(np.float64))) * (np.log((1.0 + n) / (1.0 + df[counts.indices])) + 1.0)
    rows = np.repeat(np.arange(n), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n))
    data /= np.where(norms > 0, norms, 1.0)[rows]
    return sp.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)


def similarities_to_first(
    texts: Sequence[tuple[str, str]], keys: Sequence[Hashable | None] | None = None,
) -> np.ndarray:
    """Cosine similarity of the first (title, text) pair to each of the others."""
    if len(texts) < 2:
        return np.zeros(0)
    matrix = vectors(texts, keys)
    # The first row as a dense lookup; each other row's dot product is a sum over its own entries.
    first = np.zeros(matrix.shape[1])
    lo, hi = matrix.indptr[0], matrix.indptr[1]
    first[matrix.indices[lo:hi]] = matrix.data[lo:hi]
    rest = slice(matrix.indptr[1], matrix.indptr[-1])
    rows = np.repeat(np.arange(matrix.shape[0] - 1), np.diff(matrix.indptr[1:]))
    products = matrix.data[rest] * first[matrix.indices[rest]]
    return np.bincount(rows, weights=products, minlength=matrix.shape[0] - 1)


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
