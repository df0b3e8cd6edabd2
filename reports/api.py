"""REST endpoints for the 三联三沉 figures."""

from ninja import Field, Router, Schema

from core.api.errors import not_found
from core.api.schemas import ErrorOut, RegionBrief

from .selectors import figures_for, figures_region

router = Router(tags=["reports"])


class RegionWithLevel(RegionBrief):
    """A region with its level (county, street, community, grid): the figures differ by level."""

    level: str


class FiguresOut(Schema):
    region: RegionWithLevel
    agency_party_orgs_linked: int
    two_new_orgs_linked: int
    cultural_activity_centers: int
    joint_activities: int
    property_companies_linked: int
    opinion_windows: int
    problems_collected: int
    day_care_centers: int
    after_school_centers: int
    difficulties_solved: int
    reception_and_mediation_rooms: int
    meetings_held: int
    joint_council_quarters_missed: int
    resolution_tasks_overdue: int = Field(description="会议决议任务超期未完成：已过完成期限仍未完成的决议任务")
    matters_decided: int
    consultations_held: int
    opinions_adopted: int
    service_halls: int
    red_scarf_volunteer_services: int = Field(description="红领巾志愿服务：已结束且确认了时长的红领巾志愿服务活动")
    deeds_done: int = Field(description="为民办实事：完成的微心愿、党员帮扶解决的困难、完成的岗位任务")
    service_window_kinds: int
    service_item_categories: int
    service_items: int
    community_task_categories: int


@router.get("/figures", response={200: FiguresOut, 404: ErrorOut})
def figures(request, region: str | None = None):
    """The figures of `region` (a region code) or, without it, of the root of the caller's scope.

    Every value is counted from records at the time of the call.
    """
    node = figures_region(request.user, region)
    if node is None:
        raise not_found("区域不存在或无权访问")
    return {
        "region": {"code": node.code, "name": node.name, "level": node.level},
        **figures_for(node),
    }


# Key figures of case handling: GET /kpis (reports/api_kpis.py).
from .api_kpis import router as kpis_router  # noqa: E402

router.add_router("", kpis_router)
