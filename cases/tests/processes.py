"""Other processes on the test database: a worker that takes in a case, a real HTTP server.

On PostgreSQL they use the test database itself. On SQLite the test database lives in the test
process's memory, so it is copied (with what the test has committed so far) into a file that the
other processes open, and the test reads the results back from that file.
"""

from __future__ import annotations

import json
import os
import select
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

PROJECT_ROOT = Path(settings.BASE_DIR)


class SharedDatabase:
    """The database as other processes reach it, with row counts read the same way on both engines."""

    def __init__(self, url: str, sqlite_path: Path | None = None):
        self.url = url
        self.sqlite_path = sqlite_path

    @classmethod
    def prepare(cls, tmp_path: Path) -> SharedDatabase:
        """Call after the test's own set-up has committed (`django_db(transaction=True)`)."""
        if connection.vendor == "sqlite":
            path = tmp_path / "shared.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(path)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
            return cls(f"sqlite:///{path}", path)
        config = connection.settings_dict
        credentials = quote(config["USER"] or "", safe="")
        if config["PASSWORD"]:
            credentials += ":" + quote(config["PASSWORD"], safe="")
        host = quote(config["HOST"] or "", safe="") + (f":{config['PORT']}" if config["PORT"] else "")
        return cls(f"postgres://{credentials}@{host}/{config['NAME']}")

    def count(self, table: str, where: str = "", params: tuple = ()) -> int:
        """Rows of `table` (matching `where`) as committed."""
        sql = f"SELECT COUNT(*) FROM {table}" + (f" WHERE {where}" if where else "")
        if self.sqlite_path is not None:
            reader = sqlite3.connect(self.sqlite_path)
            try:
                return reader.execute(sql, params).fetchone()[0]
            finally:
                reader.close()
        with connection.cursor() as cursor:
            cursor.execute(sql.replace("?", "%s"), params)
            return cursor.fetchone()[0]

    def environment(self, media_root: Path) -> dict[str, str]:
        """The environment of a process of the project on this database, storing files under `media_root`."""
        return {
            **os.environ, "DATABASE_URL": self.url, "GONGZHI_MEDIA_ROOT": str(media_root),
            "DJANGO_SETTINGS_MODULE": "config.settings_test", "GONGZHI_DEMO": "true", "PYTHONUNBUFFERED": "1",
        }


def read_json_line(process: subprocess.Popen, timeout: float) -> dict:
    """The next line the process prints, as JSON; fails the test if none comes within `timeout` seconds."""
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    if not ready:
        process.kill()
        raise AssertionError(f"no answer from the process within {timeout} s")
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=10)
        raise AssertionError(f"the process ended ({process.returncode}): {process.stderr.read()}")
    return json.loads(line)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(database: SharedDatabase, media_root: Path, port: int) -> subprocess.Popen:
    """`manage.py runserver` (threaded: one thread and database connection per request) on `port`."""
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=PROJECT_ROOT, env=database.environment(media_root),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server stopped with {server.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5).close()
            return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    server.kill()
    raise AssertionError("the server did not answer within 90 s")
