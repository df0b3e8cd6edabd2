"""Which county a request's `jurisdiction_id` names.

`settings.OPEN311_JURISDICTIONS` maps jurisdiction ids to county region codes, e.g.
`{"qianxian.gov.cn": "610424"}`. Left empty (the default), every active county-level region is a
jurisdiction whose id is its region code. While exactly one jurisdiction exists `jurisdiction_id` is
optional, as the specification allows; with several it is required (400), and an unknown one is 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from regions.models import Level, Region

from .errors import Open311Error


@dataclass(frozen=True)
class Jurisdiction:
    """A jurisdiction id and the county it covers."""

    id: str
    county: Region


def configured() -> list[Jurisdiction]:
    """Every jurisdiction served here, in id order; mapped counties that do not exist are left out."""
    mapping = getattr(settings, "OPEN311_JURISDICTIONS", None) or {}
    if mapping:
        counties = {r.code: r for r in Region.objects.active().filter(code__in=list(mapping.values()))}
        found = [Jurisdiction(str(jid), counties[code]) for jid, code in mapping.items() if code in counties]
    else:
        found = [Jurisdiction(r.code, r) for r in Region.objects.active().filter(level=Level.COUNTY)]
    return sorted(found, key=lambda j: j.id)


def resolve(jurisdiction_id: str | None) -> Jurisdiction:
    """The jurisdiction a request names, or the only one; `Open311Error` 400/404 otherwise."""
    jurisdictions = configured()
    wanted = (jurisdiction_id or "").strip()
    if not wanted:
        if len(jurisdictions) == 1:
            return jurisdictions[0]
        if not jurisdictions:
            raise Open311Error(404, "no jurisdiction is configured on this server")
        raise Open311Error(400, "jurisdiction_id was not provided (this server serves several jurisdictions)")
    for jurisdiction in jurisdictions:
        if jurisdiction.id == wanted:
            return jurisdiction
    raise Open311Error(404, f"jurisdiction_id {wanted[:64]} was not found")
