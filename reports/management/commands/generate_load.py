"""`python manage.py generate_load --cases N`: a synthetic county with N cases of history, for load tests.

It writes what the case services would have written, in bulk: each case walks the edges of
cases/workflow.TABLE (受理 → 立案 → 派遣 → 报到 → 答复 → 核查 → 结案 → 评价, with 不予受理, a first
不满意 sent back for rework, and cases still open at every stage), with one event row per edge whose
action, statuses and data match the services', the assignments' clocks and a rating row for every
评价. Rows go in with bulk_create in batches, one transaction per batch. Whistles are not generated.

Run it only against a database meant for load tests: it adds regions, departments and cases.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from cases.models import Assignment, AssignmentRole, Case, CaseEvent, Channel, Kind, Rating, RatingResult
from cases.services import TRACKING_ALPHABET
from cases.workflow import TABLE, Status
from categories.models import Category, LimitUnit, UrgencyLevel
from organisations.models import Organisation
from regions.models import Level, Region

H = dt.timedelta(hours=1)
CATEGORY_NAMES = ("环境卫生", "市政设施", "物业管理", "噪音扰民", "违章搭建", "停车管理", "供水供暖", "治安隐患",
                  "邻里纠纷", "养老服务", "困难帮扶", "其他事项")
DEPARTMENT_NAMES = ("住房和城乡建设局", "城市管理局", "市场监督管理局", "生态环境分局", "公安局", "民政局", "水务局",
                    "交通运输局", "卫生健康局", "教育局", "人力资源和社会保障局", "自然资源局", "应急管理局",
                    "供电分公司", "燃气公司", "司法局", "农业农村局", "文化和旅游局", "退役军人事务局", "消防救援大队")
TITLES = ("路灯不亮", "垃圾清运不及时", "楼道堆放杂物", "下水道堵塞", "夜间施工噪音", "小区停车难", "暖气不热",
          "独居老人需要照看", "道路破损", "绿化带损毁", "电动车违规充电", "广场舞噪音")
CHANNELS = (Channel.OPINION_WINDOW, Channel.OPINION_WINDOW, *[c for c in Channel.values if c != Channel.OPINION_WINDOW])
EDGES = {(edge.action, edge.label): edge for edge in TABLE}


class _Stop(Exception):
    """The case's history has reached the present."""


def _edge_label(action: str, source: str, *, lead: bool = True) -> str:
    """The label the services record as `data.edge` for `action` taken from `source`."""
    for edge in TABLE:
        if edge.action == action and source in edge.sources and (not edge.when or edge.when == ("lead" if lead else
                                                                                                "assist")):
            return edge.label
    raise CommandError(f"no edge {action} from {source}")


class Command(BaseCommand):
    help = "Write a synthetic county with N cases of history (events, assignments, ratings) in bulk."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True)
        parser.add_argument("--county", default="610499", help="code of the synthetic county (6 digits)")
        parser.add_argument("--streets", type=int, default=8)
        parser.add_argument("--communities", type=int, default=10, help="per street")
        parser.add_argument("--grids", type=int, default=8, help="per community")
        parser.add_argument("--months", type=int, default=24, help="history length, ending now")
        parser.add_argument("--batch", type=int, default=5000, help="cases per transaction")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **opts):
        if len(opts["county"]) != 6 or not opts["county"].isdigit():
            raise CommandError("--county 应为 6 位数字")
        rng = random.Random(opts["seed"])
        started = time.perf_counter()
        world = self._world(opts)
        now = timezone.now()
        start = now - dt.timedelta(days=30 * opts["months"])
        span = (now - start).total_seconds()
        done, rows = 0, 0
        while done < opts["cases"]:
            size = min(opts["batch"], opts["cases"] - done)
            receipts = sorted(start + dt.timedelta(seconds=rng.random() * span) for _ in range(size))
            rows += self._batch(world, receipts, now, rng)
            done += size
            elapsed = time.perf_counter() - started
            self.stdout.write(f"{done} cases, {rows} rows, {elapsed:.1f} s, {done / elapsed:.0f} cases/s")
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"wrote {done} cases ({rows} rows) in {elapsed:.1f} s: "
            f"{done / elapsed:.0f} cases/s, {rows / elapsed:.0f} rows/s"
        ))

    # -- the county ---------------------------------------------------------------------------------

    def _world(self, opts) -> dict:
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
            for name in DEPARTMENT_NAMES:
                org = Organisation.objects.filter(region=county, name=f"压测县{name}").first()
                departments.append(org or Organisation.objects.create(
                    region=county, name=f"压测县{name}", kind=Organisation.Kind.DEPARTMENT))
            urgency = UrgencyLevel.objects.filter(name="压测一般").first() or UrgencyLevel.objects.create(
                name="压测一般", response_amount=1, response_unit=LimitUnit.values[0],
                finish_amount=5, finish_unit=LimitUnit.values[0], order=99)
            categories = []
            for index, name in enumerate(CATEGORY_NAMES, start=1):
                category = Category.objects.filter(code=f"load-{index:02d}").first()
                if category is None:
                    category = Category.objects.create(code=f"load-{index:02d}", name=f"{name}（压测）", level=1,
                                                       order=900 + index, default_urgency=urgency)
                categories.append(category)
            staff = User.objects.filter(username="load_staff").first() or User.objects.create_user(
                username="load_staff", password=None, role=Role.COUNTY_STAFF, region=county)
        return {"county": county, "places": grids + communities, "departments": departments,
                "categories": categories, "urgency": urgency, "staff": staff,
                "serial": Case.objects.count()}

    # -- one batch ----------------------------------------------------------------------------------

    def _code(self, rng: random.Random) -> str:
        return "".join(rng.choice(TRACKING_ALPHABET) for _ in range(10))

    def _batch(self, world: dict, receipts: list[dt.datetime], now: dt.datetime, rng: random.Random) -> int:
        staff = world["staff"]
        staff_label = f"{staff.username}（{staff.get_role_display()}）"
        plans = []
        cases = []
        for received in receipts:
            plan = self._plan(received, now, rng, world)
            plans.append(plan)
            cases.append(plan["case"])
        with transaction.atomic():
            Case.objects.bulk_create(cases, batch_size=2000)
            assignments = []
            for plan in plans:
                for assignment in plan["assignments"]:
                    assignment.case_id = plan["case"].pk
                    assignments.append(assignment)
            Assignment.objects.bulk_create(assignments, batch_size=2000)
            events, ratings = [], []
            for plan in plans:
                case = plan["case"]
                for seq, (action, source, target, when, assignment, data, by_staff) in enumerate(plan["events"], 1):
                    if assignment is not None:
                        data = {**data, "assignment": assignment.pk}
                    if action == "dispatch":
                        data = {**data, "assignments": [{
                            "id": a.pk, "assignee": a.organisation.name, "role": a.role,
                            "report_in_due": timezone.localtime(a.report_in_due).isoformat(),
                            "finish_due": a.finish_due.isoformat()} for a in plan["assignments"]]}
                    if action == "rate":
                        rating = Rating(case_id=case.pk, result=data["result"], rated_at=when,
                                        recorded_by_staff=True, rated_by=staff)
                        ratings.append((rating, data))
                    events.append(CaseEvent(
                        case_id=case.pk, seq=seq, created_at=when, action=action, from_status=source,
                        to_status=target, assignment=assignment, data=data,
                        actor=staff if by_staff else None,
                        actor_label=staff_label if by_staff else (
                            f"{assignment.organisation.name}（部门经办人）" if assignment is not None else ""),
                        note=plan["case"].public_note if action == "reply" else "",
                    ))
            Rating.objects.bulk_create([rating for rating, _ in ratings], batch_size=2000)
            for rating, data in ratings:
                data["rating"] = rating.pk
            CaseEvent.objects.bulk_create(events, batch_size=5000)
            # The services stamp created_at at intake; auto_now has set updated_at to the load time.
            Case.objects.filter(pk__in=[c.pk for c in cases]).update(updated_at=now)
        return len(cases) + len(assignments) + len(events) + len(ratings)

    def _plan(self, received: dt.datetime, now: dt.datetime, rng: random.Random, world: dict) -> dict:
        """One case and the edges it went through, decided by its age and chance."""
        age_days = (now - received).total_seconds() / 86400
        kind = Kind.DIFFICULTY if rng.random() < 0.15 else Kind.PROBLEM
        category = rng.choice(world["categories"])
        place = rng.choice(world["places"])
        response_due = received + 4 * H
        finish_due = received + 5 * 24 * H
        case = Case(
            tracking_code=self._code(rng), kind=kind, channel=rng.choice(CHANNELS), title=rng.choice(TITLES),
            description="居民反映的情况", region=place, created_by=world["staff"], owner=world["staff"],
            contact_name="居民", status=Status.RECEIVED, received_at=received, created_at=received,
            urgency=world["urgency"],
        )
        events: list[tuple] = [("submit", "", Status.RECEIVED, received, None,
                                {"channel": case.channel, "kind": kind, "photos": 0, "owner": world["staff"].pk,
                                 "category": ""}, True)]
        plan = {"case": case, "events": events, "assignments": []}
        t = received
        roll = rng.random()
        # How far the case has got: older cases are mostly finished, recent ones still moving.
        stage_cap = 8 if age_days > 20 else int(1 + age_days / 20 * 7 + rng.random() * 2)

        def step(action: str, target: str, when: dt.datetime, assignment=None, data=None, by_staff=True,
                 lead=True) -> None:
            if when > now:
                raise _Stop
            source = case.status
            label = _edge_label(action, source, lead=lead)
            events.append((action, source, target, when, assignment, {"edge": label, **(data or {})}, by_staff))
            case.status = target
            case.version += 1
            case.updated_at = when

        try:
            if roll < 0.03:
                step("reject", Status.REJECTED, t + H, data={})
                case.public_note = "不属于受理范围"
                return plan
            if stage_cap < 2:
                return plan
            t += H * rng.uniform(0.2, 2)
            case.category = category
            case.response_due, case.finish_due = response_due, finish_due
            step("classify", Status.REGISTERED, t, data={
                "category": category.code, "urgency": world["urgency"].name,
                "response_due": timezone.localtime(response_due).isoformat(),
                "finish_due": timezone.localtime(finish_due).isoformat(),
                "suggested_lead": None, "suggested_assisting": []})
            if stage_cap < 3:
                return plan
            t += H * rng.uniform(0.2, 3)
            lead = Assignment(organisation=rng.choice(world["departments"]), role=AssignmentRole.LEAD,
                              status=Assignment.Status.PENDING, dispatched_at=t, dispatched_by=world["staff"],
                              report_in_due=t + 4 * H, finish_due=finish_due)
            plan["assignments"].append(lead)
            step("dispatch", Status.DISPATCHED, t, data={})
            if stage_cap < 4 or t + H > now:
                return plan
            t += H * rng.expovariate(1 / 2.5)
            lead.accepted_at, lead.status = t, Assignment.Status.ACCEPTED
            step("accept", Status.IN_PROGRESS, t, lead, {"on_time": t <= lead.report_in_due}, by_staff=False)
            rounds = 0
            while True:
                if stage_cap < 5:
                    return plan
                t += 24 * H * rng.expovariate(1 / 3.2)
                if t > now:
                    return plan
                case.public_note = "已处理完毕"
                lead.replied_at, lead.status, lead.reply = t, Assignment.Status.REPLIED, "已处理完毕"
                step("reply", Status.REPLIED, t, lead, {"on_time": t <= lead.finish_due, "photos": 0}, by_staff=False)
                if stage_cap < 6:
                    return plan
                t += H * rng.uniform(1, 24)
                step("verify", Status.VERIFIED, t, data={})
                if stage_cap < 7:
                    return plan
                t += H * rng.uniform(0.5, 6)
                case.closed_at = t
                step("close", Status.CLOSED, t, data={"withdrawn": []})
                if stage_cap < 8 or rng.random() < 0.1:
                    return plan
                t += H * rng.uniform(1, 72)
                draw = rng.random()
                result = (RatingResult.SATISFIED if draw < 0.72 else RatingResult.BASICALLY_SATISFIED if draw < 0.92
                          else RatingResult.UNSATISFIED)
                if rounds:
                    result = RatingResult.BASICALLY_SATISFIED
                step("rate", Status.RATED, t, data={"result": result})
                if result != RatingResult.UNSATISFIED:
                    return plan
                # A first 不满意 sends the case back to its lead with a new deadline (the system's edge).
                rounds += 1
                case.rework_count += 1
                case.closed_at = None
                lead.finish_due = case.finish_due = t + 3 * 24 * H
                lead.status = Assignment.Status.ACCEPTED
                events.append(("rework", Status.RATED, Status.IN_PROGRESS, t, None,
                               {"edge": EDGES[("rework", "不满意返工")].label}, False))
                case.status = Status.IN_PROGRESS
                case.version += 1
        except _Stop:
            return plan
