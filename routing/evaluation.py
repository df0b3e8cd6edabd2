"""Evaluating the classifier on labelled message files, outside the database.

Files:
- messages as .xlsx in the layout of the public complaints set (a header row with 留言编号, 留言主题,
  留言详情 and 一级分类; rows without text are skipped, a repeated 留言编号 is dropped), or as .csv with
  the columns `text,label` (and optionally `title` and `id`), UTF-8;
- a category list as .xlsx with 一级分类 / 二级分类 / 三级分类 columns (the layout the category importer
  reads), or as .csv with `label,text`: it gives each first-level label its label documents.

The fixed split of the complaints set puts a message in the test split when
`int(sha256(str(留言编号)).hexdigest(), 16) % 5 == 0`.
"""

from __future__ import annotations

import csv
import hashlib
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from core.xlsx import cell_text, open_workbook

from .textmodel import TextClassifier

ID_HEADER = "留言编号"
TITLE_HEADER = "留言主题"
TEXT_HEADER = "留言详情"
LABEL_HEADER = "一级分类"
# Names that say nothing about a category ("other"); left out of label documents.
EMPTY_NAMES = frozenset({"其他", "其它"})


@dataclass(frozen=True)
class Message:
    """One labelled message."""

    id: str
    title: str
    text: str
    label: str


def read_messages(path: str | Path) -> list[Message]:
    """Messages of an .xlsx (complaints layout) or a .csv (`text,label`, optional `title`, `id`) file."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return _read_csv(path)
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path)
    raise ValueError(f"{path}: expected an .xlsx or a .csv file")


def _read_csv(path: Path) -> list[Message]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"text", "label"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        messages = []
        for number, row in enumerate(reader, start=2):
            text, label = (row.get("text") or "").strip(), (row.get("label") or "").strip()
            title = (row.get("title") or "").strip()
            if (text or title) and label:
                messages.append(Message(id=(row.get("id") or str(number)).strip(), title=title, text=text, label=label))
    return messages


def _read_xlsx(path: Path) -> list[Message]:
    with open_workbook(path) as workbook:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        columns: dict[str, int] = {}
        for row in rows:
            names = [cell_text(value) for value in row]
            if TEXT_HEADER in names and LABEL_HEADER in names:
                columns = {name: names.index(name) for name in (ID_HEADER, TITLE_HEADER, TEXT_HEADER, LABEL_HEADER)
                           if name in names}
                break
        if not columns:
            raise ValueError(f"{path}: no header row with {TEXT_HEADER} and {LABEL_HEADER}")
        messages: list[Message] = []
        seen: set[str] = set()
        blank_run = 0
        for number, row in enumerate(rows, start=2):
            values = {name: cell_text(row[index]) if index < len(row) else "" for name, index in columns.items()}
            if not any(values.values()):
                blank_run += 1
                if blank_run > 1000:  # sheets often claim thousands of empty formatted rows
                    break
                continue
            blank_run = 0
            text, title, label = values.get(TEXT_HEADER, ""), values.get(TITLE_HEADER, ""), values.get(LABEL_HEADER, "")
            if not (text or title) or not label:
                continue
            message_id = values.get(ID_HEADER) or f"row{number}"
            if message_id in seen:
                continue
            seen.add(message_id)
            messages.append(Message(id=message_id, title=title, text=text, label=label))
        return messages


def in_test_split(message_id: str) -> bool:
    """The fixed split of the complaints set: one message in five, chosen by a hash of its number."""
    return int(hashlib.sha256(str(message_id).encode("utf-8")).hexdigest(), 16) % 5 == 0


def fixed_split(messages: Sequence[Message]) -> tuple[list[Message], list[Message]]:
    """(train, test) by `in_test_split`."""
    train = [m for m in messages if not in_test_split(m.id)]
    test = [m for m in messages if in_test_split(m.id)]
    return train, test


def write_csv(messages: Iterable[Message], path: str | Path) -> int:
    """Write messages as .csv with `id,title,text,label`; returns how many."""
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "text", "label"])
        for message in messages:
            writer.writerow([message.id, message.title, message.text, message.label])
            count += 1
    return count


def label_docs_from_paths(paths: Iterable[Sequence[str]]) -> dict[str, list[str]]:
    """Label documents from category paths whose first name is the label: one per node below the label.

    A document is the names on the path below the label down to that node, leaving out names that
    mean "other"; the label's own name is left out (it is in every document of the label, so it adds
    nothing but weight; cross-validation on the training split agrees). A label with nothing below it
    is described by its own name. Repeated documents are kept once.
    """
    docs: dict[str, list[str]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for path in paths:
        names = [name.strip() for name in path if name and name.strip()]
        if not names:
            continue
        label = names[0]
        docs.setdefault(label, [])
        for depth in range(2, len(names) + 1):
            text = " ".join(name for name in names[1:depth] if name not in EMPTY_NAMES)
            if text and (label, text) not in seen:
                seen.add((label, text))
                docs[label].append(text)
    return {label: texts or [label] for label, texts in docs.items()}


def read_label_docs(path: str | Path) -> dict[str, list[str]]:
    """Label documents from a category list (.xlsx with 一级/二级/三级 columns) or a `label,text` .csv."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        docs: dict[str, list[str]] = defaultdict(list)
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                label, text = (row.get("label") or "").strip(), (row.get("text") or "").strip()
                if label and text:
                    docs[label].append(text)
        return dict(docs)
    from categories.xlsx import read_category_rows

    return label_docs_from_paths(names for _, names in read_category_rows(path))


def _scores(truth: Sequence[str], predicted: Sequence[str], top3: Sequence[Sequence[str]]) -> dict[str, Any]:
    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    return {
        "macro_f1": round(float(f1_score(truth, predicted, average="macro", labels=sorted(set(truth)))), 4),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "top3_accuracy": round(float(np.mean([t in row for t, row in zip(truth, top3, strict=True)])), 4),
        "per_label": {
            label: {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
                    "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
    }


def evaluate(
    train: Sequence[Message], test: Sequence[Message], *, label_docs: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Train a fresh classifier on `train`, score it on `test`: the figures `routing_eval` prints."""
    model, train_seconds = _fit(train, label_docs)
    start = time.perf_counter()
    ranked = model.top_many([m.title for m in test], [m.text for m in test], k=3)
    predict_seconds = time.perf_counter() - start
    result = _scores([m.label for m in test], [r[0].label for r in ranked], [[p.label for p in r] for r in ranked])
    return {
        "macro_f1": result["macro_f1"],
        "accuracy": result["accuracy"],
        "top3_accuracy": result["top3_accuracy"],
        "n_train": len(train),
        "n_test": len(test),
        "n_label_docs": sum(len(docs) for label, docs in (label_docs or {}).items() if label in model.labels),
        "train_seconds": round(train_seconds, 3),
        "predict_seconds": round(predict_seconds, 3),
        "per_label": result["per_label"],
    }


def _fit(train: Sequence[Message], label_docs: dict[str, list[str]] | None) -> tuple[TextClassifier, float]:
    model = TextClassifier()
    start = time.perf_counter()
    model.fit([m.title for m in train], [m.text for m in train], [m.label for m in train], label_docs=label_docs)
    return model, time.perf_counter() - start


def cross_validate(
    messages: Sequence[Message], *, folds: int = 5, seed: int = 0, label_docs: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Stratified k-fold cross-validation: the figures pooled over the k test folds, and each fold's."""
    labels = np.asarray([m.label for m in messages])
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    truth: list[str] = []
    predicted: list[str] = []
    top3: list[list[str]] = []
    per_fold: list[dict[str, Any]] = []
    train_seconds = 0.0
    for train_idx, test_idx in splitter.split(np.zeros(len(messages)), labels):
        model, seconds = _fit([messages[i] for i in train_idx], label_docs)
        train_seconds += seconds
        test = [messages[i] for i in test_idx]
        ranked = model.top_many([m.title for m in test], [m.text for m in test], k=3)
        fold_truth = [m.label for m in test]
        fold_predicted = [r[0].label for r in ranked]
        fold_top3 = [[p.label for p in r] for r in ranked]
        per_fold.append(_scores(fold_truth, fold_predicted, fold_top3))
        truth += fold_truth
        predicted += fold_predicted
        top3 += fold_top3
    pooled = _scores(truth, predicted, top3)
    return {
        "macro_f1": pooled["macro_f1"],
        "accuracy": pooled["accuracy"],
        "top3_accuracy": pooled["top3_accuracy"],
        "folds": folds,
        "n": len(messages),
        "train_seconds": round(train_seconds / folds, 3),
        "macro_f1_per_fold": [fold["macro_f1"] for fold in per_fold],
        "top3_per_fold": [fold["top3_accuracy"] for fold in per_fold],
        "per_label": pooled["per_label"],
    }
