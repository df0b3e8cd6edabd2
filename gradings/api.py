"""REST API of gradings: `GET /gradings?year=` — each dispatched team head's grading of the year, with the
community's proposal, the county's result (and its reason where it differs) and the evidence from the records
(`reports.kpis`, the same numbers as `GET /reports/kpis` of the community for that year). Scoped and paged like
the rest of /api/v1/."""

from __future__ import annotations

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from core.api.pagination import BY_ID, cursor_param, limit_param, paginate
from core.api.schemas import ErrorOut, RegionBrief, region_ref
from core.pii import mask_name, mask_text

from . import selectors
from .models import Grading

router = Router(tags=["gradings"])


class EvidenceOut(Schema):
    kpis: dict = Field(description="与 /reports/kpis 中该部门在本社区、本年度的数字相同")
    assignments: dict = Field(description="派单：given、done、on_time")


class GradingOut(Schema):
    id: int
    year: int
    team: str
    community: RegionBrief
    home_unit: str
    head: str = Field(description="负责人姓名（脱敏）")
    proposal: str
    proposal_label: str
    opinion: str
    result: str
    result_label: str
    result_reason: str
    differs: bool
    version: int
    evidence: EvidenceOut


class GradingListOut(Schema):
    items: list[GradingOut]
    next_cursor: str | None


def _out(grading: Grading) -> dict:
    evidence = selectors.evidence_for(grading.team, grading.year)
    return {
        "id": grading.pk, "year": grading.year, "team": grading.team.name,
        "community": region_ref(grading.team.community), "home_unit": grading.team.home_unit.name,
        "head": mask_name(grading.head.name), "proposal": grading.proposal,
        "proposal_label": grading.get_proposal_display(), "opinion": mask_text(grading.opinion),
        "result": grading.result, "result_label": grading.get_result_display() if grading.result else "",
        "result_reason": mask_text(grading.result_reason), "differs": grading.differs, "version": grading.version,
        "evidence": {"kpis": evidence.kpis.as_dict(), "assignments": evidence.assignments},
    }


@router.get("", response={200: GradingListOut, 400: ErrorOut})
def list_gradings(request, year: int | None = Query(None, ge=2000, le=2100, description="年度，默认今年"),
                  cursor: str | None = cursor_param(), limit: int = limit_param()):
    """The gradings of `year` for the teams in the caller's scope, by id, each with its evidence."""
    qs = selectors.gradings_visible_to(request.user).filter(year=year or timezone.localdate().year)
    page = paginate(qs, BY_ID, cursor=cursor, limit=limit)
    return {"items": [_out(row) for row in page.rows], "next_cursor": page.next_cursor}
