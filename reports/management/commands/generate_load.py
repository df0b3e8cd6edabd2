"""`python manage.py generate_load --cases N`: a synthetic county with N cases of history, for load tests.

It writes what the case services would have written, in bulk: each case walks the edges of
cases/workflow.TABLE (受理 → 立案 → 派遣 → 报到 → 答复 → 核查 → 结案 → 评价, with 不予受理, 核查不通过返工,
a first 不满意 sent back for rework, a second one put on a meeting's agenda, and cases still open at
every stage), with one event row per edge whose actor, action, statuses and data match the services',
the reporter row written at intake, the assignments' clocks, a rating row for every 评价 and the
notices the reporters were sent. Audit rows and whistles are not generated.

The history spans `--months` ending now, with more cases in later months and in winter, hot grids
and slower or faster departments, so trends, heat views and league tables have something to show.

Rows are built as plain tuples with primary keys taken from the tables' sequences up front. On
PostgreSQL they go in with COPY, one transaction per batch (the tables are locked for the batch so
the keys cannot be taken by anyone else); elsewhere with multi-row INSERTs.

Run it only against a database meant for load tests: it adds regions, departments, users and cases.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import time
import zoneinfo
from collections.abc import Sequence

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import Role, User
from cases.models import (
    Assignment,
    AssignmentRole,
    Case,
    CaseEvent,
    CaseReporter,
    Channel,
    Kind,
    Meeting,
    Rating,
    RatingResult,
    ReporterNotice,
    TargetGroup,
)
from cases.services import TRACKING_ALPHABET
from cases.workflow import TABLE, Edge, Status
from categories.models import Category, LimitUnit, UrgencyLevel
from organisations.models import Organisation
from regions.models import Level, Region

H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
RESPONSE_HOURS = 4
FINISH_HOURS = 120
CATEGORY_NAMES = ("环境卫生", "市政设施", "物业管理", "噪音扰民", "违章搭建", "停车管理", "供水供暖", "治安隐患",
                  "邻里纠纷", "养老服务", "困难帮扶", "其他事项")
DEPARTMENT_NAMES = ("住房和城乡建设局", "城市管理局", "市场监督管理局", "生态环境分局", "公安局", "民政局", "水务局",
                    "交通运输局", "卫生健康局", "教育局", "人力资源和社会保障局", "自然资源局", "应急管理局",
                    "供电分公司", "燃气公司", "司法局", "农业农村局", "文化和旅游局", "退役军人事务局", "消防救援大队")
TITLES = ("路灯不亮", "垃圾清运不及时", "楼道堆放杂物", "下水道堵塞", "夜间施工噪音", "小区停车难", "暖气不热",
          "独居老人需要照看", "道路破损", "绿化带损毁", "电动车违规充电", "广场舞噪音")
REPLIES = ("已安排人员现场处理完毕", "已协调相关单位整改到位", "已维修恢复正常", "已清理完毕并加强巡查")
REJECT_REASON = "不属于受理范围，已告知反映人向有关部门反映"
REWORK_REASON = "现场核查问题仍未解决"
# Residents report on the web and through the API themselves; the other channels are entered by staff.
CHANNELS = (Channel.OPINION_WINDOW, Channel.OPINION_WINDOW, Channel.SERVICE_HALL, Channel.WEB, Channel.WEB,
            Channel.PHONE, Channel.GRID_PATROL, Channel.MEETING, Channel.API)
SELF_SERVICE = {Channel.WEB, Channel.API}
TARGET_GROUPS = tuple(TargetGroup.values)


def _edge(action: str, label: str) -> Edge:
    for edge in TABLE:
        if edge.action == action and edge.label == label:
            return edge
    raise CommandError(f"流转表中没有“{label}”")


E_CLASSIFY = _edge("classify", "立案分类")
E_REJECT = _edge("reject", "不予受理")
E_DISPATCH = _edge("dispatch", "派遣")
E_ACCEPT = _edge("accept", "报到接收")
E_REPLY = _edge("reply", "主办单位答复")
E_VERIFY = _edge("verify", "核查通过")
E_CHECK_REWORK = _edge("rework", "核查不通过返工")
E_CLOSE = _edge("close", "结案")
E_RATE = _edge("rate", "评价")
E_RATE_REWORK = _edge("rework", "不满意返工")
E_RATE_ESCALATE = _edge("escalate", "再次不满意上会")
SYSTEM_LABEL = "系统"
BY_CODE_LABEL = "反映人（凭查询码）"

# Columns each builder fills, in tuple order; every other column gets its field's constant default.
CASE_COLUMNS = ("id", "tracking_code", "kind", "channel", "title", "description", "region_id", "created_by_id",
                "owner_id", "contact_name", "target_group", "status", "version", "category_id", "urgency_id",
                "rework_count", "public_note", "response_due", "finish_due", "received_at", "closed_at",
                "escalated_to", "created_at", "updated_at")
REPORTER_COLUMNS = ("id", "case_id", "origin_case_id", "contact_name", "created_at")
ASSIGNMENT_COLUMNS = ("id", "case_id", "organisation_id", "role", "status", "dispatched_at", "dispatched_by_id",
                      "report_in_due", "finish_due", "accepted_at", "replied_at", "reply", "withdrawn_at")
EVENT_COLUMNS = ("id", "case_id", "seq", "created_at", "actor_id", "actor_label", "action", "from_status",
                 "to_status", "assignment_id", "note", "data")
RATING_COLUMNS = ("id", "case_id", "result", "rated_at", "rated_by_id", "recorded_by_staff")
NOTICE_COLUMNS = ("id", "case_id", "event_id", "message", "created_at")
TABLES: tuple[tuple[type[models.Model], tuple[str, ...]], ...] = (
    (Case, CASE_COLUMNS), (CaseReporter, REPORTER_COLUMNS), (Assignment, ASSIGNMENT_COLUMNS),
    (Rating, RATING_COLUMNS), (CaseEvent, EVENT_COLUMNS), (ReporterNotice, NOTICE_COLUMNS),
)


class _Stop(Exception):
    """The case's history has reached the present."""


class _Table:
    """One table's insert: its columns (the filled ones, then the rest) and the rest's constant values."""

    def __init__(self, model: type[models.Model], given: tuple[str, ...]):
        self.name = model._meta.db_table
        fields = {field.attname: field for field in model._meta.concrete_fields}
        missing = [name for name in given if name not in fields]
        if missing:
            raise CommandError(f"{self.name} 没有这些列：{', '.join(missing)}")
        rest = [field for name, field in fields.items() if name not in given]
        tail = []
        for field in rest:
            if field.has_default() and callable(field.default) and field.default not in (dict, list):
                raise CommandError(f"{self.name}.{field.column} 的默认值随时变化，须由生成器填写")
            value = field.get_db_prep_save(field.get_default(), connection)
            if value is None and not field.null:
                raise CommandError(f"{self.name}.{field.column} 不能为空，须由生成器填写")
            tail.append(value)
        self.columns = [fields[name].column for name in given] + [field.column for field in rest]
        self.tail = tuple(tail)


def _reserve(tables: Sequence[_Table]) -> list[int]:
    """The first free primary key of each table, for rows written in the current transaction.

    PostgreSQL: the tables are locked against other writers until the commit, so nobody else can draw
    from their sequences meanwhile; `_release` moves each sequence past the keys used.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {', '.join(t.name for t in tables)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("SELECT " + ", ".join(f"nextval(pg_get_serial_sequence('{t.name}', 'id'))" for t in tables))
            return list(cursor.fetchone())
        starts = []
        for table in tables:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {connection.ops.quote_name(table.name)}")
            starts.append(cursor.fetchone()[0])
        return starts


def _release(tables: Sequence[_Table], starts: Sequence[int], nexts: Sequence[int]) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(
            f"setval(pg_get_serial_sequence('{t.name}', 'id'), {max(end - 1, start)})"
            for t, start, end in zip(tables, starts, nexts, strict=True)
        ))


def _fast_load_settings() -> bool:
    """PostgreSQL, for the current transaction: no wait for each commit's flush and, when the role may,
    no per-row foreign-key triggers.

    A lost batch of synthetic rows on a crash costs nothing. The keys are right by construction (each
    row refers to rows of its own batch or of `_world`), and the tests check every reference; the
    triggers' deferred checks otherwise take about as long as the COPY itself.
    """
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")
            return True
    return False


def _restore_settings() -> None:
    """Triggers on again, for whatever else runs in an enclosing transaction (a test, a caller's atomic)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def _write(table: _Table, rows: list[tuple]) -> None:
    """Insert `rows` (the filled columns) with the table's constant tail."""
    if not rows:
        return
    tail = table.tail
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table.name} ({', '.join(table.columns)}) FROM STDIN") as copy:
                write = copy.write_row
                for row in rows:
                    write(row + tail)
            return
        adapt = connection.ops.adapt_datetimefield_value
        prepared = [tuple(adapt(v) if isinstance(v, dt.datetime) else v for v in row + tail) for row in rows]
        columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
        per_row = "(" + ", ".join(["%s"] * len(table.columns)) + ")"
        size = max(1, 900 // len(table.columns))  # SQLite allows 999 parameters per statement
        for first in range(0, len(prepared), size):
            chunk = prepared[first:first + size]
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(table.name)} ({columns}) VALUES "
                + ", ".join([per_row] * len(chunk)),
                [value for row in chunk for value in row],
            )


class _Batch:
    """The rows of one batch of cases, as tuples in the column order of TABLES, with their keys."""

    def __init__(self, world: dict, starts: Sequence[int], now: dt.datetime, rng: random.Random):
        self.world, self.now, self.rng = world, now, rng
        self.case_id, self.reporter_id, self.assignment_id, self.rating_id, self.event_id, self.notice_id = starts
        self.cases: list[tuple] = []
        self.reporters: list[tuple] = []
        self.assignments: list[tuple] = []
        self.ratings: list[tuple] = []
        self.events: list[tuple] = []
        self.notices: list[tuple] = []
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        # Tracking codes must differ from those of earlier runs with the same seed.
        self.codes = random.Random()

    @property
    def rows(self) -> list[list[tuple]]:
        return [self.cases, self.reporters, self.assignments, self.ratings, self.events, self.notices]

    @property
    def nexts(self) -> list[int]:
        return [self.case_id, self.reporter_id, self.assignment_id, self.rating_id, self.event_id, self.notice_id]

    def _local(self, when: dt.datetime) -> str:
        return when.astimezone(self.tz).isoformat()

    def add(self, received: dt.datetime) -> None:
        """One case received at `received` and the edges it went through, decided by its age and chance."""
        rng, world, now = self.rng, self.world, self.now
        case_id = self.case_id
        self.case_id += 1
        code = "".join(self.codes.choices(TRACKING_ALPHABET, k=10))
        place_id, worker_id, worker_label = rng.choices(world["places"], cum_weights=world["place_weights"])[0]
        channel = rng.choice(CHANNELS)
        kind = Kind.DIFFICULTY if rng.random() < 0.15 else Kind.PROBLEM
        title = rng.choice(TITLES)
        by_staff = channel not in SELF_SERVICE
        case = {
            "status": Status.RECEIVED, "version": 1, "owner": worker_id if by_staff else None, "category": None,
            "urgency": None, "rework": 0, "note": "", "response_due": None, "finish_due": None, "closed": None,
            "escalated": "", "updated": received,
        }
        events = self.events
        seq = 1

        def event(edge: Edge, when: dt.datetime, actor, label: str, data: dict, *, assignment=None, note: str = "",
                  notice: bool = True, move: bool = True) -> int:
            nonlocal seq
            if when > now:
                raise _Stop
            source = case["status"]
            target = edge.target_from(source)
            if actor == worker_id and case["owner"] is None:
                # 首问责任制: the first community worker to act on an unowned case owns it.
                case["owner"] = worker_id
                data["owner_taken"] = worker_id
            seq += 1
            event_id = self.event_id
            self.event_id += 1
            events.append((event_id, case_id, seq, when, actor, label, edge.action, source, target,
                           assignment, note, json.dumps({"edge": edge.label, **data})))
            if notice and edge.notice:
                self.notices.append((self.notice_id, case_id, event_id, edge.notice.format(code=code, note=note),
                                     when))
                self.notice_id += 1
            case["status"] = target
            case["updated"] = when
            if move:
                case["version"] += 1
            return event_id

        events.append((self.event_id, case_id, 1, received, worker_id if by_staff else None,
                       worker_label if by_staff else "反映人", "submit", "", Status.RECEIVED, None, "",
                       json.dumps({"channel": channel, "kind": kind, "photos": 0,
                                   "owner": worker_id if by_staff else None, "category": ""})))
        self.event_id += 1
        try:
            self._walk(case, received, event, worker_id, worker_label)
        except _Stop:
            pass
        if "lead" in case:
            self.assignments.append(tuple(case["lead"]))
        self.cases.append((
            case_id, code, kind, channel, title, "居民反映的情况", place_id, worker_id if by_staff else None,
            case["owner"], "居民", rng.choice(TARGET_GROUPS) if kind == Kind.DIFFICULTY else "", case["status"],
            case["version"], case["category"], case["urgency"], case["rework"], case["note"], case["response_due"],
            case["finish_due"], received, case["closed"], case["escalated"], received, case["updated"],
        ))
        self.reporters.append((self.reporter_id, case_id, case_id, "居民", received))
        self.reporter_id += 1

    def _walk(self, case: dict, t: dt.datetime, event, worker_id: int, worker_label: str) -> None:
        """The moves after intake, appended through `event` until the case ends or reaches the present."""
        rng, world, now = self.rng, self.world, self.now
        age_days = (now - t).total_seconds() / 86400
        # How far the case has got: older cases are mostly finished, recent ones still moving.
        stage_cap = 8 if age_days > 20 else int(1 + age_days / 20 * 7 + rng.random() * 2)
        if rng.random() < 0.03:
            case["note"] = REJECT_REASON
            event(E_REJECT, t + H * rng.uniform(0.5, 8), worker_id, worker_label, {}, note=REJECT_REASON)
            return
        if stage_cap < 2:
            return
        t += H * rng.uniform(0.2, 2)
        category_id, category_code, departments = rng.choice(world["categories"])
        response_due, finish_due = t + RESPONSE_HOURS * H, t + FINISH_HOURS * H
        event(E_CLASSIFY, t, worker_id, worker_label, {
            "category": category_code, "urgency": world["urgency_code"],
            "response_due": self._local(response_due), "finish_due": self._local(finish_due),
            "suggested_lead": None, "suggested_assisting": [],
        })
        case.update(category=category_id, urgency=world["urgency_id"], response_due=response_due,
                    finish_due=finish_due)
        if stage_cap < 3:
            return
        t += H * rng.uniform(0.2, 3)
        org_id, org_name, handler_id, handler_label, speed, quality = (
            rng.choice(departments) if rng.random() < 0.85 else rng.choice(world["departments"]))
        lead_id = self.assignment_id
        self.assignment_id += 1
        # The lead assignment's row (ASSIGNMENT_COLUMNS), changed in place as the case moves.
        lead = [lead_id, self.case_id - 1, org_id, AssignmentRole.LEAD, Assignment.Status.PENDING, t, worker_id,
                t + RESPONSE_HOURS * H, finish_due, None, None, "", None]
        if t > self.now:
            raise _Stop
        case["lead"] = lead
        event(E_DISPATCH, t, worker_id, worker_label, {"assignments": [{
            "id": lead_id, "assignee": org_name, "role": AssignmentRole.LEAD,
            "report_in_due": self._local(lead[7]), "finish_due": self._local(finish_due)}]})
        if stage_cap < 4:
            return
        t += H * rng.expovariate(1 / (2.5 * speed))
        event(E_ACCEPT, t, handler_id, handler_label, {"assignment": lead_id, "on_time": t <= lead[7]},
              assignment=lead_id)
        lead[4], lead[9] = Assignment.Status.ACCEPTED, t
        unsatisfied = 0
        while True:
            if stage_cap < 5:
                return
            t += DAY * rng.expovariate(1 / (3.2 * speed))
            reply = rng.choice(REPLIES)
            event(E_REPLY, t, handler_id, handler_label, {"assignment": lead_id, "on_time": t <= lead[8], "photos": 0},
                  assignment=lead_id, note=reply)
            lead[4], lead[10], lead[11] = Assignment.Status.REPLIED, t, reply
            case["note"] = reply
            if stage_cap < 6:
                return
            t += H * rng.uniform(1, 24)
            if rng.random() < 0.04 * quality:
                self._reopen(case, lead, t)
                event(E_CHECK_REWORK, t, worker_id, worker_label, {
                    "assignment": lead_id, "finish_due": self._local(lead[8]), "rework_count": case["rework"]},
                    assignment=lead_id, note=REWORK_REASON)
                continue
            event(E_VERIFY, t, worker_id, worker_label, {})
            if stage_cap < 7:
                return
            t += H * rng.uniform(0.5, 6)
            event(E_CLOSE, t, worker_id, worker_label, {"withdrawn": []})
            case["closed"] = t
            if stage_cap < 8 or rng.random() < 0.1:
                return
            t += H * rng.uniform(1, 72)
            draw = rng.random()
            unsatisfied_share = 0.06 * quality if not unsatisfied else 0.03 * quality
            result = (RatingResult.UNSATISFIED if draw < unsatisfied_share
                      else RatingResult.BASICALLY_SATISFIED if draw < unsatisfied_share + 0.25
                      else RatingResult.SATISFIED)
            if t > self.now:
                raise _Stop
            rating_id = self.rating_id
            self.rating_id += 1
            by_code = rng.random() < 0.6
            rater, rater_label = (None, BY_CODE_LABEL) if by_code else (worker_id, worker_label)
            self.ratings.append((rating_id, self.case_id - 1, result, t, rater, not by_code))
            event(E_RATE, t, rater, rater_label, {"rating": rating_id, "result": result})
            if result != RatingResult.UNSATISFIED:
                return
            if unsatisfied:
                # A second 不满意 puts the case on a meeting's agenda.
                case["escalated"], case["closed"] = Meeting.JOINT_MEETING, None
                event(E_RATE_ESCALATE, t, None, SYSTEM_LABEL, {"rating": rating_id, "meeting": Meeting.JOINT_MEETING},
                      move=False)
                return
            # A first 不满意 sends the case back to its lead with a fresh deadline, in the rating's move.
            unsatisfied += 1
            self._reopen(case, lead, t)
            event(E_RATE_REWORK, t, None, SYSTEM_LABEL, {
                "rating": rating_id, "assignment": lead_id, "finish_due": self._local(lead[8])},
                assignment=lead_id, move=False)

    def _reopen(self, case: dict, lead: list, t: dt.datetime) -> None:
        """What the services' `_reopen_lead` does: the lead works again with a fresh finish deadline."""
        lead[4], lead[10], lead[8] = Assignment.Status.ACCEPTED, None, t + FINISH_HOURS * H
        case["rework"] += 1
        case["finish_due"], case["closed"] = lead[8], None


class Command(BaseCommand):
    help = "Write a synthetic county with N cases of history (events, assignments, ratings) in bulk."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True)
        parser.add_argument("--county", default="610499", help="code of the synthetic county (6 digits)")
        parser.add_argument("--streets", type=int, default=8)
        parser.add_argument("--communities", type=int, default=10, help="per street")
        parser.add_argument("--grids", type=int, default=8, help="per community")
        parser.add_argument("--months", type=int, default=24, help="history length, ending now")
        parser.add_argument("--batch", type=int, default=20000, help="cases per transaction")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **opts):
        if len(opts["county"]) != 6 or not opts["county"].isdigit():
            raise CommandError("--county 应为 6 位数字")
        if opts["cases"] < 0 or opts["batch"] < 1 or opts["months"] < 1:
            raise CommandError("--cases 不能为负数，--batch 和 --months 至少为 1")
        rng = random.Random(opts["seed"])
        started = time.perf_counter()
        world = self._world(opts, rng)
        tables = [_Table(model, columns) for model, columns in TABLES]
        now = timezone.now()
        start = now - dt.timedelta(days=30.4 * opts["months"])
        span = (now - start).total_seconds()
        done, rows = 0, 0
        while done < opts["cases"]:
            size = min(opts["batch"], opts["cases"] - done)
            receipts = sorted(start + dt.timedelta(seconds=self._moment(rng, span)) for _ in range(size))
            with transaction.atomic():
                untriggered = _fast_load_settings()
                starts = _reserve(tables)
                batch = _Batch(world, starts, now, rng)
                for received in receipts:
                    batch.add(received)
                for table, table_rows in zip(tables, batch.rows, strict=True):
                    _write(table, table_rows)
                    rows += len(table_rows)
                _release(tables, starts, batch.nexts)
                if untriggered:
                    _restore_settings()
            done += size
            elapsed = time.perf_counter() - started
            self.stdout.write(f"{done} cases, {rows} rows, {elapsed:.1f} s, {done / elapsed:.0f} cases/s")
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"wrote {done} cases ({rows} rows) in {elapsed:.1f} s: "
            f"{done / max(elapsed, 1e-9):.0f} cases/s, {rows / max(elapsed, 1e-9):.0f} rows/s"
        ))
        if connection.vendor == "postgresql":
            # The planner's statistics still describe the tables before the load; the rollup rebuild's
            # queries need the real sizes to pick index look-ups over scans.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {', '.join(t.name for t in tables)}, regions_region")
        # The key figures read daily rollups once built; bulk rows bypass the services that keep them.
        call_command("rollup_rebuild", stdout=self.stdout)

    @staticmethod
    def _moment(rng: random.Random, span: float) -> float:
        """Seconds after the start: a third more cases at the end than at the start, and more in winter."""
        while True:
            x = rng.random()
            weight = (0.75 + 0.25 * x) * (1 + 0.15 * math.sin(2 * math.pi * (x * span / 31_557_600 + 0.1)))
            if rng.random() * 1.15 <= weight:
                return x * span

    # -- the county ---------------------------------------------------------------------------------

    def _world(self, opts, rng: random.Random) -> dict:
        """The county, its streets, communities and grids, departments, categories and the people who act."""
        code = opts["county"]
        with transaction.atomic():
            county, _ = Region.objects.get_or_create(code=code, defaults={"name": "压测县", "level": Level.COUNTY})
            streets = [Region(code=f"{code}{s:03d}", name=f"压测街道{s}", level=Level.STREET, parent=county)
                       for s in range(1, opts["streets"] + 1)]
            Region.objects.bulk_create(streets, ignore_conflicts=True)
            streets = list(Region.objects.filter(parent=county, level=Level.STREET).order_by("code"))
            communities = [Region(code=f"{street.code}{c:03d}", name=f"{street.name}第{c}社区", level=Level.COMMUNITY,
                                  parent=street) for street in streets for c in range(1, opts["communities"] + 1)]
            Region.objects.bulk_create(communities, ignore_conflicts=True)
            communities = list(Region.objects.filter(parent__in=streets).order_by("code"))
            grids = [Region(code=f"{community.code}{g:03d}", name=f"{community.name}{g}网格", level=Level.GRID,
                            parent=community) for community in communities for g in range(1, opts["grids"] + 1)]
            Region.objects.bulk_create(grids, ignore_conflicts=True)
            grids = list(Region.objects.filter(parent__in=communities).order_by("code"))

            departments = []
            for index, name in enumerate(DEPARTMENT_NAMES, start=1):
                org = Organisation.objects.filter(region=county, name=f"压测县{name}").first() or (
                    Organisation.objects.create(region=county, name=f"压测县{name}",
                                                kind=Organisation.Kind.DEPARTMENT))
                handler = _user(f"load_dept{index:02d}", Role.DEPARTMENT_HANDLER, county, org)
                # Some departments answer fast and well, others slowly and less well.
                speed = 0.6 + 1.2 * (index * 7 % len(DEPARTMENT_NAMES)) / len(DEPARTMENT_NAMES)
                departments.append((org.pk, org.name, handler.pk, f"{handler.display_name}（部门经办人）",
                                    speed, 0.5 + speed))
            urgency = UrgencyLevel.objects.filter(code="load-general").first() or UrgencyLevel.objects.create(
                code="load-general", name="压测一般", response_amount=RESPONSE_HOURS, response_unit=LimitUnit.HOURS,
                finish_amount=FINISH_HOURS, finish_unit=LimitUnit.HOURS, order=99)
            categories = []
            for index, name in enumerate(CATEGORY_NAMES, start=1):
                category = Category.objects.filter(code=f"load-{index:02d}").first() or Category.objects.create(
                    code=f"load-{index:02d}", name=f"{name}（压测）", level=1, order=900 + index,
                    default_urgency=urgency)
                # Each category mostly goes to the two departments responsible for it.
                own = [departments[(index - 1) % len(departments)], departments[(index * 3) % len(departments)]]
                categories.append((category.pk, category.code, own))

            workers = {}
            for community in communities:
                worker = _user(f"load_c{community.code}", Role.COMMUNITY_STAFF, community, None)
                workers[community.pk] = (worker.pk, f"{worker.display_name}（社区工作人员）")
            places, weights = [], []
            for place in grids + communities:
                worker = workers[place.parent_id if place.level == Level.GRID else place.pk]
                places.append((place.pk, *worker))
                # A few grids produce many of the problems (hot spots); cases filed at community level are fewer.
                weights.append(rng.paretovariate(1.5) if place.level == Level.GRID else 0.5)
        total, cumulative = 0.0, []
        for weight in weights:
            total += weight
            cumulative.append(total)
        return {"county": county, "places": places, "place_weights": cumulative, "departments": departments,
                "categories": categories, "urgency_id": urgency.pk, "urgency_code": urgency.code}


def _user(username: str, role: str, region: Region, organisation: Organisation | None) -> User:
    """The synthetic account that acts for a community or a department (no usable password)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=None, role=role, region=region,
                                        organisation=organisation)
    return user
