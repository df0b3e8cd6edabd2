"""The State Council's holiday arrangements for 2025 and 2026 (国务院办公厅关于部分节假日安排的通知)."""

import datetime as dt

from django.db import migrations

# (name, first holiday, last holiday, make-up working days) per year, as published.
ARRANGEMENTS = {
    2025: (
        "国办发明电〔2024〕12号 国务院办公厅关于2025年部分节假日安排的通知",
        [
            ("元旦", "2025-01-01", "2025-01-01", []),
            ("春节", "2025-01-28", "2025-02-04", ["2025-01-26", "2025-02-08"]),
            ("清明节", "2025-04-04", "2025-04-06", []),
            ("劳动节", "2025-05-01", "2025-05-05", ["2025-04-27"]),
            ("端午节", "2025-05-31", "2025-06-02", []),
            ("国庆节、中秋节", "2025-10-01", "2025-10-08", ["2025-09-28", "2025-10-11"]),
        ],
    ),
    2026: (
        "国务院办公厅关于2026年部分节假日安排的通知",
        [
            ("元旦", "2026-01-01", "2026-01-03", ["2026-01-04"]),
            ("春节", "2026-02-15", "2026-02-23", ["2026-02-14", "2026-02-28"]),
            ("清明节", "2026-04-04", "2026-04-06", []),
            ("劳动节", "2026-05-01", "2026-05-05", ["2026-05-09"]),
            ("端午节", "2026-06-19", "2026-06-21", []),
            ("中秋节", "2026-09-25", "2026-09-27", []),
            ("国庆节", "2026-10-01", "2026-10-07", ["2026-09-20", "2026-10-10"]),
        ],
    ),
}


def load(apps, schema_editor):
    CalendarYear = apps.get_model("workcalendar", "CalendarYear")
    CalendarDay = apps.get_model("workcalendar", "CalendarDay")
    for year, (source, festivals) in ARRANGEMENTS.items():
        calendar_year, _ = CalendarYear.objects.update_or_create(
            year=year, defaults={"complete": True, "source": source}
        )
        for name, first, last, makeup in festivals:
            day = dt.date.fromisoformat(first)
            while day <= dt.date.fromisoformat(last):
                CalendarDay.objects.update_or_create(
                    date=day, defaults={"calendar_year": calendar_year, "kind": "holiday", "name": name}
                )
                day += dt.timedelta(days=1)
            for iso in makeup:
                CalendarDay.objects.update_or_create(
                    date=dt.date.fromisoformat(iso),
                    defaults={"calendar_year": calendar_year, "kind": "workday", "name": name},
                )


class Migration(migrations.Migration):
    dependencies = [("workcalendar", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
