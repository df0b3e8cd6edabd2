"""What a daily rollup row (reports/models.py) is keyed by and what it counts, shared by the code that
writes rollups (reports/services.py) and the code that reads them (reports/kpis.py, reports/selectors.py)."""

from __future__ import annotations

from regions.models import CODE_LENGTHS, Level

# Rollup rows hold one community each (cases filed on a street or the county: that region).
CELL_LENGTH = CODE_LENGTHS[Level.COMMUNITY]

ROLLUP_COUNTERS: tuple[str, ...] = (
    "response_total", "response_met", "finish_replied", "finish_met", "lead_replies", "handling_us",
    "registered", "registered_closed", "closed", "closed_reworked", "ratings", "positive", "satisfied",
    "rated_cases", "resolved_cases", "difficulties_solved",
)
