"""On PostgreSQL, the database itself refuses two holding bookings of one room whose time (with the
buffer after each) overlaps: an exclusion constraint over tstzrange(starts_at, held_until). SQLite has no
such constraint; there the booking service's serialised check on the room's row is the guarantee."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE halls_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (
    room_id WITH =, tstzrange(starts_at, held_until, '[)') WITH &&
) WHERE (status IN ('pending', 'approved'));
"""
DROP = "ALTER TABLE halls_booking DROP CONSTRAINT IF EXISTS booking_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("halls", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
