"""Load the whole demo county: each capability's step in order, in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from django.db import transaction

from . import cases, consultations, county, govservices, gradings, halls, meetings, open311, tasks, volunteers

# Each step writes what is missing of its capability and counts the rows it wrote. Later steps build
# on earlier ones (cases need the county's people and organisations), so the order matters.
STEPS: tuple[tuple[str, Callable[[], Counter]], ...] = (
    ("county", county.load),
    ("cases", cases.load),
    ("meetings", meetings.load),
    ("consultations", consultations.load),
    ("open311", open311.load),
    ("volunteers", volunteers.load),
    ("halls", halls.load),
    ("govservices", govservices.load),
    ("tasks", tasks.load),
    ("gradings", gradings.load),
)


@transaction.atomic
def load_demo() -> Counter:
    """Create whatever part of the demo county is missing; returns how many rows of each kind were
    written. One transaction: a failing step leaves no half-written demo."""
    created: Counter = Counter()
    for _name, step in STEPS:
        created.update(step())
    return created
