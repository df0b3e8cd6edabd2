"""The points rule (积分规则): configuration, shown as it is on every member's page.

Points come only from what was confirmed: hours the organiser credited and deeds counted from records.
"""

from __future__ import annotations

from django.conf import settings

POINTS_PER_HOUR = getattr(settings, "VOLUNTEER_POINTS_PER_HOUR", 2)
POINTS_PER_DEED = getattr(settings, "VOLUNTEER_POINTS_PER_DEED", 3)


def points_for(*, credited_minutes: int, deeds: int) -> int:
    """Whole confirmed hours times POINTS_PER_HOUR, plus deeds times POINTS_PER_DEED."""
    return (credited_minutes // 60) * POINTS_PER_HOUR + deeds * POINTS_PER_DEED
