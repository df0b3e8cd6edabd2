"""Text similarity of short complaints, for duplicates and hot spots (no Django here).

Texts are cleaned like the classifier's (Latin letters and digits dropped), then compared by the
cosine of their TF-IDF vectors of character bigrams and trigrams (sublinear tf), with the inverse
document frequencies of the set being compared, so words every complaint uses ("小区", "反映") weigh
little. The title counts twice: it is repeated in front of the text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from .textmodel import normalise


def _text(title: str, body: str) -> str:
    title = normalise(title)
    return f"{title}。{title}。{normalise(body)}"


def vectors(texts: Sequence[tuple[str, str]]) -> sp.csr_matrix:
    """L2-normalised TF-IDF rows of (title, text) pairs."""
    vectoriser = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, dtype=np.float32)
    return vectoriser.fit_transform([_text(title, body) for title, body in texts]).tocsr()


def similarities_to_first(texts: Sequence[tuple[str, str]]) -> np.ndarray:
    """Cosine similarity of the first (title, text) pair to each of the others."""
    if len(texts) < 2:
        return np.zeros(0)
    matrix = vectors(texts)
    return np.asarray((matrix[1:] @ matrix[0].T).todense()).ravel()


def pairwise(texts: Sequence[tuple[str, str]]) -> np.ndarray:
    """The matrix of cosine similarities between all (title, text) pairs."""
    if not texts:
        return np.zeros((0, 0))
    matrix = vectors(texts)
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
