"""The floors of the project and a checker that every app imports only from the floors below it.

An app may import any app on a lower floor and none on its own floor or above, so no two apps can
ever import each other, directly or round a longer loop. Tests and migrations are not checked: tests
sit above everything, and migrations name apps by label. Imports inside functions count like any
other: a late import is still a dependency.

`docs/architecture.md` carries the same table; `tests/test_import_floors.py` keeps the two equal.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

FLOORS: dict[str, int] = {
    "core": 0,
    "regions": 1,
    "workcalendar": 1,
    "accounts": 2,
    "organisations": 3,
    "categories": 4,
    "cases": 5,
    "routing": 6,
    "notifications": 6,
    "open311": 6,
    "meetings": 6,
    "volunteers": 6,
    "halls": 6,
    "govservices": 7,
    "tasks": 6,
    "consultations": 7,
    "reports": 8,
    "gradings": 9,
    "api": 10,
    "portal": 10,
    "console": 11,
    "demo": 12,
    "config": 13,
}

SKIPPED_FOLDERS = frozenset({"tests", "migrations", "__pycache__"})


@dataclass(frozen=True)
class Import:
    """One import of another app: who imports, what, where."""

    importer: str
    imported: str
    module: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} imports {self.module}"


def packages(root: Path) -> list[str]:
    """The top-level Python packages of the project: folders with an `__init__.py` or an `apps.py`."""
    return sorted(
        entry.name for entry in root.iterdir()
        if entry.is_dir() and not entry.name.startswith(".") and entry.name not in SKIPPED_FOLDERS
        and ((entry / "__init__.py").exists() or (entry / "apps.py").exists())
    )


def _modules(folder: Path) -> Iterator[Path]:
    for dirpath, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_FOLDERS)
        for name in sorted(files):
            if name.endswith(".py") and not name.startswith("test_") and name != "conftest.py":
                yield Path(dirpath) / name


def imports_between_apps(root: Path, apps: set[str]) -> list[Import]:
    """Every absolute import in a non-test, non-migration module of one of `apps` that names another."""
    found = []
    for app in sorted(apps):
        for path in _modules(root / app):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in apps and top != app:
                        found.append(Import(app, top, module, str(path.relative_to(root)), node.lineno))
    return found


def upward_imports(root: Path, floors: dict[str, int] = FLOORS) -> list[Import]:
    """The imports of an app on the same floor or one above: each would let a cycle in."""
    return [
        found for found in imports_between_apps(root, set(floors))
        if floors[found.imported] >= floors[found.importer]
    ]


def cycles(root: Path, apps: set[str]) -> list[list[str]]:
    """Groups of apps that import each other round a loop (strongly connected components, Tarjan)."""
    graph: dict[str, set[str]] = {app: set() for app in apps}
    for found in imports_between_apps(root, apps):
        graph[found.importer].add(found.imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(app: str) -> None:
        index[app] = low[app] = len(index)
        stack.append(app)
        on_stack.add(app)
        for other in sorted(graph[app]):
            if other not in index:
                visit(other)
                low[app] = min(low[app], low[other])
            elif other in on_stack:
                low[app] = min(low[app], index[other])
        if low[app] == index[app]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == app:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for app in sorted(graph):
        if app not in index:
            visit(app)
    return groups
