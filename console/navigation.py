"""The console's navigation: the six mechanisms of 三联三沉, each with the pages that serve it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from core.roles import REGION_STAFF_ROLES, STAFF_ROLES, Role

STAFF = set(STAFF_ROLES)
EVERYONE_SIGNED_IN = STAFF | {Role.PARTY_MEMBER}
# Staff attached to a place (county, street, community, grid): they run the case lists and take cases in.
REGION_STAFF = frozenset(REGION_STAFF_ROLES)
AUDITORS = frozenset({Role.AUDITOR})
# Volunteering is read by region (a member's own community): region staff and members.
VOLUNTEERING = REGION_STAFF | {Role.PARTY_MEMBER}
# Staff who manage a place (county, street, community): they give notice of meetings and take matters along.
MANAGERS = frozenset({Role.COUNTY_STAFF, Role.STREET_STAFF, Role.COMMUNITY_STAFF})


@dataclass(frozen=True)
class Link:
    label: str
    url_name: str
    query: str = ""
    roles: frozenset = frozenset(EVERYONE_SIGNED_IN)
    # Offered to superusers too, whatever `roles` says (a superuser otherwise counts as county staff).
    superusers: bool = False

    def url(self) -> str:
        return reverse(self.url_name) + (f"?{self.query}" if self.query else "")


@dataclass(frozen=True)
class Section:
    label: str
    links: tuple[Link, ...] = field(default_factory=tuple)


SECTIONS = (
    Section("支部联建", (
        Link("区域网格", "regions:tree"),
        Link("组织体系", "organisations:list"),
        Link("联建协议", "organisations:pacts"),
        Link("联建活动", "organisations:activities"),
        Link("党员名册", "organisations:party_members"),
    )),
    Section("问题联解", (
        Link("问题清单", "cases:problem_list", "kind=problem", roles=REGION_STAFF),
        Link("受理登记", "cases:intake", roles=REGION_STAFF),
        Link("热点聚类", "routing:hot_spots", roles=REGION_STAFF),
        # A department's inbox; staff follow the assignments in their area, helpers their difficulties.
        Link("办理清单", "cases:handling_list"),
        Link("吹哨台", "cases:whistle_board", roles=frozenset(STAFF)),
        Link("民意征求窗口", "regions:facilities", "kind=opinion_window"),
        Link("议事协商阵地", "regions:facilities", "kind=cultural_center"),
    )),
    Section("困难联帮", (
        Link("困难清单", "cases:problem_list", "kind=difficulty", roles=REGION_STAFF),
        Link("日间照料中心", "regions:facilities", "kind=day_care_center"),
        Link("四点半学校", "regions:facilities", "kind=after_school_center"),
        Link("服务站", "regions:facilities", "group=stations"),
    )),
    Section("权力下沉", (
        Link("交叉任职", "organisations:cross_appointments", roles=frozenset(STAFF)),
        Link("接待室与调解室", "regions:facilities", "group=rooms"),
        Link("会议", "meetings:list", roles=MANAGERS),
        Link("重大事项（四议两公开）", "meetings:matters", roles=MANAGERS),
        Link("决议任务", "meetings:tasks", roles=MANAGERS),
        Link("征求意见", "consultations:list", roles=MANAGERS),
        Link("考核评价（社区）", "gradings:community", roles=MANAGERS),
        Link("考核评价（县级审定）", "gradings:county", roles=frozenset({Role.COUNTY_STAFF})),
        Link("部门考评", "gradings:departments", roles=REGION_STAFF),
    )),
    Section("资源下沉", (
        Link("组织报到", "organisations:agency_registrations"),
        Link("事项准入", "tasks:list", roles=frozenset(STAFF)),
        Link("事项与经费", "tasks:report", roles=frozenset(STAFF)),
    )),
    Section("服务下沉", (
        Link("便民服务大厅", "regions:facilities", "kind=service_hall"),
        Link("双报到与志愿服务", "volunteers:home", roles=VOLUNTEERING),
        Link("公益岗位", "volunteers:posts", roles=VOLUNTEERING),
        Link("志愿服务活动", "volunteers:activities", roles=VOLUNTEERING),
        Link("微心愿", "volunteers:wishes", roles=VOLUNTEERING),
        Link("窗口叫号", "halls:list", roles=MANAGERS),
        Link("场地预约", "halls:bookings", roles=MANAGERS),
        Link("人民调解", "halls:mediations", roles=MANAGERS),
        Link("办件", "services:list", roles=frozenset(STAFF)),
        Link("窗口受理", "services:new", roles=MANAGERS, superusers=True),
        Link("我转办的办件", "services:handed_over", roles=frozenset(STAFF)),
        Link("差评整改", "services:follow_ups", roles=frozenset(STAFF)),
        Link("好差评统计", "services:rates", roles=frozenset(STAFF)),
        Link("社会服务组织", "services:providers", roles=frozenset(STAFF)),
    )),
    Section("数据统计", (
        Link("数据看板", "reports:dashboard", roles=frozenset(STAFF)),
        Link("三联三沉数据", "reports:figures"),
        Link("办理绩效", "reports:kpis", roles=frozenset(STAFF)),
    )),
    Section("账号安全", (
        Link("动态口令", "accounts:totp", roles=frozenset(STAFF) | AUDITORS),
        Link("审计日志", "accounts:audit_log", roles=AUDITORS, superusers=True),
    )),
)


def navigation_for(user) -> list[dict]:
    """The sections and links `user`'s role may use, with their URLs resolved."""
    if user.is_superuser:
        role = Role.COUNTY_STAFF
    else:
        role = user.role
    result = []
    for section in SECTIONS:
        links = [
            {"label": link.label, "url": link.url()} for link in section.links
            if role in link.roles or (user.is_superuser and link.superusers)
        ]
        if links:
            result.append({"label": section.label, "links": links})
    return result
