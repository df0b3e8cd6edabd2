"""Backup and restore round trip: every table, row by row, and the uploaded files come back exactly.

Runs on the configured engine: SQLite in the default suite, PostgreSQL when DATABASE_URL points at it
(pg_dump and pg_restore must then be installed).
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from cases import services as case_services
from cases.models import Case, Channel, Kind
from cases.tests.images import image_bytes
from core import audit
from core.management.commands import restore as restore_command
from core.models import AuditEvent
from core.security_backup import engine
from organisations import services as org_services
from organisations.models import Person

pytestmark = pytest.mark.django_db(transaction=True)

PNG = image_bytes("PNG")


def every_row() -> dict[str, list[tuple]]:
    """Every row of every table, as stored (encrypted columns as ciphertext), in a stable order."""
    snapshot: dict[str, list[tuple]] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            snapshot[table] = sorted((tuple(row) for row in cursor.fetchall()), key=repr)
    return snapshot


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def county(users, media_root):
    """A county with people (encrypted personal data), a case with a photo, and audit rows."""
    org_services.person_create(actor=None, name="王大爷", phone="13700001234", id_number="610424194501011236",
                               address="城关街道东街社区东街家属院3号楼")
    case, _ = case_services.case_submit(
        actor=users["community"], channel=Channel.SERVICE_HALL, kind=Kind.PROBLEM, title="楼道照明损坏",
        description="3单元楼道灯不亮", region=users["community"].region, contact_name="王大爷",
        contact_phone="13700001234", photos=[SimpleUploadedFile("lamp.png", PNG, content_type="image/png")],
    )
    audit.record(actor=users["county"], action=AuditEvent.Action.REVEAL, target=case, reason="核实反映人")
    return case


def backup(path: Path) -> None:
    call_command("backup", str(path), stdout=io.StringIO())


def restore(path: Path) -> None:
    call_command("restore", str(path), "--noinput", stdout=io.StringIO())


def test_every_table_comes_back_row_by_row(county, tmp_path):
    before = every_row()
    assert before["core_auditevent"] and before["organisations_person"] and before["cases_case"]
    backup(tmp_path / "gongzhi.backup")
    # Damage: new rows, a change, a removed row (through SQL: the audit log refuses it through the model).
    org_services.person_create(actor=None, name="新来的人", phone="13900000000")
    Case.objects.filter(pk=county.pk).update(title="被改过的标题")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = (SELECT MIN(id) FROM core_auditevent)")
    assert every_row() != before
    restore(tmp_path / "gongzhi.backup")
    after = every_row()
    after["core_auditevent"] = [row for row in after["core_auditevent"] if "从备份恢复" not in repr(row)]
    assert after.keys() == before.keys()
    for table in before:
        assert after[table] == before[table], table


def test_encrypted_values_stay_encrypted_in_the_backup_and_read_back(county, tmp_path):
    backup(tmp_path / "b.tar")
    with tarfile.open(tmp_path / "b.tar") as archive:
        names = archive.getnames()
        database = next(name for name in names if name.startswith("database."))
        content = archive.extractfile(database).read()
    assert b"13700001234" not in content and "东街家属院".encode() not in content
    Person.objects.filter(name="王大爷").update(name="改名")
    restore(tmp_path / "b.tar")
    person = Person.objects.get(name="王大爷")
    assert person.phone == "13700001234" and person.address == "城关街道东街社区东街家属院3号楼"


def test_uploaded_files_come_back(county, tmp_path, media_root):
    photo = Path(county.attachments.get().file.path)
    original = photo.read_bytes()
    backup(tmp_path / "b.tar")
    photo.write_bytes(b"damaged")
    restore(tmp_path / "b.tar")
    assert photo.read_bytes() == original


def test_new_rows_after_a_restore_get_fresh_ids(county, tmp_path):
    backup(tmp_path / "b.tar")
    restore(tmp_path / "b.tar")
    newest = AuditEvent.objects.order_by("-pk").first().pk
    event = audit.record(actor=None, action=AuditEvent.Action.LOGIN, target_label="after restore")
    assert event.pk > newest


def test_the_manifest_describes_the_backup(county, tmp_path):
    backup(tmp_path / "b.tar")
    with tarfile.open(tmp_path / "b.tar") as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
    assert manifest["engine"] == engine()
    assert manifest["tables"]["cases_case"] == 1
    assert "accounts" in manifest["migrations"]
    assert len(manifest["media"]) == 1
    assert oct((tmp_path / "b.tar").stat().st_mode & 0o777) == "0o600"
    assert AuditEvent.objects.filter(target_type="core.backup", action="export").exists()


def test_an_existing_file_is_not_overwritten(county, tmp_path):
    (tmp_path / "b.tar").write_bytes(b"keep")
    with pytest.raises(CommandError, match="已存在"):
        backup(tmp_path / "b.tar")
    assert (tmp_path / "b.tar").read_bytes() == b"keep"


def test_a_damaged_backup_changes_nothing(county, tmp_path):
    backup(tmp_path / "b.tar")
    with tarfile.open(tmp_path / "b.tar") as archive:
        members = {member.name: archive.extractfile(member).read() for member in archive.getmembers()}
    database = next(name for name in members if name.startswith("database."))
    damaged = bytearray(members[database])
    damaged[len(damaged) // 2] ^= 0xFF
    members[database] = bytes(damaged)
    with tarfile.open(tmp_path / "damaged.tar", "w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    Case.objects.filter(pk=county.pk).update(title="恢复前的标题")
    with pytest.raises(CommandError, match="校验失败"):
        restore(tmp_path / "damaged.tar")
    assert Case.objects.get(pk=county.pk).title == "恢复前的标题"


def test_a_file_that_is_not_a_backup_is_refused(db, tmp_path):
    (tmp_path / "x.tar").write_bytes(b"not a tar file")
    with pytest.raises(CommandError, match="不是有效的共治备份文件"):
        restore(tmp_path / "x.tar")


def test_a_media_member_escaping_media_root_is_refused(county, tmp_path):
    backup(tmp_path / "b.tar")
    with tarfile.open(tmp_path / "b.tar", "a") as archive:
        info = tarfile.TarInfo("media/../../escaped.txt")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"no"))
    restore(tmp_path / "b.tar")  # the unsafe member is ignored, never written
    assert not (tmp_path / "escaped.txt").exists()


def test_restore_asks_before_replacing_the_database(county, tmp_path, monkeypatch):
    backup(tmp_path / "b.tar")
    monkeypatch.setattr(restore_command, "input_text", lambda prompt: "no")
    Case.objects.filter(pk=county.pk).update(title="不恢复")
    with pytest.raises(CommandError, match="已取消"):
        call_command("restore", str(tmp_path / "b.tar"), stdout=io.StringIO())
    assert Case.objects.get(pk=county.pk).title == "不恢复"
