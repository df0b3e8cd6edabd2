"""Every app imports only from the floors below it, so no import cycle between apps can form."""

from __future__ import annotations

import re
from pathlib import Path

from tests.import_floors import FLOORS, cycles, packages, upward_imports

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_of_the_project_has_a_floor():
    assert sorted(set(packages(ROOT)) - set(FLOORS)) == [], "give the new app its floor in tests/import_floors.py"
    assert sorted(set(FLOORS) - set(packages(ROOT))) == []


def test_no_app_imports_its_own_floor_or_one_above():
    found = upward_imports(ROOT)
    assert not found, "imports against the floors:\n" + "\n".join(map(str, found))


def test_there_is_no_import_cycle_between_apps():
    assert cycles(ROOT, set(FLOORS)) == []


def test_the_architecture_page_gives_every_app_its_floor():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    documented = {app: int(floor) for floor, app in re.findall(r"^\| (\d+) \| `(\w+)/` \|", text, flags=re.M)}
    assert documented == FLOORS


# The checker itself, on a small project written for each test.

def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


FLOORS_OF_THREE = {"low": 0, "middle": 1, "high": 2}
DOWNWARD = {
    "low/__init__.py": "",
    "low/models.py": "import os\n",
    "middle/__init__.py": "",
    "middle/services.py": "from low.models import Thing\n",
    "high/__init__.py": "",
    "high/views.py": "import middle.services\nfrom low import models\n",
}


def test_the_checker_accepts_imports_that_go_down(tmp_path):
    root = write(tmp_path, DOWNWARD)
    assert upward_imports(root, FLOORS_OF_THREE) == []
    assert cycles(root, set(FLOORS_OF_THREE)) == []


def test_the_checker_finds_a_back_import_even_inside_a_function(tmp_path):
    root = write(tmp_path, {
        **DOWNWARD,
        "low/selectors.py": "def late():\n    from high.views import page\n    return page\n",
    })
    found = upward_imports(root, FLOORS_OF_THREE)
    assert [str(item) for item in found] == ["low/selectors.py:2: low imports high.views"]
    assert cycles(root, set(FLOORS_OF_THREE)) == [["high", "low", "middle"]]


def test_the_checker_refuses_an_import_between_apps_on_one_floor(tmp_path):
    root = write(tmp_path, {**DOWNWARD, "side/__init__.py": "", "side/api.py": "from middle import services\n"})
    found = upward_imports(root, {**FLOORS_OF_THREE, "side": 1})
    assert [(item.importer, item.imported) for item in found] == [("side", "middle")]


def test_the_checker_leaves_tests_migrations_and_relative_imports_alone(tmp_path):
    root = write(tmp_path, {
        **DOWNWARD,
        "low/tests/__init__.py": "",
        "low/tests/helpers.py": "from high.views import page\n",
        "low/test_models.py": "from high.views import page\n",
        "low/migrations/0001_initial.py": "from middle.services import thing\n",
        "low/conftest.py": "import high\n",
        "low/forms.py": "from .models import Thing\n",
    })
    assert upward_imports(root, FLOORS_OF_THREE) == []
