"""The right to see a minor's personal data, and birth dates read from the ID numbers already on file."""

from django.db import migrations

from core import pii
from core.validators import id_number_birth_date, id_number_error


def birth_dates_from_id_numbers(apps, schema_editor):
    # Only people without a recorded birth date; the ID number column is decrypted by its field class.
    Person = apps.get_model("organisations", "Person")
    for person in Person.objects.filter(birth_date__isnull=True).exclude(id_number_hash="").only(
        "pk", "id_number"
    ).iterator(chunk_size=500):
        value = pii.normalise(person.id_number or "")
        if value and id_number_error(value) is None:
            Person.objects.filter(pk=person.pk).update(birth_date=id_number_birth_date(value))


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0002_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="person",
            options={
                "ordering": ["name", "id"],
                "permissions": [("reveal_minor_data", "可查看未满十四周岁人员的个人信息")],
                "verbose_name": "人员",
                "verbose_name_plural": "人员",
            },
        ),
        migrations.RunPython(birth_dates_from_id_numbers, migrations.RunPython.noop),
    ]
