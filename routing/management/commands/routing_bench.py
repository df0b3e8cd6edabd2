"""`python manage.py routing_bench`: speed and size of the routing classifier, on one core.

Builds 10,000 synthetic messages by recombining the titles and sentences of the training split of the
public complaints set (../shared/data/complaints/附件2.xlsx, or --xlsx; each synthetic message takes a
title and two to five sentences from messages of one label), then measures:

- training time on them (including the out-of-fold calibration), and the model file's size;
- classification throughput in messages per second, in batches and one message at a time;
- latency of one suggestion (p50/p95 ms) for the trained model and for the keyword model of the
  default category tree, and of comparing a text with 300 open cases for duplicates (counted once, then cached).

Prints one JSON object. BLAS and OpenMP pools are limited to one thread. Nothing touches the database.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from threadpoolctl import threadpool_limits

from categories.defaults import DEFAULT_TREE
from routing import evaluation, similarity
from routing.keywords import KeywordEntry, KeywordModel
from routing.textmodel import TextClassifier

DEFAULT_XLSX = Path(settings.BASE_DIR).parent / "shared" / "data" / "complaints" / "附件2.xlsx"
_SENTENCE = re.compile(r"(?<=[。！？!?；;])")


def synthetic_messages(messages: list[evaluation.Message], n: int, seed: int = 0) -> list[evaluation.Message]:
    """`n` messages recombined from `messages`: per label, a title and 3–9 sentences of that label."""
    rng = random.Random(seed)
    pools: dict[str, tuple[list[str], list[str]]] = {}
    for message in messages:
        titles, sentences = pools.setdefault(message.label, ([], []))
        titles.append(message.title)
        sentences += [s.strip() for s in _SENTENCE.split(message.text) if len(s.strip()) > 4]
    labels = sorted(pools)
    out = []
    for i in range(n):
        label = labels[i % len(labels)]
        titles, sentences = pools[label]
        body = "".join(rng.sample(sentences, min(len(sentences), rng.randint(3, 9))))
        out.append(evaluation.Message(id=f"s{i}", title=rng.choice(titles), text=body, label=label))
    return out


def _keyword_model() -> KeywordModel:
    entries: list[KeywordEntry] = []

    def walk(nodes, inherited: tuple[str, ...], prefix: str) -> None:
        for index, (name, _, keywords, children) in enumerate(nodes, start=1):
            code = f"{prefix}{index:02d}"
            own = (name, *keywords.split())
            entries.append(KeywordEntry(code, own, inherited))
            walk(children, inherited + own, code)

    walk(DEFAULT_TREE, (), "")
    return KeywordModel(entries)


def _latency(fn, items) -> dict[str, float]:
    samples = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 2), "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2)}


class Command(BaseCommand):
    help = "Measure routing classification throughput, training time and model size on one core."

    def add_arguments(self, parser):
        parser.add_argument("--xlsx", default=str(DEFAULT_XLSX), help="messages to recombine (complaints layout)")
        parser.add_argument("--messages", type=int, default=10_000, help="synthetic messages to train on")
        parser.add_argument("--latency-samples", type=int, default=200)

    def handle(self, *args, **opts):
        source = Path(opts["xlsx"])
        if not source.exists():
            raise CommandError(f"{source} not found: give --xlsx with messages in the complaints layout")
        train, _ = evaluation.fixed_split(evaluation.read_messages(source))
        messages = synthetic_messages(train, opts["messages"])
        with threadpool_limits(limits=1):
            result = self._measure(messages, train, opts["latency_samples"])
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))

    def _measure(self, messages, real, samples: int) -> dict:
        titles, texts = [m.title for m in messages], [m.text for m in messages]
        model = TextClassifier()
        start = time.perf_counter()
        report = model.fit(titles, texts, [m.label for m in messages])
        train_seconds = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as folder:
            size, _ = model.save(Path(folder) / "model.joblib")
            start = time.perf_counter()
            TextClassifier.load(Path(folder) / "model.joblib")
            load_seconds = time.perf_counter() - start
        model.top_many(titles[:100], texts[:100])  # warm
        start = time.perf_counter()
        for offset in range(0, len(messages), 500):
            model.top_many(titles[offset:offset + 500], texts[offset:offset + 500])
        batch_rate = len(messages) / (time.perf_counter() - start)
        singles = real[:samples]
        start = time.perf_counter()
        for message in singles:
            model.top(message.title, message.text)
        single_rate = len(singles) / (time.perf_counter() - start)
        keywords = _keyword_model()
        candidates = [(m.title, m.text) for m in messages[:300]]
        keys = [None] + [("bench", i) for i in range(len(candidates))]
        start = time.perf_counter()
        similarity.similarities_to_first([(real[0].title, real[0].text), *candidates], keys=keys)
        duplicates_cold_ms = (time.perf_counter() - start) * 1000
        return {
            "messages": len(messages),
            "labels": len(model.labels),
            "mean_chars": round(statistics.mean(len(t) + len(b) for t, b in zip(titles, texts, strict=True)), 1),
            "train_seconds": round(train_seconds, 2),
            "model_bytes": size,
            "model_mb": round(size / 1_000_000, 2),
            "load_seconds": round(load_seconds, 2),
            "classify_batch_msgs_per_second": round(batch_rate),
            "classify_single_msgs_per_second": round(single_rate),
            "suggest_trained_latency": _latency(lambda m: model.top(m.title, m.text), singles),
            "suggest_keywords_latency": _latency(lambda m: keywords.top(m.title, m.text), singles),
            "duplicates_300_candidates_cold_ms": round(duplicates_cold_ms, 1),
            "duplicates_300_candidates_latency": _latency(
                lambda m: similarity.similarities_to_first([(m.title, m.text), *candidates], keys=keys), singles
            ),
            "out_of_fold_macro_f1": report.metrics.get("macro_f1"),
        }
