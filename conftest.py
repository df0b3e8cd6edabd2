"""Shared test fixtures: a small county built through the real services, and one user per role.

The tree:  县 610424 → 城关街道 610424001 → 东街社区 …001001 (grids …001001001/002, building)
                                       → 西街社区 …001002 (grid …001002001)
           → 漠西街道 610424002 → 北关社区 …002001
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import shutil

import pytest

from accounts.models import Role, User
from organisations import services as org_services
from organisations.models import Organisation
from regions import services as region_services
from tests.needs import missing

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "Test-Passw0rd-2026"


class Tree:
    """Named handles on the regions and organisations of the test county."""


@pytest.fixture
def scratch_media_and_cache(settings, tmp_path):
    """Uploads go to a scratch directory, and the cache (rate limits count there) starts and ends empty."""
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


class RowSnapshot:
    """The rows a builder wrote, kept so that later tests get the same rows by a few bulk inserts.

    Nearly every test asks for the test county and its users; building them through the services costs
    some seventy queries a test. The first test of a worker process builds them for real and keeps what
    was written (every table, audit rows included); each later test inserts copies of those rows inside
    its own transaction, so it sees the same records, primary keys included, as if it had built them.
    """

    def __init__(self, build):
        from django.apps import apps
        from django.db import connection

        models = [m for m in apps.get_models(include_auto_created=True) if not m._meta.proxy and m._meta.managed]
        before = {model: set(model._base_manager.values_list("pk", flat=True)) for model in models}
        written: set[str] = set()

        def note_inserts(execute, sql, params, many, context):
            if sql.lstrip().upper().startswith("INSERT INTO"):
                written.add(sql.split()[2].strip('"`'))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(note_inserts):
            self.result = build()
        self.rows = []
        for model in models:
            if model._meta.db_table in written:
                new = [row for row in model._base_manager.order_by("pk") if row.pk not in before[model]]
                if new:
                    self.rows.append((model, new))

    def free(self) -> bool:
        """Whether none of the kept rows' keys is taken (a fixture that ran first may have written some)."""
        return not any(model._base_manager.filter(pk__in=[row.pk for row in rows]).exists()
                       for model, rows in self.rows)

    def restore(self):
        """Insert copies of the kept rows (foreign keys are checked at commit, so order does not matter)
        and return a copy of the builder's result whose instances are as fresh as the rows."""
        from django.db import transaction

        with transaction.atomic():
            for model, rows in self.rows:
                model._base_manager.bulk_create(copy.deepcopy(rows))
        return copy.deepcopy(self.result)


_snapshots: dict[str, RowSnapshot] = {}


def _built_once(name: str, build):
    """`build()`'s result, by a real build in the first test of this process that needs it, by restoring
    the rows it wrote in every later one (or by a real build, where rows written before took their keys)."""
    snapshot = _snapshots.get(name)
    if snapshot is None:
        _snapshots[name] = snapshot = RowSnapshot(build)
        return copy.deepcopy(snapshot.result), True
    if snapshot.free():
        return snapshot.restore(), True
    return build(), False


@pytest.fixture
def tree(db) -> Tree:
    built, kept = _built_once("tree", build_tree)
    built.kept_rows = kept  # the users' kept rows point at the kept tree's keys, and only there fit
    return built


def build_tree() -> Tree:
    """The test county through the real services (the `tree` fixture; modules that build once call it)."""
    t = Tree()
    mk = region_services.region_create
    t.county = mk(actor=None, code="610424", name="测试县")
    t.street = mk(actor=None, code="610424001", name="城关街道", parent=t.county)
    t.other_street = mk(actor=None, code="610424002", name="漠西街道", parent=t.county)
    t.east = mk(actor=None, code="610424001001", name="东街社区", parent=t.street)
    t.west = mk(actor=None, code="610424001002", name="西街社区", parent=t.street)
    t.north = mk(actor=None, code="610424002001", name="北关社区", parent=t.other_street)
    t.east_grid1 = mk(actor=None, code="610424001001001", name="东街一网格", parent=t.east)
    t.east_grid2 = mk(actor=None, code="610424001001002", name="东街二网格", parent=t.east)
    t.west_grid1 = mk(actor=None, code="610424001002001", name="西街一网格", parent=t.west)
    t.east_building = mk(actor=None, code="610424001001001001", name="东街1号楼", parent=t.east_grid1)
    org = org_services.organisation_create
    t.east_party = org(actor=None, name="东街社区党委", kind=Organisation.Kind.COMMUNITY_PARTY, region=t.east)
    t.west_party = org(actor=None, name="西街社区党委", kind=Organisation.Kind.COMMUNITY_PARTY, region=t.west)
    t.north_party = org(actor=None, name="北关社区党支部", kind=Organisation.Kind.COMMUNITY_PARTY, region=t.north)
    t.department = org(actor=None, name="县住房和城乡建设局", kind=Organisation.Kind.DEPARTMENT, region=t.county)
    t.agency_branch = org(
        actor=None, name="县住建局机关党支部", kind=Organisation.Kind.AGENCY_PARTY, region=t.county, parent=t.department
    )
    t.property_company = org(actor=None, name="安居物业公司", kind=Organisation.Kind.PROPERTY_COMPANY, region=t.east)
    t.today = dt.date(2026, 11, 1)
    return t


@pytest.fixture
def users(tree) -> dict[str, User]:
    """One user per role, keyed by a short name; all share PASSWORD."""
    if not tree.kept_rows:
        return build_users(tree)
    built, _ = _built_once("users", lambda: build_users(tree))
    # The users point at this test's copies of the tree's regions and organisations.
    for user in built.values():
        for field in ("region", "organisation"):
            if getattr(user, f"{field}_id"):
                setattr(user, field, _handle_by_pk(tree, getattr(user, f"{field}_id"), type(getattr(user, field))))
    return built


def _handle_by_pk(tree: Tree, pk: int, model):
    for obj in vars(tree).values():
        if isinstance(obj, model) and obj.pk == pk:
            return obj
    return model.objects.get(pk=pk)


def build_users(tree: Tree) -> dict[str, User]:
    """The users of the `users` fixture, for `tree`."""
    member_person = org_services.person_create(
        actor=None, name="党员甲", phone="13800001111", id_number="610424199001011234", home_region=tree.east_grid1
    )
    org_services.party_member_register(
        actor=None, person=member_person, branch=tree.agency_branch, registered_community=tree.east,
        registered_on=tree.today, grid=tree.east_grid1,
    )
    resident_person = org_services.person_create(actor=None, name="居民乙", phone="13900002222")
    specs = {
        "county": dict(role=Role.COUNTY_STAFF, region=tree.county),
        "street": dict(role=Role.STREET_STAFF, region=tree.street),
        "community": dict(role=Role.COMMUNITY_STAFF, region=tree.east),
        "community2": dict(role=Role.COMMUNITY_STAFF, region=tree.west),
        "grid": dict(role=Role.GRID_WORKER, region=tree.east_grid1),
        "dept": dict(role=Role.DEPARTMENT_HANDLER, organisation=tree.department),
        "member": dict(role=Role.PARTY_MEMBER, person=member_person, region=tree.east),
        "resident": dict(role=Role.RESIDENT, person=resident_person),
    }
    return {name: User.objects.create_user(username=name, password=PASSWORD, **spec) for name, spec in specs.items()}


# Under `make test` (pytest -n auto --dist loadgroup) the tests whose node id starts with one of these run on
# one worker together: the browser tests, so one Chromium runs at a time on a two-core machine; a module whose
# module-scoped fixture is costly, so it is built once per run instead of once per worker. Every other test
# goes to whichever worker is free. (The groups are named here by path, not by `xdist_group` marks: the
# scheduler sees only node ids, and xdist's group suffix on them does not reach it under pytest 9.)
SHARED_WORKER = {
    "tests/browser/": "browser",
    "demo/tests/test_demo.py": "demo county",
}


def pytest_xdist_make_scheduler(config, log):
    """Scheduling by the groups of SHARED_WORKER, in collection order (see the Makefile's `test`)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedWorkerScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return next((group for prefix, group in SHARED_WORKER.items() if nodeid.startswith(prefix)), nodeid)

    return SharedWorkerScheduling(config, log)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium, never a downloaded browser; no background traffic to the internet."""
    executable = shutil.which("chromium")
    if executable is None:
        missing("chromium is not installed (apt-get install chromium fonts-noto-cjk)",
                required_by="GONGZHI_REQUIRE_BROWSER")
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic",
        ],
    }
