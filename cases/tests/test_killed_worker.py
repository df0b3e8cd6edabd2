"""An intake whose process is killed (SIGKILL) inside its transaction leaves nothing: no case, event,
reporter, audit row, photo row or photo file; the same intake sent again afterwards goes through whole.

The intake runs in a real separate process (`intake_worker.py`) on the test database (a file copy on
SQLite), so the kill is what a crashed or OOM-killed app server does: no Python clean-up runs at all.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from .processes import PROJECT_ROOT, SharedDatabase, read_json_line

pytestmark = pytest.mark.django_db(transaction=True)


def worker(database: SharedDatabase, media_root, mode: str, key: str, region: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cases.tests.intake_worker", mode, key, region],
        cwd=PROJECT_ROOT, env=database.environment(media_root), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def files_under(path) -> list:
    return [entry for entry in path.rglob("*") if entry.is_file()] if path.exists() else []


def case_rows(database: SharedDatabase) -> dict[str, int]:
    return {
        "case": database.count("cases_case"),
        "event": database.count("cases_caseevent"),
        "reporter": database.count("cases_casereporter"),
        "attachment": database.count("cases_attachment"),
        "audit": database.count("core_auditevent", "target_type = ?", ("cases.case",)),
    }


def test_an_intake_killed_inside_its_transaction_leaves_nothing_behind(world, tmp_path):
    region = world.tree.east_grid1.code
    database = SharedDatabase.prepare(tmp_path)
    media_root = tmp_path / "media-of-the-worker"
    assert case_rows(database) == {"case": 0, "event": 0, "reporter": 0, "attachment": 0, "audit": 0}

    held = worker(database, media_root, "hold", "counter-form-42", region)
    try:
        inside = read_json_line(held, timeout=120)
    finally:
        held.send_signal(signal.SIGKILL)
        held.wait(timeout=30)
        held.stdout.close()
        held.stderr.close()
    # It was killed while its case and photo row existed inside the open transaction.
    assert inside["inside"] > 0 and inside["attachments"] == 1
    assert held.returncode == -signal.SIGKILL

    assert case_rows(database) == {"case": 0, "event": 0, "reporter": 0, "attachment": 0, "audit": 0}
    assert files_under(media_root) == [], "no photo file is written before the commit"

    # The database is not left locked and the idempotency key is free: the same intake goes through.
    again = worker(database, media_root, "complete", "counter-form-42", region)
    output, errors = again.communicate(timeout=120)
    assert again.returncode == 0, errors
    assert json.loads(output.strip().splitlines()[-1])["created"] is True
    assert case_rows(database) == {"case": 1, "event": 1, "reporter": 1, "attachment": 1, "audit": 1}
    [photo] = files_under(media_root)
    assert photo.suffix == ".jpg" and b"Exif" not in photo.read_bytes()
