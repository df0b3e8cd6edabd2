"""`python manage.py bench_intake`: intake throughput over HTTP against a bare one-INSERT endpoint.

Starts gunicorn on loopback with `config.settings_bench` (the normal settings with the anonymous intake
limit off and `POST /bench/insert`, a view that does exactly one INSERT), then drives it with `wrk`
(Debian package `wrk`) and several concurrent connections, alternating in rounds between

- intake: `POST /api/v1/cases` as a resident with a bearer token, a distinct `Idempotency-Key` on every
  request, a phone number to encrypt, and reports about eight kinds of problem spread over 20
  communities: the whole real path (authentication, validation, the case,
  its reporter, its event and audit rows in one transaction, then the after-commit receivers; a
  resident's report leaves its routing suggestion to `routing_followup`, see docs/architecture.md);
- bare: `POST /bench/insert` on the same servers;
- api: `POST /bench/api/insert`, the same request body and token through the API's own machinery
  (django-ninja, the token look-up, the intake's request schema) in front of the same single INSERT.
  It separates what the API layer costs from what taking a case in costs.

It prints requests/s, errors, p50/p99 latency of each, the ratio intake/bare (the target) and api/bare,
the machine's CPU time per request split between the app workers, PostgreSQL and wrk (read from
/proc around every run), and each worker's RSS after the run. The work the intake requests left to
the routing follow-up is then timed too, in this process, over up to `FOLLOWUP_SAMPLE` of the cases
they created, so its cost stays in view.

PostgreSQL only. By default it works in a throwaway database (`test_<name>`, migrated
and dropped afterwards); `--in-place` writes into the configured database instead (to measure intake
into tables that already hold a million cases): the bench cases go to a county of their own (610497)
and the bare rows to the audit log, marked `bench`.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.models import Role, User
from accounts.services import api_token_issue
from cases.models import Case
from regions.models import Level, Region

PASSWORD = "Bench-Intake-2026"
COUNTY = "610497"
TARGET_RATIO, TARGET_P99_MS, TARGET_RSS_MB = 0.60, 250, 250
FOLLOWUP_SAMPLE = 200
COMMUNITIES = 20
ENDPOINTS = ("bare", "api", "intake")
REPORTS = (
    ("小区路灯不亮", "3 号楼门口的路灯已经坏了一周，晚上出行不便。"),
    ("垃圾清运不及时", "小区北门垃圾桶已经满了三天没人清运，气味很大。"),
    ("下水道堵塞", "5 单元楼下的下水道堵了，污水漫到路面上。"),
    ("夜间施工噪音", "附近工地每天夜里十一点以后还在施工，影响休息。"),
    ("楼道堆放杂物", "2 号楼楼道里堆满了纸箱和旧家具，存在消防隐患。"),
    ("暖气不热", "家里暖气片一直不热，室温只有十二度。"),
    ("道路破损", "社区主干道中间有一个大坑，电动车经过很危险。"),
    ("电动车违规充电", "有人从楼上拉电线给电动车充电，很不安全。"),
)

# wrk script: one request shape per endpoint; a distinct Idempotency-Key per request when asked;
# `done` prints one JSON line the command reads back.
LUA = r"""
wrk.method = "POST"
local bodies = {@BODIES@}
wrk.headers["Content-Type"] = "application/json"
local token = [==[@TOKEN@]==]
if token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
local keyed = @KEYED@
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("number", threads)
end
function init(args)
  prefix = "@NONCE@-" .. tostring(wrk.thread:get("number")) .. "-"
  counter = 0
end
function request()
  counter = counter + 1
  if keyed then
    wrk.headers["Idempotency-Key"] = prefix .. counter
  end
  return wrk.format(nil, nil, nil, bodies[(counter % #bodies) + 1])
end
function done(summary, latency, requests)
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(db: dict) -> str:
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or ""
    if host.startswith("/"):
        # A socket directory cannot sit in the host part of a URL; libpq takes it as a parameter.
        return f"postgres://{credentials}@/{db['NAME']}?host={quote(host, safe='')}"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User plus system CPU seconds each live process has used so far."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime and stime, fields 14 and 15 of stat(5).
        seconds[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


def _cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings by the processes alive at the second.

    A process that started in between counts whole; one that exited in between (an autovacuum worker,
    say) is left out, so the figure errs low by what it spent, never negative.
    """
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


def _processes() -> Iterator[tuple[int, str, int]]:
    """(pid, command name, parent pid) of every process on the machine that can still be read."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces; the state and parent id follow it.
        name, rest = stat.split("(", 1)[1].rsplit(")", 1)
        yield int(entry.name), name, int(rest.split()[1])


def _postgres_pids() -> list[int]:
    """Every PostgreSQL server process on the machine: the backends and the writers behind them."""
    return [pid for pid, name, _ in _processes() if name == "postgres"]


def _children(pid: int) -> list[int]:
    return sorted(child for child, _, parent in _processes() if parent == pid)


class Command(BaseCommand):
    help = "Intake throughput over HTTP (gunicorn + wrk on loopback) against a bare one-INSERT endpoint."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
        parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
        parser.add_argument("--worker-threads", type=int, default=1, help="threads per worker (gthread)")
        parser.add_argument("--connections", type=int, default=8, help="concurrent wrk connections")
        parser.add_argument("--wrk-threads", type=int, default=2)
        parser.add_argument("--duration", type=int, default=15, help="seconds per endpoint per round")
        parser.add_argument("--rounds", type=int, default=2, help="rounds, each bare then intake")
        parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per endpoint")
        parser.add_argument("--in-place", action="store_true",
                            help="write into the configured database instead of a throwaway test database")
        parser.add_argument("--keepdb", action="store_true", help="keep (and reuse) the throwaway database")
        parser.add_argument("--json", action="store_true", help="print the results as JSON too")
        parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                            help="an environment variable for the app servers (repeatable), e.g. "
                                 "GONGZHI_ROUTING_ON_INTAKE=false to leave out the routing suggestion")

    def handle(self, *args, **opts):
        if connection.vendor != "postgresql":
            raise CommandError("bench_intake 只在 PostgreSQL 上运行：请设置 DATABASE_URL")
        gunicorn = Path(sys.executable).parent / "gunicorn"
        if not gunicorn.exists():
            raise CommandError("未安装 gunicorn：pip install -r requirements.txt")
        wrk = shutil.which("wrk")
        if wrk is None:
            raise CommandError("需要压测工具 wrk：apt-get install wrk")
        original_name = connection.settings_dict["NAME"]
        if not opts["in_place"]:
            self.stdout.write("creating the throwaway database …")
            connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=opts["keepdb"], serialize=False)
        try:
            results = self._run(opts, wrk, gunicorn)
        finally:
            if not opts["in_place"]:
                connection.creation.destroy_test_db(original_name, verbosity=0, keepdb=opts["keepdb"])
        self._report(results, opts)

    # -- the run ------------------------------------------------------------------------------------

    def _fixtures(self) -> tuple[list[str], str]:
        """A county of its own with `COMMUNITIES` communities under two streets, and a resident with a token."""
        county, _ = Region.objects.get_or_create(code=COUNTY, defaults={"name": "压测受理县", "level": Level.COUNTY})
        codes = []
        for s in (1, 2):
            street, _ = Region.objects.get_or_create(code=f"{COUNTY}{s:03d}", defaults={
                "name": f"压测受理街道{s}", "level": Level.STREET, "parent": county})
            for c in range(1, COMMUNITIES // 2 + 1):
                community, _ = Region.objects.get_or_create(code=f"{street.code}{c:03d}", defaults={
                    "name": f"压测受理街道{s}第{c}社区", "level": Level.COMMUNITY, "parent": street})
                codes.append(community.code)
        if not User.objects.filter(username="bench_resident").exists():
            User.objects.create_user(username="bench_resident", password=PASSWORD, role=Role.RESIDENT)
        token = api_token_issue(username="bench_resident", password=PASSWORD)
        return codes, token

    def _run(self, opts, wrk: str, gunicorn: Path) -> dict:
        load_before = round(os.getloadavg()[0], 1)
        communities, token = self._fixtures()
        nonce = uuid.uuid4().hex[:12]
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        # Reports from across the county about different things, as intake arrives in real life.
        bodies = ", ".join(
            "[==[" + json.dumps({
                "kind": "problem", "title": title, "description": description, "region": code,
                "contact_name": "王女士", "contact_phone": f"138{index:08d}",
            }, ensure_ascii=False) + "]==]"
            for index, (code, (title, description)) in enumerate(
                zip(communities, [REPORTS[i % len(REPORTS)] for i in range(len(communities))], strict=True))
        )
        with tempfile.TemporaryDirectory(prefix="bench_intake_") as tmp:
            scripts = {}
            for name, (script_bodies, script_token, keyed) in {
                "bare": ('"{}"', "", "false"), "api": (bodies, token, "false"), "intake": (bodies, token, "true"),
            }.items():
                path = Path(tmp) / f"{name}.lua"
                path.write_text(LUA.replace("@BODIES@", script_bodies).replace("@TOKEN@", script_token)
                                .replace("@KEYED@", keyed).replace("@NONCE@", nonce), encoding="utf-8")
                scripts[name] = path
            urls = {"bare": f"{base}/bench/insert", "api": f"{base}/bench/api/insert",
                    "intake": f"{base}/api/v1/cases"}
            env = {**os.environ, **self._server_env(opts["server_env"]),
                   "DJANGO_SETTINGS_MODULE": "config.settings_bench",
                   "DATABASE_URL": _database_url(connection.settings_dict)}
            command = [str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                       "--workers", str(opts["workers"]), "--worker-class", opts["worker_class"],
                       "--threads", str(opts["worker_threads"]), "--timeout", "60",
                       "--error-logfile", str(Path(tmp) / "gunicorn.log")]
            server = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, start_new_session=True)
            try:
                self._wait_ready(server, urls["bare"], Path(tmp) / "gunicorn.log")
                self.stdout.write(f"gunicorn: {opts['workers']} {opts['worker_class']} worker(s) × "
                                  f"{opts['worker_threads']} thread(s) on {base}; wrk: {opts['connections']} "
                                  f"connections, {opts['wrk_threads']} threads"
                                  + (f"; server env {' '.join(opts['server_env'])}" if opts["server_env"] else ""))
                for name in ENDPOINTS:
                    self._wrk(wrk, scripts[name], urls[name], opts, opts["warmup"])
                rounds: dict[str, list[dict]] = {name: [] for name in ENDPOINTS}
                for number in range(1, opts["rounds"] + 1):
                    for name in ENDPOINTS:
                        result = self._measured_wrk(wrk, scripts[name], urls[name], opts, server.pid)
                        rounds[name].append(result)
                        self.stdout.write(
                            f"round {number} {name:6}: {result['requests'] / result['duration_us'] * 1e6:8.1f} req/s, "
                            f"p50 {result['p50_us'] / 1000:.1f} ms, p99 {result['p99_us'] / 1000:.1f} ms, "
                            f"errors {self._errors(result)}; CPU ms per request: app {result['cpu_ms']['app']:.2f}, "
                            f"PostgreSQL {result['cpu_ms']['postgres']:.2f}, wrk {result['cpu_ms']['wrk']:.2f}")
                if any(result["requests"] == 0 for runs in rounds.values() for result in runs):
                    log = Path(tmp) / "gunicorn.log"
                    raise CommandError(f"有一轮没有完成任何请求；gunicorn 日志：\n{log.read_text()[-4000:]}")
                workers = {pid: _rss_mb(pid) for pid in _children(server.pid)}
                master = _rss_mb(server.pid)
            finally:
                self._stop(server)
        created = Case.objects.filter(idempotency_key__startswith=f"{nonce}-").count()
        followup = self._followup(nonce)
        return {"rounds": rounds, "workers_rss_mb": workers, "master_rss_mb": master, "created_cases": created,
                "followup": followup,
                "database": connection.settings_dict["NAME"], "cases_in_database": Case.objects.count(),
                "load_before": load_before, "load_after": round(os.getloadavg()[0], 1)}

    @staticmethod
    def _followup(nonce: str) -> dict:
        """Time `suggest_on_intake` (what `routing_followup` runs) over the bench cases still awaiting it."""
        from routing.models import Suggestion
        from routing.services import suggest_on_intake

        cases = list(
            Case.objects.filter(idempotency_key__startswith=f"{nonce}-", status="received")
            .exclude(pk__in=Suggestion.objects.values("case_id"))
            .select_related("region", "category", "created_by").order_by("pk")[:FOLLOWUP_SAMPLE]
        )
        started = time.perf_counter()
        for case in cases:
            suggest_on_intake(case.pk, case=case)
        seconds = time.perf_counter() - started
        return {"cases": len(cases), "ms_per_case": round(seconds * 1000 / len(cases), 1) if cases else None}

    @staticmethod
    def _server_env(pairs: list[str]) -> dict[str, str]:
        env = {}
        for pair in pairs:
            name, sep, value = pair.partition("=")
            if not sep or not name:
                raise CommandError(f"--server-env 应为 NAME=VALUE：{pair}")
            env[name] = value
        return env

    def _wait_ready(self, server: subprocess.Popen, url: str, log: Path) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"gunicorn 启动失败：\n{log.read_text() if log.exists() else ''}")
            try:
                urllib.request.urlopen(url, timeout=2)
                return
            except urllib.error.HTTPError:
                return  # a GET on the POST-only view answers 405: the workers are up
            except OSError:
                time.sleep(0.3)
        raise CommandError("gunicorn 在 60 秒内未就绪")

    def _measured_wrk(self, wrk: str, script: Path, url: str, opts, server_pid: int) -> dict:
        """One measured run, with the CPU time the app workers, PostgreSQL and wrk spent on it per request."""
        before = (_cpu_seconds(_children(server_pid)), _cpu_seconds(_postgres_pids()),
                  resource.getrusage(resource.RUSAGE_CHILDREN))
        result = self._wrk(wrk, script, url, opts, opts["duration"])
        after = (_cpu_seconds(_children(server_pid)), _cpu_seconds(_postgres_pids()),
                 resource.getrusage(resource.RUSAGE_CHILDREN))
        wrk_seconds = (after[2].ru_utime + after[2].ru_stime) - (before[2].ru_utime + before[2].ru_stime)
        per_request = 1000 / max(result["requests"], 1)
        result["cpu_ms"] = {
            "app": _cpu_spent(before[0], after[0]) * per_request,
            "postgres": _cpu_spent(before[1], after[1]) * per_request,
            "wrk": wrk_seconds * per_request,
        }
        return result

    def _wrk(self, wrk: str, script: Path, url: str, opts, seconds: int) -> dict:
        run = subprocess.run(
            [wrk, "-t", str(opts["wrk_threads"]), "-c", str(opts["connections"]), "-d", f"{seconds}s",
             "--timeout", "5s", "-s", str(script), url],
            capture_output=True, text=True, check=False,
        )
        for line in run.stdout.splitlines():
            if line.startswith("BENCH "):
                return json.loads(line[len("BENCH "):])
        raise CommandError(f"wrk 没有给出结果：{run.stdout}\n{run.stderr}")

    @staticmethod
    def _stop(server: subprocess.Popen) -> None:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()

    @staticmethod
    def _errors(result: dict) -> int:
        return sum(result[key] for key in ("connect", "read", "write", "status", "timeout"))

    # -- the report ---------------------------------------------------------------------------------

    def _summary(self, rounds: list[dict]) -> dict:
        requests = sum(r["requests"] for r in rounds)
        seconds = sum(r["duration_us"] for r in rounds) / 1e6
        return {
            "requests": requests, "rps": round(requests / seconds, 1),
            "errors": sum(self._errors(r) for r in rounds),
            # wrk gives percentiles per run: the median p50 and the worst p99 of the rounds.
            "p50_ms": round(statistics.median(r["p50_us"] for r in rounds) / 1000, 1),
            "p99_ms": round(max(r["p99_us"] for r in rounds) / 1000, 1),
            # CPU per request, weighted by each round's requests.
            "cpu_ms": {
                part: round(sum(r["cpu_ms"][part] * r["requests"] for r in rounds) / max(requests, 1), 2)
                for part in ("app", "postgres", "wrk")
            },
        }

    def _report(self, results: dict, opts) -> None:
        rows = {name: self._summary(results["rounds"][name]) for name in ENDPOINTS}
        bare, api, intake = rows["bare"], rows["api"], rows["intake"]
        ratio = intake["rps"] / bare["rps"] if bare["rps"] else 0.0
        api_ratio = api["rps"] / bare["rps"] if bare["rps"] else 0.0
        rss = [value for value in results["workers_rss_mb"].values() if value is not None]
        self.stdout.write("")
        self.stdout.write(f"database {results['database']} ({results['cases_in_database']} cases after the run); "
                          f"machine load average {results['load_before']} before, {results['load_after']} after "
                          f"on {os.cpu_count()} cores")
        self.stdout.write(f"{'endpoint':34} {'req/s':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8}   "
                          f"CPU ms per request: {'app':>6} {'pg':>6} {'wrk':>6}")
        labels = {"bare": "bare INSERT /bench/insert", "api": "API + one INSERT /bench/api/insert",
                  "intake": "intake POST /api/v1/cases"}
        for name, row in rows.items():
            cpu = row["cpu_ms"]
            self.stdout.write(f"{labels[name]:34} {row['rps']:9.1f} {row['errors']:7d} {row['p50_ms']:8.1f} "
                              f"{row['p99_ms']:8.1f}   {'':19} {cpu['app']:6.2f} {cpu['postgres']:6.2f} "
                              f"{cpu['wrk']:6.2f}")
        self.stdout.write(f"intake / bare: {ratio:.2f} (target ≥ {TARGET_RATIO:.2f}); "
                          f"API + one INSERT / bare: {api_ratio:.2f}")
        self.stdout.write(f"cases created by the intake runs: {results['created_cases']} "
                          f"(responses counted by wrk, warm-up included in the former)")
        followup = results["followup"]
        if followup["cases"]:
            self.stdout.write(f"routing follow-up (outside the requests, one process): {followup['ms_per_case']} ms "
                              f"per case over {followup['cases']} of them")
        workers = ", ".join(f"{pid}: {value}" for pid, value in results["workers_rss_mb"].items())
        self.stdout.write(f"worker RSS after the run (MB): {workers}; master {results['master_rss_mb']}")
        checks = {
            f"intake ≥ {TARGET_RATIO:.0%} of bare": ratio >= TARGET_RATIO,
            "zero errors": all(row["errors"] == 0 for row in rows.values()),
            f"intake p99 < {TARGET_P99_MS} ms": intake["p99_ms"] < TARGET_P99_MS,
            f"every worker < {TARGET_RSS_MB} MB RSS": bool(rss) and max(rss) < TARGET_RSS_MB,
        }
        for label, ok in checks.items():
            self.stdout.write(f"{'PASS' if ok else 'FAIL'}  {label}")
        if opts["json"]:
            self.stdout.write(json.dumps({**rows, "ratio": round(ratio, 3), "api_ratio": round(api_ratio, 3), **results,
                                          "checks": checks}, ensure_ascii=False, default=str))
