"""Reading settings from environment variables, strictly.

A malformed value raises ImproperlyConfigured naming the variable, so a typo stops the start-up
instead of silently meaning something else. An unset or empty variable means its default.

`config.settings` imports this module before Django's apps are ready: it must never import a model,
`django.conf.settings` or anything that does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def parse_bool(name: str, raw: str) -> bool:
    """`raw` (the value of `name`) as a boolean: 1/true/yes/on or 0/false/no/off, any case."""
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def parse_int(name: str, raw: str, *, minimum: int | None = None) -> int:
    """`raw` (the value of `name`) as a whole number, at least `minimum` when given."""
    try:
        value = int(raw.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def parse_float(name: str, raw: str) -> float:
    """`raw` (the value of `name`) as a number."""
    try:
        return float(raw.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from exc


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    raw = (os.environ if environ is None else environ).get(name)
    return None if raw is None or raw.strip() == "" else raw


def env_str(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    """The variable as text, or `default` when unset or empty."""
    raw = _raw(name, environ)
    return default if raw is None else raw


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    """The variable as a boolean, or `default` when unset or empty."""
    raw = _raw(name, environ)
    return default if raw is None else parse_bool(name, raw)


def env_int(name: str, default: int, *, minimum: int | None = None,
            environ: Mapping[str, str] | None = None) -> int:
    """The variable as a whole number (at least `minimum`), or `default` when unset or empty."""
    raw = _raw(name, environ)
    return default if raw is None else parse_int(name, raw, minimum=minimum)


def env_list(name: str, default: list[str], *, environ: Mapping[str, str] | None = None) -> list[str]:
    """The variable as a comma-separated list, blanks dropped, or `default` when unset or empty."""
    raw = _raw(name, environ)
    return default if raw is None else [item.strip() for item in raw.split(",") if item.strip()]
