"""Quorum and majority rules for the bodies that deliberate, and the check of one vote against them.

Defaults follow the rules the county works under:

- 党员大会: more than half of the members due (应到) present; adopted by more than half of the members due
  (《中国共产党支部工作条例（试行）》). Many counties require two thirds present: set
  `GONGZHI_MEETING_RULES` (see `config/settings.py`) for the jurisdiction.
- 居民代表会议: at least two thirds of the representatives present; adopted by more than half of those present.
- 居民会议: more than half of those entitled present; adopted by more than half of those present.
- every other body: more than half present; adopted by more than half of those present.

A rule is written as fractions, so the refusal can say in Chinese which one failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings

from .workflow import BodyKind


@dataclass(frozen=True)
class Share:
    """At least (or, when `strict`, more than) `fraction` of a base."""

    fraction: Fraction
    strict: bool

    def met(self, count: int, base: int) -> bool:
        if base <= 0:
            return False
        share = Fraction(count, base)
        return share > self.fraction if self.strict else share >= self.fraction

    def words(self) -> str:
        names = {Fraction(1, 2): "二分之一", Fraction(2, 3): "三分之二", Fraction(3, 4): "四分之三"}
        name = names.get(self.fraction, f"{self.fraction.numerator}/{self.fraction.denominator}")
        return f"超过{name}" if self.strict else f"达到{name}以上"


@dataclass(frozen=True)
class Rule:
    quorum: Share       # of the members due (应到)
    majority: Share     # of `majority_of`
    majority_of: str    # "expected" (应到) or "present" (实到)
    proxies_count: bool  # whether a member voting by proxy counts as present


HALF, TWO_THIRDS = Fraction(1, 2), Fraction(2, 3)
DEFAULT_RULES: dict[str, Rule] = {
    BodyKind.PARTY_MEMBERS: Rule(Share(HALF, True), Share(HALF, True), "expected", False),
    BodyKind.RESIDENTS_REPRESENTATIVES: Rule(Share(TWO_THIRDS, False), Share(HALF, True), "present", False),
    BodyKind.RESIDENTS: Rule(Share(HALF, True), Share(HALF, True), "present", True),
}
OTHER_BODIES = Rule(Share(HALF, True), Share(HALF, True), "present", False)


def _share(spec: dict, key: str, default: Share) -> Share:
    if key not in spec:
        return default
    numerator, denominator = spec[key]
    return Share(Fraction(int(numerator), int(denominator)), bool(spec.get(f"{key}_strict", default.strict)))


def rule_for(kind: str, region_code: str = "") -> Rule:
    """The rule for a body of `kind` in the region `region_code`: the most specific configured one
    (a region code and every ancestor's, longest first), else the default."""
    rule = DEFAULT_RULES.get(kind, OTHER_BODIES)
    configured: dict = getattr(settings, "MEETING_RULES", {}) or {}
    for length in range(len(region_code), -1, -1):
        spec = configured.get(f"{region_code[:length]}:{kind}") if length else configured.get(kind)
        if spec:
            return Rule(
                quorum=_share(spec, "quorum", rule.quorum),
                majority=_share(spec, "majority", rule.majority),
                majority_of=spec.get("majority_of", rule.majority_of),
                proxies_count=bool(spec.get("proxies_count", rule.proxies_count)),
            )
    return rule


@dataclass(frozen=True)
class Outcome:
    """What a vote came to: `code` is "" when adopted, else `quorum_not_met` or `not_adopted`."""

    code: str
    message: str


def judge(rule: Rule, *, body_label: str, expected: int, present: int, in_favour: int) -> Outcome:
    """Whether a vote with these counts carries under `rule`; the refusal names the rule that failed."""
    if not rule.quorum.met(present, expected):
        return Outcome("quorum_not_met", (
            f"{body_label}应到 {expected} 人，实到 {present} 人，未达到“实到人数须{rule.quorum.words()}应到人数”"
            "的规定，不能表决，请另行召开会议"
        ))
    base, base_label = (expected, "应到") if rule.majority_of == "expected" else (present, "实到")
    if not rule.majority.met(in_favour, base):
        return Outcome("not_adopted", (
            f"赞成 {in_favour} 票，未达到“赞成票须{rule.majority.words()}{base_label}人数（{base} 人）”的规定，"
            "未获通过，请另行召开会议"
        ))
    return Outcome("", "")
