"""A dispatched team with its head appointed the way the community's rules allow: placed, the community's consent
to the seat's holder recorded, then the head appointed."""

from __future__ import annotations

from django.utils import timezone

from tasks import services
from tasks.models import DispatchedTeam


def team_with_head(*, actor, community, name: str, kind: str, home_unit, seat) -> DispatchedTeam:
    team, _ = services.team_place(actor=actor, community=community, name=name, kind=kind, home_unit=home_unit)
    services.consent_record(actor=actor, team=team, candidate=seat.person, consented=True,
                            decided_on=timezone.localdate(), signatories="社区党委书记、居委会主任",
                            reasons="熟悉社区情况")
    return services.team_head_appoint(actor=actor, team=team, seat=seat)
