"""Backup and restore of the whole installation: the database, byte for byte, and the uploaded files.

Format: one tar file holding
  manifest.json        what is inside: engine, time, each table's row count, applied migrations, checksums
  database.sqlite3     SQLite: a consistent copy made with SQLite's online backup API, or
  database.pgdump      PostgreSQL: `pg_dump --format=custom`, one consistent snapshot
  media/…              the uploaded files under MEDIA_ROOT

Why the database's own tools and not `dumpdata`/`loaddata`: `dumpdata` reads through the models, so the
encrypted personal data would leave the database decrypted and sit in the backup in plain text; its
JSON drops the microseconds of times; it does not carry sequences. The native copies keep every byte,
ciphertext stays ciphertext, the append-only audit rows are never saved through a model, and PostgreSQL
restores in one transaction (all or nothing). The price is that a backup restores into the same engine;
moving between SQLite and PostgreSQL is a migration, not a restore.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "gongzhi-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why, in Chinese."""


def engine() -> str:
    """`sqlite` or `postgresql`: the engine of the configured default database."""
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(f"不支持的数据库类型：{vendor}")
    return vendor


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def table_counts() -> dict[str, int]:
    """Row count of every table in the database (Django's and any other)."""
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump / pg_restore, from the Django settings."""
    params = connection.settings_dict
    args = []
    if params.get("HOST"):
        args += ["--host", str(params["HOST"])]
    if params.get("PORT"):
        args += ["--port", str(params["PORT"])]
    if params.get("USER"):
        args += ["--username", str(params["USER"])]
    env = {**os.environ}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    options = params.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return args, env


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(f"找不到 {tool}：请安装与数据库服务器版本一致的 PostgreSQL 客户端工具。")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{tool} 失败（退出码 {result.returncode}）：{result.stderr.strip()[-2000:]}")


def _sqlite_counts(path: Path) -> dict[str, int]:
    """Row count of every table in the SQLite file at `path`."""
    database = sqlite3.connect(path)
    try:
        tables = [row[0] for row in database.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )]
        return {table: database.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}
    finally:
        database.close()


def _dump_database(kind: str, target: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Copy the database to `target`; the row counts and migrations of exactly the state copied."""
    if kind == "sqlite":
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        return _sqlite_counts(target), applied_migrations()
    if connection.in_atomic_block:
        raise BackupError("备份不能在数据库事务中运行。")
    args, env = _pg_environment()
    # Count in the very snapshot pg_dump copies: a repeatable-read transaction exports it, pg_dump joins it.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts, migrations = table_counts(), applied_migrations()
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
              "--file", str(target), *args, str(connection.settings_dict["NAME"])], env)
    return counts, migrations


def _restore_database(kind: str, source: Path) -> None:
    connections.close_all()
    if kind == "sqlite":
        origin = sqlite3.connect(source)
        try:
            connection.ensure_connection()
            origin.backup(connection.connection)
        finally:
            origin.close()
    else:
        args, env = _pg_environment()
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", "--dbname", str(connection.settings_dict["NAME"]), *args, str(source)], env)
        connections.close_all()


def media_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Regular files under `root` (symbolic links are not followed), with their path relative to it."""
    if not root.is_dir():
        return
    for directory, _, files in os.walk(root):
        for name in sorted(files):
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                yield path, path.relative_to(root).as_posix()


@dataclass(frozen=True)
class BackupResult:
    path: Path
    sha256: str
    tables: int
    rows: int
    media_files: int


def backup_create(output: Path, *, include_media: bool = True) -> BackupResult:
    """Write a backup of the database (and the uploaded files) to `output`, readable by its owner only."""
    kind = engine()
    if output.exists():
        raise BackupError(f"{output} 已存在，不会覆盖。")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gongzhi-backup-") as work:
        dump = Path(work) / DATABASE_MEMBERS[kind]
        counts, migrations = _dump_database(kind, dump)
        media_root = Path(settings.MEDIA_ROOT)
        files = list(media_files(media_root)) if include_media else []
        manifest = {
            "format": FORMAT, "version": VERSION, "engine": kind, "created_at": timezone.now().isoformat(),
            "database": {"member": dump.name, "sha256": sha256_file(dump), "bytes": dump.stat().st_size},
            "tables": counts,
            "migrations": migrations,
            "media": {relative: sha256_file(path) for path, relative in files},
        }
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
            body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(timezone.now().timestamp()), 0o600
            archive.addfile(info, io.BytesIO(body))
            archive.add(dump, arcname=dump.name, recursive=False)
            for path, relative in files:
                archive.add(path, arcname=MEDIA_PREFIX + relative, recursive=False)
        os.chmod(partial, 0o600)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        partial.rename(output)
    return BackupResult(path=output, sha256=sha256_file(output), tables=len(counts), rows=sum(counts.values()),
                        media_files=len(files))


def backup_read_manifest(source: Path) -> dict:
    """The manifest of a backup file, checked to be one of ours."""
    try:
        with tarfile.open(source, "r") as archive:
            member = archive.getmember(MANIFEST)
            handle = archive.extractfile(member)
            manifest = json.loads(handle.read().decode("utf-8")) if handle else {}
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise BackupError(f"{source} 不是有效的共治备份文件：{exc}") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(f"{source} 不是本版本可读的共治备份文件。")
    return manifest


def _safe_media_name(name: str) -> str | None:
    """The relative path of a media member, or None for anything that could escape MEDIA_ROOT."""
    if not name.startswith(MEDIA_PREFIX):
        return None
    relative = PurePosixPath(name[len(MEDIA_PREFIX):])
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        return None
    return relative.as_posix()


@dataclass(frozen=True)
class RestoreResult:
    tables: int
    rows: int
    media_files: int
    manifest: dict


def backup_restore(source: Path, *, include_media: bool = True) -> RestoreResult:
    """Replace the database's contents with the backup in `source`, then put its uploaded files back.

    Everything is checked before the database is touched: the format, the engine, the checksum of the
    database copy and of every file. After the restore, every table's row count is compared with the
    manifest. Uploaded files already present and not in the backup are left in place.
    """
    kind = engine()
    manifest = backup_read_manifest(source)
    if manifest["engine"] != kind:
        raise BackupError(
            f"备份来自 {manifest['engine']} 数据库，当前配置的是 {kind}：备份只能恢复到同一种数据库。"
        )
    with tempfile.TemporaryDirectory(prefix="gongzhi-restore-") as work, tarfile.open(source, "r") as archive:
        database = archive.getmember(manifest["database"]["member"])
        if not database.isfile():
            raise BackupError("备份中的数据库副本已损坏。")
        dump = Path(work) / DATABASE_MEMBERS[kind]
        with archive.extractfile(database) as handle, open(dump, "wb") as out:
            shutil.copyfileobj(handle, out, CHUNK)
        if sha256_file(dump) != manifest["database"]["sha256"]:
            raise BackupError("备份中的数据库副本校验失败（SHA-256 不符），未做任何改动。")
        media: list[tuple[tarfile.TarInfo, str]] = []
        if include_media:
            for member in archive.getmembers():
                relative = _safe_media_name(member.name)
                if relative is None:
                    continue
                if not member.isfile() or relative not in manifest["media"]:
                    raise BackupError(f"备份中的文件 {member.name} 不在清单中或不是普通文件，未做任何改动。")
                digest = hashlib.sha256()
                with archive.extractfile(member) as handle:
                    for chunk in iter(lambda h=handle: h.read(CHUNK), b""):
                        digest.update(chunk)
                if digest.hexdigest() != manifest["media"][relative]:
                    raise BackupError(f"备份中的文件 {relative} 校验失败，未做任何改动。")
                media.append((member, relative))
        _restore_database(kind, dump)
        counts = table_counts()
        expected = manifest["tables"]
        differing = {table for table in expected if counts.get(table) != expected[table]}
        if differing:
            raise BackupError(f"恢复后以下数据表的行数与备份不符：{'、'.join(sorted(differing))}")
        root = Path(settings.MEDIA_ROOT)
        for member, relative in media:
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as handle, open(target, "wb") as out:
                shutil.copyfileobj(handle, out, CHUNK)
    return RestoreResult(tables=len(expected), rows=sum(expected.values()), media_files=len(media), manifest=manifest)
