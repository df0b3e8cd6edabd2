"""axe-core in a test's page: the serious and critical accessibility problems of the page as it stands.

The page's context must bypass the site's CSP (`bypass_csp=True`): axe-core is injected as a script tag,
which the policy (no inline or foreign script) rightly refuses.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def serious_problems(page) -> list[str]:
    """Each serious or critical axe-core violation: its rule, its help text and the first nodes it names."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({len(v['nodes'])} nodes): {v['help']} — " + "; ".join(n["html"][:80] for n in v["nodes"][:3])
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


def assert_accessible(page, name: str) -> None:
    """No serious or critical axe-core violation on the page as it stands."""
    problems = serious_problems(page)
    assert not problems, f"axe-core found serious or critical problems on the {name} page:\n" + "\n".join(problems)
