"""Database helpers shared by the apps' services."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

# How long a write keeps retrying when SQLite refuses a lock instead of waiting for it.
SQLITE_LOCK_WAIT_SECONDS = 20.0


def retry_sqlite_locks(func: Callable) -> Callable:
    """Repeat the whole transaction when SQLite refuses a lock instead of waiting (nothing was committed).

    SQLite answers "database is locked" without waiting when a transaction that has read must upgrade
    to write after another writer committed, and "table is locked" in shared-cache mode. Inside a
    caller's own transaction nothing is retried: that transaction is the caller's to repeat.
    """

    @functools.wraps(func)
    def run(*args, **kwargs):
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.vendor != "sqlite" or connection.in_atomic_block:
            return func(*args, **kwargs)
        deadline = time.monotonic() + SQLITE_LOCK_WAIT_SECONDS
        delay = 0.002
        while True:
            try:
                return func(*args, **kwargs)
            except OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    return run
