"""A process killed right after its case move committed loses no webhook delivery.

Real processes on a file-based SQLite database under the test's temporary directory: one migrates it,
one builds a county and a subscription, commits a case intake and is killed (SIGKILL) at the first
callback after the commit, before anything that runs after a commit (signals, receivers) could write a
delivery. `manage.py deliver_webhooks` run afterwards sends it to a local HTTP peer, exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from api import webhooks
from tests.http_receiver import local_receiver

ROOT = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(ROOT / "manage.py")]
SECRET = "killed-process-test-secret-0123456789"

# Builds the test county through the real services, subscribes the peer, and commits one intake whose
# transaction's first after-commit callback kills the process: the case services' own after-commit work
# (the `case_changed` signal) never runs.
MOVE_AND_DIE = """
import os, signal, sys
import django
django.setup()
from django.db import transaction
from django.utils import timezone
from api.models import WebhookSubscription
from api.webhooks import webhook_subscription_save
from conftest import build_tree, build_users
from tests.case_world import CaseWorld

tree = build_tree()
world = CaseWorld(tree, build_users(tree))
webhook_subscription_save(
    actor=None, subscription=WebhookSubscription(name="热线", url=sys.argv[1], secret=sys.argv[2]),
)
with transaction.atomic():
    transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
    world.submit(timezone.now())
print("still alive")
"""


def _count(database: Path, table: str) -> int:
    with sqlite3.connect(database) as db:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_a_move_whose_process_was_killed_after_the_commit_is_delivered_once(tmp_path):
    database = tmp_path / "killed.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "GONGZHI_DEMO": "true",
        "GONGZHI_DEBUG": "false",
        "DATABASE_URL": f"sqlite:///{database}",
        "GONGZHI_LOG_LEVEL": "ERROR",
    }
    run = dict(env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    migrated = subprocess.run([*MANAGE, "migrate", "--noinput"], **run)
    assert migrated.returncode == 0, migrated.stderr
    with local_receiver("/hooks/gongzhi") as receiver:
        moved = subprocess.run([sys.executable, "-c", MOVE_AND_DIE, receiver.url, SECRET], **run)
        assert moved.returncode == -signal.SIGKILL, moved.stderr
        assert "still alive" not in moved.stdout
        assert _count(database, "cases_caseevent") == 1  # the move committed
        assert _count(database, "api_webhookdelivery") == 0  # and nothing was queued before the kill
        assert receiver.received == []

        first = subprocess.run([*MANAGE, "deliver_webhooks"], **run)
        assert first.returncode == 0, first.stderr
        assert "新增 1，送达 1" in first.stdout
        again = subprocess.run([*MANAGE, "deliver_webhooks"], **run)
        assert again.returncode == 0, again.stderr
        assert "新增 0，送达 0" in again.stdout

    (headers, body), = receiver.received
    assert headers["x-gongzhi-event"] == "case.submit"
    assert json.loads(body)["case"]["status"] == "received"
    assert webhooks.verify(SECRET, headers["x-gongzhi-timestamp"], body, headers["x-gongzhi-signature"])
    assert _count(database, "api_webhookdelivery") == 1
