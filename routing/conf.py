"""Routing settings: a Django setting of the same name wins, else the environment, else the default.

Values from the environment are parsed strictly; a malformed one raises ImproperlyConfigured.

- GONGZHI_ROUTING_DIR              where trained model files live (default BASE_DIR/var/routing)
- GONGZHI_ROUTING_AUTO_THRESHOLD   probability of the first suggestion from which a case is classified
                                   automatically (default 0.9; above 1 turns it off). Only a trained
                                   model's calibrated probability counts, never the keyword model's.
- GONGZHI_ROUTING_MIN_CASES        confirmed cases a category needs before the trained model learns it
                                   (default 20); with fewer than two such categories the keyword model
                                   stays in use
- GONGZHI_ROUTING_RELOAD_SECONDS   how often a process checks which version is active (default 5)
- GONGZHI_ROUTING_ON_INTAKE        record suggestions (and classify automatically) when a case is taken in
                                   (default true)
- GONGZHI_ROUTING_INTAKE_FOLLOWUP  leave the suggestion of a case reported by a resident, anonymously or
                                   by any other non-staff account to `manage.py routing_followup` instead
                                   of the request that took it in (default true); staff intake always
                                   gets its suggestion at once
- GONGZHI_ROUTING_DUPLICATE_DAYS   how far back likely duplicates are looked for (default 30)
- GONGZHI_ROUTING_DUPLICATE_MIN_SCORE  lowest similarity shown as a likely duplicate (default 0.2)
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from core.env import parse_bool, parse_float, parse_int


def _raw(name: str) -> str | None:
    # A Django setting of the name wins over the environment variable.
    value = getattr(settings, name, None)
    if value is not None:
        return str(value)
    return os.environ.get(name) or None


def _float(name: str, default: float) -> float:
    raw = _raw(name)
    return default if raw is None else parse_float(name, raw)


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = _raw(name)
    return default if raw is None else parse_int(name, raw, minimum=minimum)


def _bool(name: str, default: bool) -> bool:
    raw = _raw(name)
    return default if raw is None else parse_bool(name, raw)


def model_dir() -> Path:
    """The folder of trained model files."""
    raw = _raw("GONGZHI_ROUTING_DIR")
    return Path(raw) if raw else Path(settings.BASE_DIR) / "var" / "routing"


def auto_threshold() -> float:
    return _float("GONGZHI_ROUTING_AUTO_THRESHOLD", 0.9)


def min_cases() -> int:
    return _int("GONGZHI_ROUTING_MIN_CASES", 20, minimum=1)


def reload_seconds() -> float:
    return _float("GONGZHI_ROUTING_RELOAD_SECONDS", 5.0)


def on_intake() -> bool:
    return _bool("GONGZHI_ROUTING_ON_INTAKE", True)


def intake_followup() -> bool:
    return _bool("GONGZHI_ROUTING_INTAKE_FOLLOWUP", True)


def duplicate_days() -> int:
    return _int("GONGZHI_ROUTING_DUPLICATE_DAYS", 30, minimum=1)


def duplicate_min_score() -> float:
    return _float("GONGZHI_ROUTING_DUPLICATE_MIN_SCORE", 0.2)
