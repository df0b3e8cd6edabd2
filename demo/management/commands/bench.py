"""`python manage.py bench`: builds a large synthetic county in a throwaway database and prints timings.

It never touches the configured database: like the test runner it creates its own test database
(in memory for SQLite, `test_<name>` on PostgreSQL) and drops it afterwards.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import setup_databases, teardown_databases
from django.utils import timezone

from accounts.models import Role, User
from organisations.models import Organisation, Pact, PartyMember, Person
from regions.models import Facility, Level, Region
from regions.selectors import subtree_q

PASSWORD = "Bench-Passw0rd-2026"


def _timed(fn: Callable[[], object], repeat: int) -> dict[str, float]:
    fn()  # warm caches once; the figure is for a warm server
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 2),
        "n": repeat,
    }


class Command(BaseCommand):
    help = "Build a large synthetic county in a throwaway database and print benchmark figures."

    def add_arguments(self, parser):
        parser.add_argument("--streets", type=int, default=20)
        parser.add_argument("--communities", type=int, default=25, help="per street")
        parser.add_argument("--grids", type=int, default=20, help="per community")
        parser.add_argument("--buildings", type=int, default=5, help="per grid")
        parser.add_argument("--members", type=int, default=40, help="party members per community")
        parser.add_argument("--repeat", type=int, default=50)

    def handle(self, *args, **opts):
        old_config = setup_databases(verbosity=0, interactive=False)
        try:
            results = self._run(opts)
        finally:
            teardown_databases(old_config, verbosity=0)
        self.stdout.write(json.dumps(results, ensure_ascii=False, indent=2))

    def _build(self, opts) -> dict:
        started = time.perf_counter()
        now = timezone.now()
        today = timezone.localdate()
        with transaction.atomic():
            county = Region.objects.create(code="610424", name="基准县", level=Level.COUNTY)
            streets = Region.objects.bulk_create(
                Region(code=f"610424{s:03d}", name=f"街道{s}", level=Level.STREET, parent=county)
                for s in range(1, opts["streets"] + 1)
            )
            communities = Region.objects.bulk_create(
                Region(code=f"{st.code}{c:03d}", name=f"{st.name}社区{c}", level=Level.COMMUNITY, parent=st)
                for st in streets for c in range(1, opts["communities"] + 1)
            )
            grids = Region.objects.bulk_create(
                Region(code=f"{cm.code}{g:03d}", name=f"{cm.name}网格{g}", level=Level.GRID, parent=cm)
                for cm in communities for g in range(1, opts["grids"] + 1)
            )
            Region.objects.bulk_create(
                (Region(code=f"{gr.code}{b:03d}", name=f"{b}号楼", level=Level.BUILDING, parent=gr)
                 for gr in grids for b in range(1, opts["buildings"] + 1)),
                batch_size=5000,
            )
            kinds = [k for k, _ in Facility.Kind.choices]
            Facility.objects.bulk_create(
                (Facility(name=f"{cm.name}{i}", kind=kinds[i % len(kinds)], region=cm)
                 for cm in communities for i in range(6)),
                batch_size=5000,
            )
            parties = Organisation.objects.bulk_create(
                Organisation(name=f"{cm.name}党委", kind=Organisation.Kind.COMMUNITY_PARTY, region=cm)
                for cm in communities
            )
            agencies = Organisation.objects.bulk_create(
                Organisation(name=f"机关党支部{i}", kind=Organisation.Kind.AGENCY_PARTY, region=county)
                for i in range(300)
            )
            Pact.objects.bulk_create(
                (Pact(community_organisation=p, partner=agencies[(i * 7 + j) % len(agencies)], signed_on=today)
                 for i, p in enumerate(parties) for j in range(3)),
                batch_size=5000,
            )
            people = Person.objects.bulk_create(
                (Person(name=f"党员{i}", created_at=now) for i in range(len(communities) * opts["members"])),
                batch_size=5000,
            )
            PartyMember.objects.bulk_create(
                (PartyMember(person=person, branch=agencies[i % len(agencies)],
                             registered_community=communities[i % len(communities)], registered_on=today)
                 for i, person in enumerate(people)),
                batch_size=5000,
            )
            User.objects.create_user(username="bench_county", password=PASSWORD, role=Role.COUNTY_STAFF, region=county)
            User.objects.create_user(
                username="bench_community", password=PASSWORD, role=Role.COMMUNITY_STAFF, region=communities[0]
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh planner statistics, as a running database would have
        return {
            "regions": Region.objects.count(),
            "facilities": Facility.objects.count(),
            "organisations": Organisation.objects.count(),
            "party_members": PartyMember.objects.count(),
            "build_seconds": round(time.perf_counter() - started, 1),
            "county": county,
            "community": communities[0],
        }

    def _run(self, opts) -> dict:
        built = self._build(opts)
        county = built.pop("county")
        built.pop("community")
        client = Client()
        tokens = {}
        for username in ("bench_county", "bench_community"):
            response = client.post("/api/v1/auth/token", {"username": username, "password": PASSWORD},
                                   content_type="application/json")
            tokens[username] = f"Bearer {response.json()['token']}"

        def api(path: str, who: str) -> Callable[[], object]:
            def call():
                response = client.get(path, HTTP_AUTHORIZATION=tokens[who])
                assert response.status_code == 200, response.content[:200]
            return call

        page_client = Client()
        page_client.login(username="bench_county", password=PASSWORD)

        def roster_first_page():
            response = page_client.get("/organisations/party-members/")
            assert response.status_code == 200

        repeat = opts["repeat"]
        return {
            "database": connection.vendor,
            "data": built,
            "subtree_count_county_ms": _timed(lambda: Region.objects.filter(subtree_q(county)).count(), repeat),
            "api_regions_children_of_county": _timed(
                api(f"/api/v1/regions?parent={county.code}", "bench_county"), repeat
            ),
            "api_figures_county": _timed(api(f"/api/v1/reports/figures?region={county.code}", "bench_county"), repeat),
            "api_figures_community": _timed(api("/api/v1/reports/figures", "bench_community"), repeat),
            "page_party_member_roster_first_page_county": _timed(roster_first_page, max(10, repeat // 5)),
        }
