"""The text classifier behind the suggestions, free of Django: features, training, scoring, files.

A message is its title (主题) and its text (详情). Both are cleaned the same way: runs of Latin letters
and digits (dates, house and phone numbers, anonymised place codes such as "A3区") are dropped and
white space is collapsed, because they name no function. Three blocks of TF-IDF features (sublinear tf)
are stacked:

- words of title + text, segmented by jieba's dictionary (the Rust port, `rjieba`);
- single characters and character bigrams of title + text;
- single characters and character bigrams of the title alone, so the title, which usually names the
  problem in a few words, weighs as much as the whole long text.

Two linear models are trained on the same features: a linear SVM (class-balanced) and a complement
naive Bayes. Each one's per-message scores are standardised across the labels and the two are added;
a softmax with a temperature fitted on out-of-fold scores turns the sum into probabilities, so a
confidence threshold means the same thing from one trained version to the next.

Besides the labelled messages, every label can bring *label documents*: short texts that describe it,
made from the category tree (the names on the path to each sub-category and their keywords). They are
added as extra training messages; with a few hundred messages they lift macro-F1 by about 0.05 in
cross-validation, because the names of sub-categories are the vocabulary residents use.

`TextClassifier.save` writes one file (joblib, compressed); `load` refuses a file of another format
version. Only files the deployment wrote itself are loaded: pickled files can run code, so the caller
checks the file's SHA-256 against the database row before loading (see `routing.registry`).
"""

from __future__ import annotations

import abc
import hashlib
import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import rjieba
import scipy.sparse as sp
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

FORMAT_VERSION = 2

_NOISE = re.compile(r"[A-Za-z0-9０-９Ａ-Ｚａ-ｚ]+")
_SPACE = re.compile(r"\s+")

# Model settings chosen by repeated 5-fold cross-validation on the training split of the evaluation
# data (docs/benchmarks.md); none of them was tuned on its test split.
SVM_C = 0.5
NB_ALPHA = 0.1
# Caps on the vocabulary of each block, so the file and the memory stay bounded on a large history.
WORD_MAX_FEATURES = 60_000
CHAR_MAX_FEATURES = 120_000
TITLE_MAX_FEATURES = 30_000
# From this many training messages on, a feature must occur in two of them to be kept.
MIN_DF_FROM = 2_000
CALIBRATION_FOLDS = 3


def normalise(text: str) -> str:
    """The text without Latin letters and digits, with white space collapsed to single spaces."""
    return _SPACE.sub(" ", _NOISE.sub(" ", text or "")).strip()


def segment(text: str) -> list[str]:
    """Words of `text` (jieba's dictionary and HMM), white space left out."""
    return [word for word in rjieba.cut(text, True) if not word.isspace()]


def _combined(title: str, body: str) -> str:
    return f"{title}。{body}" if body else title


def _standardise(scores: np.ndarray) -> np.ndarray:
    centred = scores - scores.mean(axis=1, keepdims=True)
    return centred / (centred.std(axis=1, keepdims=True) + 1e-9)


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _log_softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


@dataclass(frozen=True)
class Prediction:
    """One label with its probability."""

    label: str
    score: float


@dataclass
class TrainingReport:
    """What a fit measured: sizes, time, and out-of-fold figures on the labelled messages."""

    n_train: int
    n_label_docs: int
    labels: list[str]
    train_seconds: float
    temperature: float
    metrics: dict[str, Any] = field(default_factory=dict)


class _Tfidf(abc.ABC):
    """TF-IDF with sublinear tf, smoothed idf and l2-normalised rows, over integer feature keys.

    Subclasses turn texts into (row, key) pairs; the vocabulary keeps the `max_features` keys most
    frequent in the training texts among those in at least `min_df` of them (as scikit-learn does).
    Counting with numpy instead of a Python loop per feature makes scoring several times faster.
    """

    def __init__(self, *, max_features: int, min_df: int = 1) -> None:
        self.max_features = max_features
        self.min_df = min_df
        self.keys_: np.ndarray = np.zeros(0, dtype=np.uint64)
        self.idf_: np.ndarray = np.zeros(0, dtype=np.float32)

    @abc.abstractmethod
    def _pairs(self, texts: Sequence[str], *, fit: bool) -> tuple[np.ndarray, np.ndarray]:
        """(row, key) pairs of `texts`; each subclass decides what a key is."""

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        rows, keys = self._pairs(texts, fit=True)
        unique_keys, inverse, totals = np.unique(keys, return_inverse=True, return_counts=True)
        pairs = np.unique(rows.astype(np.uint64) * np.uint64(len(unique_keys)) + inverse.astype(np.uint64))
        df = np.bincount((pairs % np.uint64(len(unique_keys))).astype(np.int64), minlength=len(unique_keys))
        keep = np.flatnonzero(df >= self.min_df)
        if len(keep) > self.max_features:
            keep = keep[np.argsort(-totals[keep], kind="stable")[: self.max_features]]
            keep.sort()
        self.keys_ = unique_keys[keep]
        self.idf_ = (np.log((1.0 + len(texts)) / (1.0 + df[keep])) + 1.0).astype(np.float32)
        return self._matrix(rows, keys, len(texts))

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        rows, keys = self._pairs(texts, fit=False)
        return self._matrix(rows, keys, len(texts))

    def _matrix(self, rows: np.ndarray, keys: np.ndarray, n: int) -> sp.csr_matrix:
        columns = np.searchsorted(self.keys_, keys)
        found = columns < len(self.keys_)
        found[found] = self.keys_[columns[found]] == keys[found]
        counts = sp.csr_matrix(
            (np.ones(int(found.sum()), dtype=np.float32), (rows[found], columns[found])),
            shape=(n, len(self.keys_)), dtype=np.float32,
        )
        counts.sum_duplicates()
        counts.data = (1.0 + np.log(counts.data)) * self.idf_[counts.indices]
        return normalize(counts, norm="l2", copy=False)


class CharVectoriser(_Tfidf):
    """Characters and character bigrams of each text (a bigram never spans two texts)."""

    def _pairs(self, texts: Sequence[str], *, fit: bool) -> tuple[np.ndarray, np.ndarray]:
        joined = "\x00".join(t.replace("\x00", " ") for t in texts) + "\x00"
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        ends = codes == 0
        row_of = np.cumsum(ends) - ends  # the text each position belongs to
        unigram = ~ends
        bigram = unigram[:-1] & unigram[1:]
        pairs = ((codes[:-1][bigram] + np.uint64(1)) << np.uint64(21)) | codes[1:][bigram]
        keys = np.concatenate([codes[unigram], pairs])
        rows = np.concatenate([row_of[unigram], row_of[:-1][bigram]])
        return rows.astype(np.int64), keys


class WordVectoriser(_Tfidf):
    """Words of each text (`segment`); word keys are indices into the vocabulary learned by `fit`."""

    def __init__(self, *, max_features: int, min_df: int = 1) -> None:
        super().__init__(max_features=max_features, min_df=min_df)
        self.words_: dict[str, int] = {}

    def _pairs(self, texts: Sequence[str], *, fit: bool) -> tuple[np.ndarray, np.ndarray]:
        words = self.words_
        rows: list[int] = []
        ids: list[int] = []
        for row, text in enumerate(texts):
            tokens = segment(text)
            if fit:
                for token in tokens:
                    words.setdefault(token, len(words))
            found = [words.get(token, -1) for token in tokens]
            rows += [row] * len(found)
            ids += found
        rows_array, ids_array = np.asarray(rows, dtype=np.int64), np.asarray(ids, dtype=np.int64)
        known = ids_array >= 0
        return rows_array[known], ids_array[known].astype(np.uint64)

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        self.words_ = {}
        matrix = super().fit_transform(texts)
        kept = set(self.keys_.tolist())
        self.words_ = {word: key for word, key in self.words_.items() if key in kept}  # only the vocabulary
        return matrix


def _vectorisers(n_docs: int) -> list[tuple[str, _Tfidf]]:
    min_df = 2 if n_docs >= MIN_DF_FROM else 1
    return [
        ("all", WordVectoriser(max_features=WORD_MAX_FEATURES, min_df=min_df)),
        ("all", CharVectoriser(max_features=CHAR_MAX_FEATURES, min_df=min_df)),
        ("title", CharVectoriser(max_features=TITLE_MAX_FEATURES, min_df=min_df)),
    ]


class TextClassifier:
    """Ranks labels for a (title, text) message; see the module docstring for the method."""

    def __init__(self) -> None:
        self.format_version = FORMAT_VERSION
        self.labels: list[str] = []
        self.temperature = 1.0
        self._vectorisers: list[tuple[str, _Tfidf]] = []
        self._svm_weights: np.ndarray | None = None  # features × labels, float32
        self._svm_bias: np.ndarray | None = None
        self._nb_weights: np.ndarray | None = None  # features × labels, float32

    # ------------------------------------------------------------------------------------------
    # Features
    # ------------------------------------------------------------------------------------------

    def _features(self, titles: Sequence[str], bodies: Sequence[str], *, fit: bool = False) -> sp.csr_matrix:
        titles = [normalise(t) for t in titles]
        combined = [_combined(t, normalise(b)) for t, b in zip(titles, bodies, strict=True)]
        blocks = []
        if fit:  # a block with no text at all (messages without titles) is left out
            self._vectorisers = [
                (source, vectoriser) for source, vectoriser in self._vectorisers
                if any(t.strip() for t in (titles if source == "title" else combined))
            ]
        for source, vectoriser in self._vectorisers:
            texts = titles if source == "title" else combined
            blocks.append(vectoriser.fit_transform(texts) if fit else vectoriser.transform(texts))
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    # ------------------------------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------------------------------

    @staticmethod
    def _fit_models(x: sp.csr_matrix, y: np.ndarray, weights: np.ndarray, n_labels: int):
        svm = LinearSVC(C=SVM_C, class_weight="balanced", random_state=0)
        svm.fit(x, y, sample_weight=weights)
        nb = ComplementNB(alpha=NB_ALPHA)
        nb.fit(x, y, sample_weight=weights)
        coef = svm.coef_
        bias = svm.intercept_
        if n_labels == 2:  # a binary SVM has one hyperplane: the first label's score is its negative
            coef = np.vstack([-coef[0], coef[0]])
            bias = np.array([-bias[0], bias[0]])
        return (
            np.ascontiguousarray(coef.T, dtype=np.float32),
            bias.astype(np.float32),
            np.ascontiguousarray(nb.feature_log_prob_.T, dtype=np.float32),
        )

    @staticmethod
    def _raw_scores(x: sp.csr_matrix, svm_w: np.ndarray, svm_b: np.ndarray, nb_w: np.ndarray) -> np.ndarray:
        svm = np.asarray(x @ svm_w) + svm_b
        nb = _log_softmax(np.asarray(x @ nb_w, dtype=np.float64))
        return _standardise(np.asarray(svm, dtype=np.float64)) + _standardise(nb)

    def fit(
        self, titles: Sequence[str], bodies: Sequence[str], labels: Sequence[str], *,
        label_docs: Mapping[str, Sequence[str]] | None = None, seed: int = 0,
    ) -> TrainingReport:
        """Train on labelled messages (plus `label_docs` for labels that have messages); needs ≥ 2 labels.

        Also fits the softmax temperature on out-of-fold scores of the labelled messages and reports
        out-of-fold macro-F1, accuracy, top-3 accuracy and, per confidence threshold, how many messages
        would be classified automatically and how many of those correctly.
        """
        start = time.perf_counter()
        y_msgs = np.asarray([str(label) for label in labels])
        self.labels = sorted(set(y_msgs.tolist()))
        if len(self.labels) < 2:
            raise ValueError("at least two labels are needed to train a classifier")
        extra_titles: list[str] = []
        extra_labels: list[str] = []
        for label in self.labels:
            for text in (label_docs or {}).get(label, ()):
                if text and text.strip():
                    extra_titles.append(text)
                    extra_labels.append(label)
        all_titles = list(titles) + extra_titles
        all_bodies = list(bodies) + extra_titles
        y = np.concatenate([y_msgs, np.asarray(extra_labels, dtype=y_msgs.dtype)])
        weights = np.ones(len(y), dtype=np.float64)
        self._vectorisers = _vectorisers(len(all_titles))
        x = self._features(all_titles, all_bodies, fit=True)
        n_labels = len(self.labels)
        metrics, self.temperature = self._out_of_fold(x, y, weights, n_msgs=len(y_msgs), seed=seed)
        self._svm_weights, self._svm_bias, self._nb_weights = self._fit_models(x, y, weights, n_labels)
        return TrainingReport(
            n_train=len(y_msgs), n_label_docs=len(extra_titles), labels=list(self.labels),
            train_seconds=round(time.perf_counter() - start, 3), temperature=self.temperature, metrics=metrics,
        )

    def _out_of_fold(
        self, x: sp.csr_matrix, y: np.ndarray, weights: np.ndarray, *, n_msgs: int, seed: int,
    ) -> tuple[dict[str, Any], float]:
        """Scores of each labelled message from a model that did not see it (label documents always train).

        The vocabulary and IDF are those of the whole set: only the classifiers are refitted per fold,
        which keeps training fast; the figures are therefore slightly optimistic, and serve to calibrate
        the confidence and to compare versions, not as an evaluation (that is `routing_eval`).
        """
        y_msgs = y[:n_msgs]
        counts = {label: int((y_msgs == label).sum()) for label in self.labels}
        folds = min(CALIBRATION_FOLDS, min(counts.values()))
        if folds < 2:
            return {"note": "too few messages per label for out-of-fold figures"}, 1.0
        index = {label: i for i, label in enumerate(self.labels)}
        scores = np.zeros((n_msgs, len(self.labels)))
        extra = np.arange(n_msgs, len(y))
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        for train_idx, test_idx in splitter.split(np.zeros(n_msgs), y_msgs):
            fit_idx = np.concatenate([train_idx, extra])
            fit_labels = sorted(set(y[fit_idx].tolist()))
            svm_w, svm_b, nb_w = self._fit_models(x[fit_idx], y[fit_idx], weights[fit_idx], len(fit_labels))
            fold_scores = self._raw_scores(x[test_idx], svm_w, svm_b, nb_w)
            columns = [index[label] for label in fit_labels]
            scores[np.ix_(test_idx, columns)] = fold_scores
        truth = np.asarray([index[label] for label in y_msgs])
        temperature = _fit_temperature(scores, truth)
        probabilities = _softmax(scores / temperature)
        return _figures(probabilities, truth, self.labels), temperature

    # ------------------------------------------------------------------------------------------
    # Scoring
    # ------------------------------------------------------------------------------------------

    def predict_proba(self, titles: Sequence[str], bodies: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per message and one column per label (in `labels` order)."""
        if self._svm_weights is None:
            raise RuntimeError("the classifier is not trained")
        x = self._features(titles, bodies)
        return _softmax(self._raw_scores(x, self._svm_weights, self._svm_bias, self._nb_weights) / self.temperature)

    def top(self, title: str, body: str, k: int = 3) -> list[Prediction]:
        """The `k` most probable labels for one message, best first."""
        return self.top_many([title], [body], k)[0]

    def top_many(self, titles: Sequence[str], bodies: Sequence[str], k: int = 3) -> list[list[Prediction]]:
        """`top` for many messages at once (much faster per message)."""
        probabilities = self.predict_proba(titles, bodies)
        order = np.argsort(-probabilities, axis=1)[:, :k]
        return [
            [Prediction(self.labels[j], float(row[j])) for j in ranks]
            for row, ranks in zip(probabilities, order, strict=True)
        ]

    # ------------------------------------------------------------------------------------------
    # Files
    # ------------------------------------------------------------------------------------------

    def save(self, path: str | Path) -> tuple[int, str]:
        """Write the model to `path` (via a temporary file and a rename); returns (size, sha256)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        joblib.dump(self, partial, compress=3)
        partial.replace(path)
        return path.stat().st_size, file_sha256(path)

    @classmethod
    def load(cls, path: str | Path) -> TextClassifier:
        """Read a model written by `save`; raises ValueError for a file of another format."""
        model = joblib.load(Path(path))
        if not isinstance(model, cls) or getattr(model, "format_version", None) != FORMAT_VERSION:
            raise ValueError(f"{path} is not a routing model of format {FORMAT_VERSION}")
        return model


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature minimising the log-loss of `scores` (golden-section search on log T)."""

    def loss(log_t: float) -> float:
        log_p = _log_softmax(scores / math.exp(log_t))
        return float(-log_p[np.arange(len(truth)), truth].mean())

    low, high = math.log(0.05), math.log(20.0)
    ratio = (math.sqrt(5) - 1) / 2
    a, b = high - ratio * (high - low), low + ratio * (high - low)
    fa, fb = loss(a), loss(b)
    for _ in range(60):
        if fa < fb:
            high, b, fb = b, a, fa
            a = high - ratio * (high - low)
            fa = loss(a)
        else:
            low, a, fa = a, b, fb
            b = low + ratio * (high - low)
            fb = loss(b)
    return round(math.exp((low + high) / 2), 4)


AUTO_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


def _figures(probabilities: np.ndarray, truth: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    predicted = probabilities.argmax(axis=1)
    top3 = np.argsort(-probabilities, axis=1)[:, :3]
    confidence = probabilities.max(axis=1)
    auto = {}
    for threshold in AUTO_THRESHOLDS:
        chosen = confidence >= threshold
        auto[f"{threshold:.2f}"] = {
            "coverage": round(float(chosen.mean()), 4),
            "precision": round(float((predicted[chosen] == truth[chosen]).mean()), 4) if chosen.any() else None,
        }
    return {
        "macro_f1": round(float(f1_score(truth, predicted, average="macro", labels=range(len(labels)))), 4),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "top3_accuracy": round(float(np.mean([t in row for t, row in zip(truth, top3, strict=True)])), 4),
        "n": int(len(truth)),
        "auto": auto,
    }
