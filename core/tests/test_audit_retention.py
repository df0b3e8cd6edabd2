"""`audit_retention`: never below 6 months, archive before delete, delete only with --delete."""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.management.commands.audit_retention import months_before
from core.models import AuditEvent


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("audit_retention", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def history(db) -> dict[str, AuditEvent]:
    now = timezone.now()
    ages = {"eight_months": 240, "seven_months": 215, "five_months": 150, "yesterday": 1, "today": 0}
    return {
        name: AuditEvent.objects.create(action="login", actor_label=name, target_label=f"标签{name}",
                                        changes={"n": days}, created_at=now - dt.timedelta(days=days))
        for name, days in ages.items()
    }


@pytest.mark.parametrize("months", ["0", "1", "5"])
def test_fewer_than_six_months_is_refused(history, months):
    with pytest.raises(CommandError, match="至少保存 6 个月"):
        run("--months", months, "--archive", "x.jsonl", "--delete")
    assert AuditEvent.objects.count() == 5


def test_without_delete_nothing_is_deleted(history, tmp_path):
    output = run("--months", "6", "--archive", str(tmp_path / "a.jsonl"))
    assert "2 条" in output
    assert AuditEvent.objects.count() == 5
    assert len((tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()) == 2


def test_delete_needs_an_archive(history):
    with pytest.raises(CommandError, match="必须先归档"):
        run("--months", "6", "--delete")
    assert AuditEvent.objects.count() == 5


def test_old_rows_are_archived_then_deleted_and_young_rows_kept(history, tmp_path):
    archive = tmp_path / "audit-2026.jsonl"
    run("--months", "6", "--archive", str(archive), "--delete")
    remaining = set(AuditEvent.objects.exclude(action="archive").values_list("actor_label", flat=True))
    assert remaining == {"five_months", "yesterday", "today"}
    lines = [json.loads(line) for line in archive.read_text(encoding="utf-8").splitlines()]
    assert [line["fields"]["actor_label"] for line in lines] == ["eight_months", "seven_months"]
    assert lines[0]["model"] == "core.auditevent"
    assert lines[0]["fields"]["target_label"] == "标签eight_months"
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    record = AuditEvent.objects.get(action="archive")
    assert record.changes["deleted"] == 2 and len(record.changes["sha256"]) == 64


def test_a_longer_retention_keeps_more(history, tmp_path):
    run("--months", "12", "--archive", str(tmp_path / "a.jsonl"), "--delete")
    assert AuditEvent.objects.exclude(action="archive").count() == 5
    assert not AuditEvent.objects.filter(action="archive").exists()


def test_the_archive_loads_back(history, tmp_path):
    archive = tmp_path / "a.jsonl"
    originals = {e.pk: (e.actor_label, e.changes, e.created_at) for e in AuditEvent.objects.all()}
    run("--months", "6", "--archive", str(archive), "--delete")
    call_command("loaddata", str(archive), format="jsonl", verbosity=0)
    for pk, values in originals.items():
        event = AuditEvent.objects.get(pk=pk)
        assert (event.actor_label, event.changes, event.created_at) == values


def test_an_existing_archive_is_never_overwritten(history, tmp_path):
    archive = tmp_path / "a.jsonl"
    archive.write_text("keep\n", encoding="utf-8")
    with pytest.raises(CommandError, match="已存在"):
        run("--months", "6", "--archive", str(archive), "--delete")
    assert archive.read_text(encoding="utf-8") == "keep\n"
    assert AuditEvent.objects.count() == 5


def test_the_model_itself_still_refuses_deletes(history):
    with pytest.raises(ValueError):
        history["eight_months"].delete()


def test_months_are_calendar_months():
    tz = timezone.get_current_timezone()
    assert months_before(dt.datetime(2026, 8, 31, 12, tzinfo=tz), 6) == dt.datetime(2026, 2, 28, 12, tzinfo=tz)
    assert months_before(dt.datetime(2026, 3, 15, tzinfo=tz), 6) == dt.datetime(2025, 9, 15, tzinfo=tz)
