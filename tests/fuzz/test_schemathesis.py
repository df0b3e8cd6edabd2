"""Schemathesis against /api/v1/openapi.json on a live server with the demo county loaded.

The server is the real application (`manage.py runserver` on a free port of 127.0.0.1, demo settings)
on a fresh SQLite database that is migrated and given the demo county. Schemathesis signs in as the
county's staff member (`county`, who sees the whole county) and sends up to `GONGZHI_FUZZ_EXAMPLES`
(default 20) generated requests to every operation, valid and invalid alike, from
`GONGZHI_FUZZ_WORKERS` (default 1) clients at once. The run must find no
server error (5xx) and no response that breaks the schema.

    .venv/bin/pytest -m fuzz tests/fuzz -q

`GONGZHI_FUZZ_DEMO_DB=/path/to/demo.sqlite3` starts from a copy of an already loaded demo database
instead of loading the demo (minutes) again; the copy is migrated, the original is never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from accounts.checks import DEMO_PASSWORD

pytestmark = pytest.mark.fuzz

ROOT = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(ROOT / "manage.py")]
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
USERNAME = "county"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _workdir(tmp_path: Path) -> Path:
    # SQLite syncs every commit to disk; a memory-backed directory makes loading the demo much faster.
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        path = shm / f"gongzhi-fuzz-{os.getpid()}"
        path.mkdir(exist_ok=True)
        return path
    return tmp_path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The base URL of a live server on a migrated temporary database holding the demo county."""
    work = _workdir(tmp_path_factory.mktemp("fuzz"))
    database = work / "fuzz.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "GONGZHI_DEMO": "true",
        "GONGZHI_DEBUG": "false",
        "DATABASE_URL": f"sqlite:///{database}",
        "GONGZHI_LOG_LEVEL": "ERROR",
    }
    prebuilt = os.environ.get("GONGZHI_FUZZ_DEMO_DB")
    if prebuilt:
        shutil.copyfile(prebuilt, database)
    subprocess.run([*MANAGE, "migrate", "--noinput"], env=env, cwd=ROOT, check=True, capture_output=True)
    if not prebuilt:
        subprocess.run([*MANAGE, "load_demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = _free_port()
    log = (work / "server.log").open("w")
    process = subprocess.Popen(
        [*MANAGE, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env, cwd=ROOT, stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((work / "server.log").read_text()) from None
                time.sleep(0.5)
        yield base, work
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        if work.parent == Path("/dev/shm"):
            shutil.rmtree(work, ignore_errors=True)


def _token(base: str) -> str:
    body = json.dumps({"username": USERNAME, "password": DEMO_PASSWORD}).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token", data=body, method="POST", headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["token"]


def test_schemathesis_finds_no_server_error_and_no_schema_violation(server):
    base, work = server
    token = _token(base)
    examples = os.environ.get("GONGZHI_FUZZ_EXAMPLES", "20")
    command = [
        str(SCHEMATHESIS), "run", f"{base}/api/v1/openapi.json",
        "--checks", "not_a_server_error,response_schema_conformance",
        "--max-examples", examples,
        "--seed", os.environ.get("GONGZHI_FUZZ_SEED", "311"),
        "--header", f"Authorization: Bearer {token}",
        # One client: two at once (GONGZHI_FUZZ_WORKERS=2) halve the run but raced the consultation moderation.
        "--workers", os.environ.get("GONGZHI_FUZZ_WORKERS", "1"),
        "--request-timeout", "30",
        "--generation-database", "none",
        "--no-color",
    ]
    result = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=3600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-20000:]
