"""Key rotation: `pii_rotate` re-encrypts every encrypted value under the first key, in batches, idempotently."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from accounts import totp
from core.management.commands.pii_rotate import encrypted_fields
from core.models import AuditEvent
from organisations import services
from organisations.models import Person

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def stored(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def rotate(batch_size: int = 500) -> str:
    out = io.StringIO()
    call_command("pii_rotate", batch_size=batch_size, stdout=out)
    return out.getvalue()


@pytest.fixture
def people(db, settings):
    settings.PII_KEYS = [KEY_A]
    return [
        services.person_create(actor=None, name=f"居民{i}", phone=f"1380000{i:04d}", id_number=f"61042419900101{i:04d}",
                               address=f"城关街道东街社区{i}号楼")
        for i in range(7)
    ] + [services.person_create(actor=None, name="无电话")]


def test_every_encrypted_field_is_found_by_its_class():
    found = {(model._meta.label, field.name) for model, fields in encrypted_fields() for field in fields}
    assert {("organisations.Person", "phone"), ("organisations.Person", "id_number"),
            ("organisations.Person", "address"), ("accounts.TotpDevice", "secret")} <= found


def test_values_under_key_a_are_readable_under_key_b_alone_after_rotation(people, settings, users):
    device = totp.enrolment_start(user=users["community"])
    secret = type(device).objects.get(pk=device.pk).secret
    before = stored("organisations_person", "phone", people[0].pk)
    settings.PII_KEYS = [KEY_B, KEY_A]
    output = rotate(batch_size=3)
    assert "重新加密" in output
    assert stored("organisations_person", "phone", people[0].pk) != before
    settings.PII_KEYS = [KEY_B]
    for index, person in enumerate(people[:7]):
        fresh = Person.objects.get(pk=person.pk)
        assert fresh.phone == f"1380000{index:04d}"
        assert fresh.id_number == f"61042419900101{index:04d}"
        assert fresh.address == f"城关街道东街社区{index}号楼"
    assert Person.objects.get(pk=people[7].pk).phone == ""
    assert type(device).objects.get(pk=device.pk).secret == secret


def test_a_second_run_changes_nothing(people, settings):
    settings.PII_KEYS = [KEY_B, KEY_A]
    rotate()
    snapshot = [stored("organisations_person", "phone", person.pk) for person in people]
    output = rotate()
    assert "重新加密 0 个" in output.splitlines()[-1] or "重新加密 0 个；" in output
    assert [stored("organisations_person", "phone", person.pk) for person in people] == snapshot


def test_rotation_keeps_the_update_time_and_the_lookup_hashes(people, settings):
    person = Person.objects.get(pk=people[1].pk)
    settings.PII_KEYS = [KEY_B, KEY_A]
    rotate()
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.updated_at == person.updated_at
    assert fresh.id_number_hash == person.id_number_hash


def test_the_rotation_is_audited(people, settings):
    settings.PII_KEYS = [KEY_B, KEY_A]
    rotate()
    event = AuditEvent.objects.get(target_type="core.pii")
    assert event.changes["rotated"] == 21  # 7 people × phone, ID number and address
    assert event.changes["tables"]["organisations.person"] == 21
    assert "13800000001" not in str(event.changes)


def test_a_value_no_key_can_read_stops_with_an_error(people, settings):
    settings.PII_KEYS = [KEY_B]  # key A removed before rotating
    with pytest.raises(CommandError, match="无法用已配置的任何密钥解密"):
        rotate()
    assert AuditEvent.objects.get(target_type="core.pii").outcome == "failure"


def test_the_batch_size_must_be_positive(db):
    with pytest.raises(CommandError):
        call_command("pii_rotate", batch_size=0, stdout=io.StringIO())
