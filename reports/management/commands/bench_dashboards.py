"""`python manage.py bench_dashboards`: p50/p95 of the dashboard and list endpoints on the configured
database, as a county and a community user of the county `generate_load` wrote.

Unlike `bench`, it reads the configured database (it needs the volume `generate_load` put there, with its
daily rollups: `rollup_rebuild`); it adds two staff users (bench_county, bench_community) if they are
missing and changes nothing else. The deep page of the 问题清单 is the middle one, reached by following
the list's cursors. Last, it prints the largest resident set size the process reached.
"""

from __future__ import annotations

import json
import math
import resource
import statistics
import sys
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from cases import selectors as case_selectors
from cases.models import Case
from cases.selectors import CaseListFilters
from cases.views import PAGE_SIZE
from cases.workflow import OPEN_STATUSES
from regions.models import Level, Region
from reports.models import RollupState

PASSWORD = "Bench-Dashb0ard-2026"


def _timed(client: Client, url: str, repeat: int, **headers) -> dict:
    """Milliseconds per GET of `url` after one warm-up request (which must answer 200); the cache is
    cleared before each request, so every figure is computed, not served from the 数据大屏's cache."""
    first = client.get(url, **headers)
    if first.status_code != 200:
        raise CommandError(f"{url} answered {first.status_code}")
    samples = []
    for _ in range(repeat):
        cache.clear()
        start = time.perf_counter()
        client.get(url, **headers)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 1),
            "p95_ms": round(samples[max(0, math.ceil(len(samples) * 0.95) - 1)], 1), "n": repeat}


def _deep_cursor(user: User, pages: int) -> str | None:
    """The cursor of the problem list's page `pages` + 1, found by following the cursors from page 1."""
    cursor = None
    for _ in range(pages):
        page = case_selectors.case_list_page(user, CaseListFilters(kind="problem"), cursor=cursor, size=PAGE_SIZE)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    return cursor


def _max_rss_mb() -> float:
    """The largest resident set size of this process so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(rss / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def _user(username: str, role: str, region: Region) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=PASSWORD, role=role, region=region)
    return user


class Command(BaseCommand):
    help = "Print p50/p95 of the dashboard, list and figures endpoints on the configured database."

    def add_arguments(self, parser):
        parser.add_argument("--county", default="610499")
        parser.add_argument("--period", default="", help="month token (2026-11) or year (2026); this month by default")
        parser.add_argument("--repeat", type=int, default=20)

    def handle(self, *args, **opts):
        county = Region.objects.filter(code=opts["county"]).first()
        if county is None:
            raise CommandError("先运行 generate_load 生成压测数据")
        state = RollupState.objects.filter(ready=True).first()
        if state is None:
            raise CommandError("每日汇总尚未生成：先运行 python manage.py rollup_rebuild")
        community = Region.objects.filter(code__startswith=county.code, level=Level.COMMUNITY).order_by("code").first()
        county_user = _user("bench_county", Role.COUNTY_STAFF, county)
        community_user = _user("bench_community", Role.COMMUNITY_STAFF, community)
        period = f"&period={opts['period']}" if opts["period"] else ""
        repeat = opts["repeat"]
        results: dict = {"database": connection.vendor, "cases": Case.objects.count(),
                         "rollups": {"built_at": state.built_at.isoformat(), "rows": state.rows}}

        county_client, community_client = Client(), Client()
        county_client.force_login(county_user)
        community_client.force_login(community_user)
        data = reverse("reports:dashboard_data")
        results["county dashboard API"] = _timed(county_client, f"{data}?region={county.code}{period}", repeat)
        results["community dashboard API"] = _timed(
            community_client, f"{data}?region={community.code}{period}", repeat)

        token = Client().post("/api/v1/auth/token", {"username": "bench_county", "password": PASSWORD},
                              content_type="application/json")
        if token.status_code != 200:
            raise CommandError(f"/api/v1/auth/token answered {token.status_code}")
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {token.json()['token']}"}
        results["county KPI API (/api/v1/reports/kpis)"] = _timed(
            Client(), f"/api/v1/reports/kpis?region={county.code}", repeat, **bearer)
        results["community KPI API (/api/v1/reports/kpis)"] = _timed(
            Client(), f"/api/v1/reports/kpis?region={community.code}", repeat, **bearer)
        results["figures API (/api/v1/reports/figures)"] = _timed(
            Client(), f"/api/v1/reports/figures?region={county.code}", repeat, **bearer)
        results["figures page"] = _timed(county_client, f"{reverse('reports:figures')}?region={county.code}", repeat)

        problems = reverse("cases:problem_list")
        open_problems = Case.objects.active().filter(
            region__code__startswith=county.code, kind="problem", status__in=OPEN_STATUSES).count()
        deep = max(1, math.ceil(open_problems / PAGE_SIZE) // 2)
        cursor = _deep_cursor(county_user, deep - 1)
        results["open problems"] = open_problems
        results["problem list, page 1"] = _timed(county_client, f"{problems}?kind=problem", repeat)
        deep_url = f"{problems}?kind=problem" + (f"&cursor={cursor}" if cursor else "")
        results[f"problem list, page {deep} (by cursor)"] = _timed(county_client, deep_url, repeat)
        results["max RSS of this process (MB)"] = _max_rss_mb()
        self.stdout.write(json.dumps(results, ensure_ascii=False, indent=2))
