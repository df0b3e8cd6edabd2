"""Time limits and deadlines as plain values, free of the database so any app can import them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Unit = Literal["minutes", "hours", "working_days"]
UNITS: tuple[str, ...] = ("minutes", "hours", "working_days")


@dataclass(frozen=True)
class TimeLimit:
    """A limit such as 2 hours or 7 working days. Minutes and hours run on the wall clock."""

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown time-limit unit: {self.unit!r}")
        if self.amount < 0:
            raise ValueError("a time limit cannot be negative")

    def __str__(self) -> str:
        label = {"minutes": "分钟", "hours": "小时", "working_days": "个工作日"}[self.unit]
        return f"{self.amount}{label}"


@dataclass(frozen=True)
class Deadline:
    """When something is due; `approximate` means part of the span lies in a year whose holidays are unknown."""

    due: dt.datetime
    approximate: bool = False
