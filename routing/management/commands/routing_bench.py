"""`python manage.py routing_bench`: speed and size of the routing classifier, on one core, and how long
the intake page waits for its suggestions.

Builds 10,000 synthetic messages by recombining the titles and sentences of the training split of the
public complaints set (../shared/data/complaints/附件2.xlsx, or --xlsx; each synthetic message takes a
title and three to nine sentences from messages of one label). Where that file is absent it composes them
from the names and keywords of the default category tree instead, and says so. Then it measures:

- training time on them (including the out-of-fold calibration), and the model file's size;
- classification throughput in messages per second, in batches and one message at a time;
- latency of one suggestion (p50/p95 ms) for the trained model and for the keyword model of the
  default category tree, and of comparing a text with 300 open cases for duplicates (counted once, then cached);
- latency of the intake page's suggestion fragment (`routing:suggest_fragment`, p50/p95 ms of wall clock
  and of CPU time) through Django's test client, as a community clerk, with that model active and 300 open
  cases in the community.

The fragment is measured in a throwaway database (in memory for SQLite, `test_<name>` on PostgreSQL,
dropped afterwards), like `manage.py bench`; the configured database is never touched. Prints one JSON
object. BLAS and OpenMP pools are limited to one thread.
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
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import setup_databases, teardown_databases
from django.urls import reverse
from threadpoolctl import threadpool_limits

from accounts.models import Role, User
from cases.models import Channel, Kind
from cases.services import case_submit
from categories.defaults import DEFAULT_TREE
from categories.models import Category
from categories.services import categories_load_defaults
from regions import services as region_services
from routing import evaluation, receivers, registry, similarity
from routing.keywords import KeywordEntry, KeywordModel
from routing.models import RoutingModel
from routing.services import routing_activate
from routing.textmodel import TextClassifier

DEFAULT_XLSX = Path(settings.BASE_DIR).parent / "shared" / "data" / "complaints" / "附件2.xlsx"
_SENTENCE = re.compile(r"(?<=[。！？!?；;])")
# Open cases in the clerk's community the fragment compares each text with (the selector's cap).
OPEN_CASES = 300
CLERK = "bench_clerk"
# Sentences for messages composed from the category tree when the complaints file is absent.
_PLACES = ("东街3号楼", "小区北门", "幸福路口", "农贸市场旁", "学校门口", "2单元楼下", "文化广场", "老旧小区")
_FRAMES = (
    "{place}{term}的问题已经有{days}天了。", "居民多次反映{term}，一直没有人来处理。",
    "希望有关部门尽快解决{term}。", "{term}影响了附近居民的正常生活。", "晚上和周末{term}更明显。",
    "之前打过电话反映{term}，至今没有答复。", "老人和孩子经过{place}时很不方便。", "请尽快派人到{place}看看。",
)


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


def tree_messages(n: int, seed: int = 0) -> list[evaluation.Message]:
    """`n` messages composed from the default tree when no complaints file is at hand: per second-level
    category, a title and 12–22 sentences naming its name and keywords at everyday places (about as long as
    the complaints)."""
    rng = random.Random(seed)
    leaves = [
        (f"{top:02d}{index:02d}", [name, *keywords.split()])
        for top, (_, _, _, children) in enumerate(DEFAULT_TREE, start=1)
        for index, (name, _, keywords, _) in enumerate(children, start=1)
    ]
    out = []
    for i in range(n):
        label, terms = leaves[i % len(leaves)]
        title = f"{rng.choice(_PLACES)}{rng.choice(terms)}"
        body = "".join(
            rng.choice(_FRAMES).format(place=rng.choice(_PLACES), term=rng.choice(terms), days=rng.randint(2, 30))
            for _ in range(rng.randint(12, 22))
        )
        out.append(evaluation.Message(id=f"t{i}", title=title, text=body, label=label))
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


def _p50_p95(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return round(statistics.median(samples), 2), round(samples[max(0, int(len(samples) * 0.95) - 1)], 2)


def _latency(fn, items, *, cpu: bool = False) -> dict[str, float]:
    """p50/p95 wall-clock milliseconds of `fn` over `items`; with `cpu`, also of this process's CPU time,
    which a busy machine does not inflate (with SQLite the whole request runs in this process)."""
    wall, used = [], []
    for item in items:
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(item)
        wall.append((time.perf_counter() - start) * 1000)
        used.append((time.process_time() - start_cpu) * 1000)
    result = dict(zip(("p50_ms", "p95_ms"), _p50_p95(wall), strict=True))
    if cpu:
        result.update(zip(("cpu_p50_ms", "cpu_p95_ms"), _p50_p95(used), strict=True))
    return result


def _plain(text: str, limit: int) -> str:
    """`text` as a case may hold it: no angle brackets (the intake refuses markup), at most `limit` chars."""
    return re.sub(r"[<>]", " ", text).strip()[:limit]


class Command(BaseCommand):
    help = "Measure routing throughput, training time, model size and the intake page's suggestion latency."

    def add_arguments(self, parser):
        parser.add_argument("--xlsx", default=str(DEFAULT_XLSX), help="messages to recombine (complaints layout)")
        parser.add_argument("--messages", type=int, default=10_000, help="synthetic messages to train on")
        parser.add_argument("--latency-samples", type=int, default=200)

    def handle(self, *args, **opts):
        source = Path(opts["xlsx"])
        if source.exists():
            train, _ = evaluation.fixed_split(evaluation.read_messages(source))
            messages = synthetic_messages(train, opts["messages"])
            origin = f"recombined from the training split of {source.name}"
        elif opts["xlsx"] != str(DEFAULT_XLSX):
            raise CommandError(f"{source} not found: give --xlsx with messages in the complaints layout")
        else:
            messages = tree_messages(opts["messages"])
            train = tree_messages(max(opts["latency_samples"], 1), seed=1)
            origin = f"composed from the default category tree ({source} is absent)"
        old_config = setup_databases(verbosity=0, interactive=False)
        try:
            with tempfile.TemporaryDirectory() as folder, override_settings(
                GONGZHI_ROUTING_DIR=folder, GONGZHI_ROUTING_AUTO_THRESHOLD=1.01,
            ), threadpool_limits(limits=1):
                registry.reset()
                result = {"source": origin, **self._measure(messages, train, opts["latency_samples"])}
        finally:
            registry.reset()
            teardown_databases(old_config, verbosity=0)
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))

    def _measure(self, messages, real, samples: int) -> dict:
        world = self._world()
        # The file's labels become categories of the tree, so the fragment can show what the model says.
        labels = sorted({m.label for m in messages})
        if len(labels) > len(world["leaves"]):
            raise CommandError(f"{len(labels)} labels but only {len(world['leaves'])} categories to map them to")
        code_of = dict(zip(labels, world["leaves"], strict=False))
        titles, texts = [m.title for m in messages], [m.text for m in messages]
        model = TextClassifier()
        start = time.perf_counter()
        report = model.fit(titles, texts, [code_of[m.label] for m in messages])
        train_seconds = time.perf_counter() - start
        folder = Path(settings.GONGZHI_ROUTING_DIR)
        size, digest = model.save(folder / "model-bench.joblib")
        start = time.perf_counter()
        TextClassifier.load(folder / "model-bench.joblib")
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
        candidates = [(m.title, m.text) for m in messages[:OPEN_CASES]]
        keys = [None] + [("bench", i) for i in range(len(candidates))]
        start = time.perf_counter()
        similarity.similarities_to_first([(real[0].title, real[0].text), *candidates], keys=keys)
        duplicates_cold_ms = (time.perf_counter() - start) * 1000
        result = {
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
        routing_activate(actor=None, model=RoutingModel.objects.create(
            version="bench", n_train=report.n_train, labels=report.labels, path="model-bench.joblib",
            sha256=digest, size_bytes=size,
        ))
        with receivers.muted():
            for message in messages[:OPEN_CASES]:
                case_submit(
                    actor=world["clerk"], channel=Channel.OPINION_WINDOW, kind=Kind.PROBLEM,
                    title=_plain(message.title, 100) or "无标题", description=_plain(message.text, 4000) or "无内容",
                    region=world["grid"], contact_name="居民", contact_phone="13900001111",
                )
        result["intake_fragment"] = self._fragment_latency(world, singles)
        return result

    def _world(self) -> dict:
        """One community with a grid, its clerk, and the default category tree."""
        county = region_services.region_create(actor=None, code="610424", name="基准县")
        street = region_services.region_create(actor=None, code="610424001", name="基准街道", parent=county)
        community = region_services.region_create(actor=None, code="610424001001", name="基准社区", parent=street)
        grid = region_services.region_create(actor=None, code="610424001001001", name="基准网格", parent=community)
        clerk = User.objects.create_user(username=CLERK, role=Role.COMMUNITY_STAFF, region=community)
        categories_load_defaults(actor=None)
        leaves = list(Category.objects.active().filter(parent__parent__isnull=True, parent__isnull=False)
                      .order_by("parent__order", "order", "code").values_list("code", flat=True))
        return {"grid": grid, "clerk": clerk, "leaves": leaves}

    def _fragment_latency(self, world: dict, singles: list[evaluation.Message]) -> dict:
        """GET the fragment as the intake page does (title, content, the place's id), as the clerk."""
        client = Client()
        client.force_login(world["clerk"])
        url = reverse("routing:suggest_fragment")

        def ask(message: evaluation.Message) -> None:
            response = client.get(url, {
                "title": _plain(message.title, 100), "description": _plain(message.text, 4000),
                "region": str(world["grid"].pk),
            })
            assert response.status_code == 200 and b"data-routing-version=\"bench\"" in response.content, \
                response.content[:300]

        ask(singles[0])  # the first request loads the model and counts the 300 cases' features
        return {"database": connection.vendor, "open_cases": OPEN_CASES, **_latency(ask, singles, cpu=True)}
