"""The 三联三沉 figures by name: one list shared by the page, the API and exports.

Each figure has a stable key (used in the API and in spreadsheets), a Chinese label, a unit and the
mechanism it belongs to, so every place that shows a figure calls it the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    mechanism: str


FIGURES: tuple[Figure, ...] = (
    Figure("agency_party_orgs_linked", "联建机关党组织", "个", "支部联建"),
    Figure("two_new_orgs_linked", "联建两新党组织", "个", "支部联建"),
    Figure("cultural_activity_centers", "群众文化活动中心", "个", "支部联建"),
    Figure("joint_activities", "联建活动", "场次", "支部联建"),
    Figure("property_companies_linked", "物业党建联建企业", "家", "问题联解"),
    Figure("opinion_windows", "民意征求窗口", "个", "问题联解"),
    Figure("problems_collected", "民意征求窗口收集问题", "件", "问题联解"),
    Figure("day_care_centers", "日间照料中心", "个", "困难联帮"),
    Figure("after_school_centers", "四点半学校", "个", "困难联帮"),
    Figure("difficulties_solved", "帮助群众解决困难", "个", "困难联帮"),
    Figure("reception_and_mediation_rooms", "“两代表一委员”接待室、调解室", "个", "权力下沉"),
    Figure("meetings_held", "召开议事会议", "场", "权力下沉"),
    Figure("joint_council_quarters_missed", "党建联席会议缺会（近四个季度）", "次", "问题联解"),
    Figure("resolution_tasks_overdue", "会议决议任务超期未完成", "项", "问题联解"),
    Figure("matters_decided", "“四议两公开”决定事项", "件", "权力下沉"),
    Figure("consultations_held", "开展征求意见", "次", "权力下沉"),
    Figure("opinions_adopted", "采纳居民意见", "条", "权力下沉"),
    Figure("service_halls", "一站式便民服务大厅", "个", "服务下沉"),
    Figure("red_scarf_volunteer_services", "红领巾志愿服务", "次", "服务下沉"),
    Figure("deeds_done", "为民办实事", "件", "服务下沉"),
    Figure("service_window_kinds", "便民服务窗口类型", "类", "服务下沉"),
    Figure("service_item_categories", "下沉社区的小微权力事项类别", "类", "服务下沉"),
    Figure("service_items", "下沉社区的小微权力事项", "项", "服务下沉"),
    Figure("community_task_categories", "社区承接准入事项类别", "类", "资源下沉"),
)

FIGURE_KEYS: tuple[str, ...] = tuple(figure.key for figure in FIGURES)
FIGURE_LABELS: dict[str, str] = {figure.key: figure.label for figure in FIGURES}
