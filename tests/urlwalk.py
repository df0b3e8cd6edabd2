"""The routes of the URLconf as concrete URLs, for tests that must cover every page and endpoint.

Each route's regular expression (Django compiles `path()` routes to one too) is parsed and a matching
string is generated: a named argument takes the value the test gives for it, anything else a sample
(a letter or a digit, one repetition, the first alternative). So a page added later is walked without
touching the tests, and a test that needs real objects names them by argument.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from re import _constants as sre_constants  # the parser the re module itself uses
from re import _parser as sre_parse

from django.urls import URLPattern, URLResolver, get_resolver, resolve

_DIGITS, _WORD = "1", "a"


@dataclass(frozen=True)
class Route:
    """One route of the URLconf: its joined pattern text, its view's module and the patterns on its way."""

    route: str
    module: str
    patterns: tuple

    @property
    def arguments(self) -> list[str]:
        """The names of the route's path arguments, in order."""
        return [name for pattern in self.patterns for name in pattern.regex.groupindex]

    def url(self, values: dict[str, str] | None = None) -> str:
        """A URL of this route: the named arguments from `values`, the rest sampled."""
        return "/" + "".join(_sample(sre_parse.parse(p.regex.pattern), p.regex, values or {}) for p in self.patterns)


def _sample(parsed, regex, values: dict[str, str]) -> str:
    """A string matching a parsed regular expression, with the named groups found in `values`."""
    names = {index: name for name, index in regex.groupindex.items()}
    out = []
    for op, arg in parsed:
        if op is sre_constants.LITERAL:
            out.append(chr(arg))
        elif op is sre_constants.NOT_LITERAL:
            out.append(_WORD if chr(arg) != _WORD else "b")
        elif op is sre_constants.ANY:
            out.append(_WORD)
        elif op is sre_constants.IN:
            out.append(_sample_in(arg))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            low, _high, sub = arg
            out.append(_sample(sub, regex, values) * max(low, 1))
        elif op is sre_constants.SUBPATTERN:
            name = names.get(arg[0])
            out.append(str(values[name]) if name in values else _sample(arg[-1], regex, values))
        elif op is sre_constants.BRANCH:
            out.append(_sample(arg[1][0], regex, values))
        elif op is sre_constants.AT:
            continue
        else:
            raise AssertionError(f"no sample for regular-expression element {op}")
    return "".join(out)


def _in_class(char: str, items) -> bool:
    """Whether `char` belongs to a parsed character class (without its NEGATE marker)."""
    for op, arg in items:
        if op is sre_constants.LITERAL and chr(arg) == char:
            return True
        if op is sre_constants.RANGE and arg[0] <= ord(char) <= arg[1]:
            return True
        if op is sre_constants.CATEGORY and (char.isdigit() if arg is sre_constants.CATEGORY_DIGIT
                                              else char.isalnum() if arg is sre_constants.CATEGORY_WORD
                                              else False):
            return True
    return False


def _sample_in(items) -> str:
    """One character of a character class: a letter or a digit when the class has one."""
    negated = bool(items) and items[0][0] is sre_constants.NEGATE
    members = items[1:] if negated else items
    for char in (_WORD, _DIGITS, "b"):
        if _in_class(char, members) != negated:
            return char
    raise AssertionError(f"no sample for character class {items}")


def sample(pattern: str) -> str:
    """A string matching the regular expression `pattern`."""
    import re

    return _sample(sre_parse.parse(pattern), re.compile(pattern), {})


def _walk(patterns, chain: tuple = (), route: str = "") -> Iterator[Route]:
    for entry in patterns:
        # Django drops the "^" of a regex route when it joins routes; so does this walk.
        joined = route + str(entry.pattern).removeprefix("^")
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, (*chain, entry.pattern), joined)
        elif isinstance(entry, URLPattern):
            module = getattr(entry.callback, "__module__", "") or ""
            yield Route(joined, module, (*chain, entry.pattern))


def routes() -> list[Route]:
    """Every route of the URLconf, each checked to be reachable: its sample URL resolves to it.

    A route declared twice (the REST API declares one per method) is kept once, as its first declaration."""
    found: dict[str, Route] = {}
    for route in _walk(get_resolver().url_patterns):
        url = route.url()
        assert resolve(url).route == route.route, f"the sample URL {url} does not reach its own route {route.route}"
        found.setdefault(route.route, route)
    return list(found.values())
