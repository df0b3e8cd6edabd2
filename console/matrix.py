"""The permission matrix as data: for every page and API endpoint, what each role gets over HTTP.

One row is one object and one action, reached by one method on one URL. Its `expect` says the status
each role receives: 200 (or 201) allowed, 302 sent on (to the sign-in page when signed out, or onwards
after a done write), 400 the request itself is wrong, 401 no API token, 403 the object is in the
user's scope but the action is not theirs, 404 the object is outside the scope (or the page is not
offered to the role at all), 405 the method is not accepted.

The rows are the single source of two things: the "Permission matrix" section of docs/security.md is
rendered from them (`render_markdown`, checked by a test to be the text of the page), and
tests/test_permission_matrix.py walks every cell over HTTP. URLs name objects of that test's world by
placeholders in braces: `east` is a community of the first street (城关街道), with its grid `east_grid`;
`north` is a community of the other street (漠西街道), outside the scope of every user below the county.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cases.workflow import ACTION_LABELS
from core.roles import Role

# The roles walked, in column order: the role's key in the test world and its label.
ROLES: tuple[tuple[str, str], ...] = (
    ("anonymous", "未登录"),
    ("resident", Role.RESIDENT.label),
    ("member", Role.PARTY_MEMBER.label),
    ("dept", Role.DEPARTMENT_HANDLER.label),
    ("grid", Role.GRID_WORKER.label),
    ("community", Role.COMMUNITY_STAFF.label),
    ("street", Role.STREET_STAFF.label),
    ("county", Role.COUNTY_STAFF.label),
    ("auditor", Role.AUDITOR.label),
    ("superuser", "超级管理员"),
)
ROLE_KEYS = tuple(key for key, _ in ROLES)

# Groups a row may name instead of listing roles one by one.
GROUPS: dict[str, tuple[str, ...]] = {
    "signed_in": ROLE_KEYS[1:],
    "console": ("member", "dept", "grid", "community", "street", "county", "superuser"),
    "region_staff": ("grid", "community", "street", "county", "superuser"),
    "managers": ("community", "street", "county", "superuser"),
    "street_up": ("street", "county", "superuser"),
    "county_up": ("county", "superuser"),
    "everyone": ROLE_KEYS,
}


def expect(spec: str, *, anonymous: int | None = 302, default: int = 404) -> dict[str, int]:
    """`"200 @managers grid; 403 dept"` → a status per role.

    Each `;`-separated part is a status and the roles (or `@groups`) that get it; a role named twice
    keeps its last status. Roles not named get `default`; the signed-out visitor gets `anonymous` unless
    the spec names it.
    """
    statuses = {key: default for key in ROLE_KEYS}
    if anonymous is not None:
        statuses["anonymous"] = anonymous
    for part in filter(None, (chunk.strip() for chunk in spec.split(";"))):
        status, *names = part.split()
        for name in names:
            keys = GROUPS[name[1:]] if name.startswith("@") else (name,)
            for key in keys:
                if key not in statuses:
                    raise ValueError(f"unknown role {key!r} in {spec!r}")
                statuses[key] = int(status)
    return statuses


def api_expect(spec: str, *, anonymous: int | None = 401, default: int = 404) -> dict[str, int]:
    """`expect` for the REST API: a caller without a token gets 401 unless the spec says otherwise."""
    return expect(spec, anonymous=anonymous, default=default)


@dataclass(frozen=True)
class Row:
    """One object × action: `method` on `url` (placeholders in braces), and the status of every role."""

    obj: str
    action: str
    method: str
    url: str
    route: str
    expect: dict[str, int]
    data: dict = field(default_factory=dict)
    json: bool = False
    note: str = ""


def _page(obj, action, url, route, spec, *, method="GET", data=None, note="", **kw) -> Row:
    return Row(obj, action, method, url, route, expect(spec, **kw), data or {}, False, note)


def _api(obj, action, url, route, spec, *, method="GET", data=None, note="", **kw) -> Row:
    return Row(obj, action, method, url, route, api_expect(spec, **kw), data or {}, True, note)


# The cases of the test world by the stage they are at, as the workflow rows name them.
STAGES = {
    "received": "已受理", "registered": "已立案", "returned": "主办单位退回，待街道裁定",
    "dispatched": "已派遣给本部门", "in_progress": "处置中，有延期申请", "replied": "已反馈", "verified": "已核查",
    "whistled": "已吹哨召集本部门",
    "escalated": "已上会", "closed": "已结案，曾吹哨", "north": "他街道，派给其他部门",
}


def _act(action: str, case: str, spec: str, note: str = "", **data) -> Row:
    """A workflow action posted from its form on the case page, at the version the page showed."""
    return _page(
        f"事项处置（{STAGES[case]}）", f"{ACTION_LABELS[action]} `{action}`", f"/cases/{{case_{case}}}/act/{action}/",
        "cases:transition", spec, method="POST", data={f"{action}-version": f"{{version_{case}}}", **data}, note=note,
    )


def _api_act(action: str, case: str, spec: str, **data) -> Row:
    """The same through the REST API: `action`, the `version` read, and what the action needs."""
    return _api(
        f"事项处置（{STAGES[case]}）", f"{ACTION_LABELS[action]} `{action}`（接口）",
        f"/api/v1/cases/{{case_{case}}}/transitions", "api:transition", spec, method="POST",
        data={"action": action, "version": f"{{version_{case}}}", **data},
    )


SCOPE_NOTE = "本辖区 / 他街道"

ROWS: tuple[Row, ...] = (
    # -- sign-in and the account ---------------------------------------------------------------------
    _page("账号", "登录页", "/accounts/login/", "accounts:login", "302 @signed_in", anonymous=200,
          note="已登录的转到首页"),
    _page("账号", "动态口令验证（无待验证登录）", "/accounts/login/verify/", "accounts:login_verify",
          "302 @everyone", anonymous=302),
    _page("账号", "退出", "/accounts/logout/", "accounts:logout", "302 @everyone", method="POST", anonymous=302),
    _page("账号", "修改密码", "/accounts/password/", "accounts:password_change", "200 @signed_in"),
    _page("账号", "动态口令设备", "/accounts/totp/", "accounts:totp", "200 @signed_in"),
    _page("工作台", "首页", "/", "console:home", "200 @signed_in"),
    _page("工作台", "健康检查", "/healthz", "core:healthz", "200 @everyone", anonymous=200),
    _page("后台", "管理后台", "/admin/", "admin:index", "302 @signed_in; 200 superuser"),
    # -- audit log -------------------------------------------------------------------------------------
    _page("审计日志", "查看", "/accounts/audit/", "accounts:audit_log", "200 auditor superuser"),
    _page("审计日志", "导出", "/accounts/audit/export/", "accounts:audit_log_export", "200 auditor superuser"),
    # -- region tree and facilities ---------------------------------------------------------------------
    _page("区域树", "浏览", "/regions/", "regions:tree", "200 @console"),
    _page("区域树", "查看（本辖区社区）", "/regions/{east}/", "regions:detail",
          "200 member dept community @street_up"),
    _page("区域树", "查看（他街道社区）", "/regions/{north}/", "regions:detail", "200 dept @county_up"),
    _page("区域树", "查看（本网格）", "/regions/{east_grid}/", "regions:detail", "200 member dept @region_staff"),
    _page("区域树", "下级（本辖区社区）", "/regions/{east}/children/", "regions:children",
          "200 member dept community @street_up"),
    _page("区域树", "下级（他街道社区）", "/regions/{north}/children/", "regions:children", "200 dept @county_up"),
    _page("阵地", "列表", "/regions/facilities/", "regions:facilities", "200 @console"),
    _page("阵地", "新建（表单）", "/regions/facilities/new/", "regions:facility_create",
          "200 @managers; 403 member dept grid"),
    _page("阵地", "新建（提交）", "/regions/facilities/new/", "regions:facility_create",
          "200 @managers; 403 member dept grid", method="POST"),
    _page("阵地", "修改（本网格）", "/regions/facilities/{facility_east}/edit/", "regions:facility_edit",
          "200 @managers; 403 member dept grid"),
    _page("阵地", "修改提交（本网格）", "/regions/facilities/{facility_east}/edit/", "regions:facility_edit",
          "200 @managers; 403 member dept grid", method="POST"),
    _page("阵地", "修改（他街道）", "/regions/facilities/{facility_north}/edit/", "regions:facility_edit",
          "200 @county_up; 403 dept"),
    # -- organisations, pacts, activities -------------------------------------------------------------
    _page("组织", "列表", "/organisations/", "organisations:list", "200 @console"),
    _page("组织", "查看（本社区）", "/organisations/{org_east}/", "organisations:detail",
          "200 member dept community @street_up"),
    _page("组织", "查看（他街道）", "/organisations/{org_north}/", "organisations:detail", "200 dept @county_up"),
    _page("组织", "新建（表单）", "/organisations/new/", "organisations:create", "200 @managers; 403 member dept grid"),
    _page("组织", "新建（提交）", "/organisations/new/", "organisations:create", "200 @managers; 403 member dept grid",
          method="POST"),
    _page("组织", "修改（本社区）", "/organisations/{org_east}/edit/", "organisations:edit",
          "200 @managers; 403 member dept"),
    _page("组织", "修改提交（本社区）", "/organisations/{org_east}/edit/", "organisations:edit",
          "200 @managers; 403 member dept", method="POST"),
    _page("组织", "修改（他街道）", "/organisations/{org_north}/edit/", "organisations:edit",
          "200 @county_up; 403 dept"),
    _page("组织", "导出", "/organisations/export.xlsx", "organisations:organisations_export",
          "200 dept @region_staff; 403 member"),
    _page("组织", "导入模板", "/organisations/template.xlsx", "organisations:organisations_template", "200 @console"),
    _page("组织", "导入（表单）", "/organisations/import/", "organisations:organisations_import",
          "200 @managers; 403 member dept grid"),
    _page("组织", "导入（提交）", "/organisations/import/", "organisations:organisations_import",
          "200 @managers; 403 member dept grid", method="POST"),
    _page("联建协议与活动", "协议列表", "/organisations/pacts/", "organisations:pacts", "200 @console"),
    _page("联建协议与活动", "活动列表", "/organisations/activities/", "organisations:activities", "200 @console"),
    _page("联建协议与活动", "机关支部报到", "/organisations/registrations/", "organisations:agency_registrations",
          "200 @console"),
    _page("人员与党员", "交叉任职", "/organisations/cross-appointments/", "organisations:cross_appointments",
          "200 dept @region_staff"),
    _page("人员与党员", "党员名册", "/organisations/party-members/", "organisations:party_members", "200 @console"),
    _page("人员与党员", "党员名册导出", "/organisations/party-members/export.xlsx",
          "organisations:party_members_export", "200 dept @region_staff; 403 member"),
    _page("人员与党员", "党员导入模板", "/organisations/party-members/template.xlsx",
          "organisations:party_members_template", "200 @console"),
    _page("人员与党员", "党员导入（表单）", "/organisations/party-members/import/",
          "organisations:party_members_import", "200 @managers; 403 member dept grid"),
    _page("人员与党员", "党员导入（提交）", "/organisations/party-members/import/",
          "organisations:party_members_import", "200 @managers; 403 member dept grid", method="POST"),
    _page("人员与党员", "新增党员（表单）", "/organisations/party-members/new/", "organisations:party_member_create",
          "200 @managers; 403 member dept grid"),
    _page("人员与党员", "新增党员（提交）", "/organisations/party-members/new/", "organisations:party_member_create",
          "200 @managers; 403 member dept grid", method="POST"),
    _page("人员与党员", "修改党员（本社区）", "/organisations/party-members/{member_east}/edit/",
          "organisations:party_member_edit", "200 @managers; 403 member dept grid"),
    _page("人员与党员", "修改党员提交（本社区）", "/organisations/party-members/{member_east}/edit/",
          "organisations:party_member_edit", "200 @managers; 403 member dept grid", method="POST"),
    _page("人员与党员", "修改党员（他街道）", "/organisations/party-members/{member_north}/edit/",
          "organisations:party_member_edit", "200 @county_up"),
    _page("人员与党员", "人员信息（本社区）", "/organisations/people/{person_east}/", "organisations:person_detail",
          "200 @console"),
    _page("人员与党员", "人员信息（他街道）", "/organisations/people/{person_north}/", "organisations:person_detail",
          "200 @county_up"),
    _page("人员与党员", "查看个人信息（本社区）", "/organisations/people/{person_east}/reveal/",
          "organisations:person_reveal", "200 member dept @region_staff", method="POST",
          data={"field": "phone", "reason": "入户走访核实"},
          note="本人、辖区工作人员和本单位的部门经办人可查看，须填事由并记录"),
    _page("人员与党员", "查看个人信息（他街道）", "/organisations/people/{person_north}/reveal/",
          "organisations:person_reveal", "200 @county_up", method="POST",
          data={"field": "phone", "reason": "入户走访核实"}),
    _page("人员与党员", "个人信息查看记录（本社区）", "/organisations/people/{person_east}/reveal-log/",
          "organisations:reveal_log", "200 @managers; 403 member dept grid"),
    _page("人员与党员", "个人信息查看记录（他街道）", "/organisations/people/{person_north}/reveal-log/",
          "organisations:reveal_log", "200 @county_up"),
    # -- categories (API only) ------------------------------------------------------------------------------
    _api("问题分类", "列表", "/api/v1/categories", "api:list_categories", "200 @signed_in"),
    _api("问题分类", "查看", "/api/v1/categories/{category}", "api:get_category", "200 @signed_in"),
    # -- cases: intake, lists, a case by stage -------------------------------------------------------------
    _page("事项", "问题清单", "/cases/", "cases:problem_list", "200 @region_staff; 403 member dept"),
    _page("事项", "问题清单导出", "/cases/export.xlsx", "cases:problem_list_export",
          "200 @region_staff; 403 member dept"),
    _page("事项", "受理登记（表单）", "/cases/new/", "cases:intake", "200 @region_staff; 403 member dept"),
    _page("事项", "受理登记（提交）", "/cases/new/", "cases:intake", "200 @region_staff; 403 member dept",
          method="POST"),
    _page("事项", "办理清单", "/cases/handling/", "cases:handling_list", "200 @console"),
    _page("事项", "办理清单导出", "/cases/handling/export.xlsx", "cases:handling_list_export", "200 @console"),
    _page("事项", "查看（已受理，本网格）", "/cases/{case_received}/", "cases:detail", "200 @region_staff"),
    _page("事项", "查看（已派遣给本部门）", "/cases/{case_dispatched}/", "cases:detail", "200 dept @region_staff"),
    _page("事项", "查看（已结案）", "/cases/{case_closed}/", "cases:detail", "200 dept @region_staff"),
    _page("事项", "查看（他街道，派给其他部门）", "/cases/{case_north}/", "cases:detail", "200 @county_up"),
    _page("事项", "查看反映人电话（已派遣给本部门）", "/cases/{case_dispatched}/reveal-phone/", "cases:contact_reveal",
          "200 dept @region_staff", method="POST", data={"reason": "电话回访"},
          note="首问责任人、辖区工作人员和承办单位经办人可查看，须填事由并记录"),
    _page("事项", "查看反映人电话（已吹哨召集本部门）", "/cases/{case_whistled}/reveal-phone/", "cases:contact_reveal",
          "200 @region_staff; 403 dept", method="POST", data={"reason": "电话回访"},
          note="被召集部门不是承办单位，不能查看"),
    _page("事项", "查看反映人电话（他街道，派给其他部门）", "/cases/{case_north}/reveal-phone/",
          "cases:contact_reveal", "200 @county_up", method="POST", data={"reason": "电话回访"}),
    _page("事项", "照片（本网格，居民本人反映）", "/cases/photos/{photo}/", "cases:attachment",
          "200 resident @region_staff"),
    _page("事项", "照片（他街道）", "/cases/photos/{photo_north}/", "cases:attachment", "200 @county_up"),
    # -- the workflow, one action per row, each on a case in a status the table allows it from ---------------
    _act("classify", "received", "200 @managers; 403 grid"),
    _act("reject", "received", "200 @managers; 403 grid"),
    _act("merge", "received", "200 @managers; 403 grid"),
    _act("whistle", "received", "200 @managers; 403 grid"),
    _act("transfer_owner", "received", "200 @managers; 403 grid"),
    _act("note", "received", "200 @region_staff"),
    _api_act("note", "received", "200 @region_staff; 403 resident", note="电话回访"),
    _api_act("classify", "received", "200 @managers; 403 resident grid", category="{category}"),
    _act("dispatch", "registered", "200 @managers; 403 grid"),
    _act("escalate", "registered", "200 @managers; 403 grid"),
    _act("arbitrate", "returned", "200 @street_up; 403 grid community dept"),
    _act("accept", "dispatched", "200 dept; 403 @region_staff"),
    _act("return", "dispatched", "200 dept; 403 @region_staff"),
    _act("request_extension", "dispatched", "200 dept; 403 @region_staff"),
    _act("dispatch", "dispatched", "200 @managers; 403 grid dept"),
    _act("note", "dispatched", "200 dept @region_staff"),
    _act("reply", "in_progress", "200 dept; 403 @region_staff"),
    _act("grant_extension", "in_progress", "200 @managers; 403 dept grid"),
    _act("refuse_extension", "in_progress", "200 @managers; 403 dept grid"),
    _act("verify", "replied", "302 @managers; 403 dept grid"),
    _act("rework", "replied", "200 @managers; 403 dept grid"),
    _act("close", "verified", "302 @managers; 403 dept grid"),
    _act("report_in", "whistled", "200 dept @managers; 403 grid"),
    _act("resume", "escalated", "200 @managers; 403 grid"),
    _act("rate", "closed", "200 @managers; 403 dept grid"),
    _act("score", "closed", "200 @managers; 403 dept grid"),
    _act("dispatch", "north", "200 @county_up"),
    _act("note", "north", "200 @county_up"),
    _api_act("note", "north", "200 @county_up", note="电话回访"),
    # -- whistles -------------------------------------------------------------------------------------------
    _page("吹哨", "吹哨看板", "/cases/whistles/", "cases:whistle_board", "200 @console"),
    _api("吹哨", "列表", "/api/v1/whistles", "api:list_whistles", "200 @signed_in"),
    _api("吹哨", "事项的吹哨（本网格）", "/api/v1/cases/{case_whistled}/whistles", "api:list_case_whistles",
         "200 resident dept @region_staff"),
    _api("吹哨", "事项的吹哨（他街道）", "/api/v1/cases/{case_north}/whistles", "api:list_case_whistles",
         "200 @county_up"),
    # -- notifications --------------------------------------------------------------------------------------
    _page("消息", "收件箱（本人）", "/notifications/", "notifications:inbox", "200 @signed_in"),
    _page("消息", "标为已读（社区工作人员的一条）", "/notifications/{notification_community}/read/",
          "notifications:mark_read", "302 community", method="POST", note="只能处理发给自己的消息"),
    _page("消息", "全部标为已读（本人）", "/notifications/read-all/", "notifications:mark_all_read", "302 @signed_in",
          method="POST"),
    # -- figures, KPIs, dashboards ----------------------------------------------------------------------------
    _page("数据与报表", "三联三沉数据（本人辖区）", "/reports/figures/", "reports:figures", "200 @console"),
    _page("数据与报表", "三联三沉数据（本辖区社区）", "/reports/figures/?region={east}", "reports:figures",
          "200 member dept community @street_up"),
    _page("数据与报表", "三联三沉数据（他街道）", "/reports/figures/?region={north}", "reports:figures",
          "200 dept @county_up"),
    _page("数据与报表", "关键指标（本人辖区）", "/reports/kpis/", "reports:kpis", "200 @region_staff; 302 dept"),
    _page("数据与报表", "关键指标（他街道）", "/reports/kpis/?region={north}", "reports:kpis", "200 @county_up"),
    _page("数据与报表", "部门指标（本部门）", "/reports/departments/{dept}/", "reports:department_kpis",
          "200 dept @region_staff"),
    _page("数据与报表", "部门指标（其他部门）", "/reports/departments/{dept_north}/", "reports:department_kpis",
          "200 @county_up"),
    _page("数据与报表", "数据看板（本人辖区）", "/reports/dashboard/", "reports:dashboard",
          "200 @region_staff; 302 dept", note="部门经办人转到本部门指标"),
    _page("数据与报表", "数据看板（他街道）", "/reports/dashboard/?region={north}", "reports:dashboard",
          "200 @county_up"),
    _page("数据与报表", "数据大屏数据（本人辖区）", "/reports/dashboard/data/", "reports:dashboard_data",
          "200 @region_staff"),
    _page("数据与报表", "数据大屏数据（他街道）", "/reports/dashboard/data/?region={north}", "reports:dashboard_data",
          "200 @county_up"),
    _page("数据与报表", "数据看板导出（本人辖区）", "/reports/dashboard/export/", "reports:dashboard_export",
          "200 @region_staff"),
    _page("数据与报表", "数据看板导出（他街道）", "/reports/dashboard/export/?region={north}",
          "reports:dashboard_export", "200 @county_up"),
    _page("数据与报表", "月度报告（本人辖区）", "/reports/dashboard/monthly/", "reports:monthly_report",
          "200 @region_staff"),
    _page("数据与报表", "月度报告（他街道）", "/reports/dashboard/monthly/?region={north}", "reports:monthly_report",
          "200 @county_up"),
    _api("数据与报表", "三联三沉数据（本辖区社区）", "/api/v1/reports/figures?region={east}", "api:figures",
         "200 member dept community @street_up"),
    _api("数据与报表", "三联三沉数据（他街道）", "/api/v1/reports/figures?region={north}", "api:figures",
         "200 dept @county_up"),
    _api("数据与报表", "关键指标（本辖区社区）", "/api/v1/reports/kpis?region={east}", "api:kpis",
         "200 community @street_up"),
    _api("数据与报表", "关键指标（他街道）", "/api/v1/reports/kpis?region={north}", "api:kpis", "200 @county_up"),
    # -- routing suggestions --------------------------------------------------------------------------------
    _page("分类建议", "建议片段", "/routing/suggest/?title=路灯不亮&region_code={east_grid}",
          "routing:suggest_fragment", "200 @region_staff; 403 resident member dept auditor"),
    _page("分类建议", "建议片段（他街道区域）", "/routing/suggest/?title=路灯不亮&region_code={north}",
          "routing:suggest_fragment", "200 @county_up; 403 resident member dept auditor grid community street"),
    _page("分类建议", "热点聚类", "/routing/hot-spots/", "routing:hot_spots",
          "200 @region_staff; 403 resident member dept auditor"),
    _page("分类建议", "热点聚类（他街道）", "/routing/hot-spots/?region={north}", "routing:hot_spots",
          "200 @county_up; 403 resident member dept auditor"),
    _page("分类建议", "事项的可能重复（本网格）", "/routing/cases/{case_received}/duplicates/",
          "routing:case_duplicates", "200 @region_staff; 403 resident member dept auditor"),
    _page("分类建议", "事项的可能重复（他街道）", "/routing/cases/{case_north}/duplicates/", "routing:case_duplicates",
          "200 @county_up; 403 resident member dept auditor"),
    _api("分类建议", "建议", "/api/v1/routing/suggest?title=路灯不亮&region={east_grid}", "api:suggest",
         "200 @region_staff; 403 resident member dept auditor"),
    _api("分类建议", "建议（他街道区域）", "/api/v1/routing/suggest?title=路灯不亮&region={north}", "api:suggest",
         "200 @county_up; 400 grid community street; 403 resident member dept auditor"),
    _api("分类建议", "热点", "/api/v1/routing/hot-spots?region={east}", "api:hot_spot_list",
         "200 community @street_up; 400 grid; 403 resident member dept auditor"),
    # -- the public portal (residents) ----------------------------------------------------------------------------
    _page("居民门户", "首页", "/public/", "portal:home", "200 @everyone", anonymous=200),
    _page("居民门户", "反映问题（表单）", "/public/report/", "portal:report", "200 @everyone", anonymous=200),
    _page("居民门户", "反映问题（提交）", "/public/report/", "portal:report", "200 @everyone", anonymous=200,
          method="POST"),
    _page("居民门户", "提交结果（本会话无提交）", "/public/report/done/", "portal:report_done", "302 @everyone",
          anonymous=302),
    _page("居民门户", "社区的网格和楼栋", "/public/places/?community={east}", "portal:places", "200 @everyone",
          anonymous=200),
    _page("居民门户", "凭查询码查进度", "/public/track/?code={code_closed}", "portal:track", "200 @everyone",
          anonymous=200, note="只显示公开进度，不显示任何人的联系方式"),
    _page("居民门户", "凭查询码评价（提交）", "/public/track/{code_closed}/rate/", "portal:rate", "200 @everyone",
          anonymous=200, method="POST"),
    _page("居民门户", "我的事项", "/public/mine/", "portal:my_cases", "200 @signed_in"),
    _page("居民门户", "大字模式", "/public/text-size/?size=large", "portal:text_size", "302 @everyone", anonymous=302),
    _page("居民门户", "四议两公开公示", "/public/disclosures/", "portal:disclosures", "200 @everyone", anonymous=200),
    _page("居民门户", "公示详情（已过公开期或不存在）", "/public/disclosures/0/", "portal:disclosure", "404 @everyone",
          anonymous=404),
    _page("居民门户", "公示详情（公示期内）", "/public/disclosures/{disclosure_east}/", "portal:disclosure",
          "200 @everyone", anonymous=200),
    _page("居民门户", "公示打印（A4，公示期内）", "/public/disclosures/{disclosure_east}/poster/",
          "portal:disclosure_poster", "200 @everyone", anonymous=200, note="不显示任何人的联系方式和证件号码"),
    _page("居民门户", "公示打印（已过公开期或不存在）", "/public/disclosures/0/poster/", "portal:disclosure_poster",
          "404 @everyone", anonymous=404),
    _page("居民门户", "会议公开", "/public/meetings/", "portal:meetings", "200 @everyone", anonymous=200),
    _page("居民门户", "会议公开详情（纪要公开的机构，已召开）", "/public/meetings/{meeting_public}/", "portal:meeting",
          "200 @everyone", anonymous=200, note="不显示出席人员姓名"),
    _page("居民门户", "会议公开详情（纪要不公开或尚未召开）", "/public/meetings/{meeting_east}/", "portal:meeting",
          "404 @everyone", anonymous=404),
    _page("居民门户", "征求意见", "/public/consultations/", "portal:consultations", "200 @everyone", anonymous=200),
    _page("居民门户", "征求意见详情", "/public/consultations/{consultation_east}/", "portal:consultation",
          "200 @everyone", anonymous=200, note="称呼只显示第一个字，不显示手机号码"),
    _page("居民门户", "发表意见（提交，内容不完整）", "/public/consultations/{consultation_east}/",
          "portal:consultation", "200 @everyone", anonymous=200, method="POST", data={"text": ""},
          note="页面提示错误"),
    _page("居民门户", "征求意见详情（草稿或不存在）", "/public/consultations/0/", "portal:consultation",
          "404 @everyone", anonymous=404),
    _page("居民门户", "方案图（未上传）", "/public/consultations/{consultation_east}/photo/",
          "portal:consultation_photo", "404 @everyone", anonymous=404),
    # -- REST API: tokens, schema, regions, organisations, people, facilities, cases --------------------------
    _api("接口令牌", "获取（密码错误）", "/api/v1/auth/token", "api:token", "401 @everyone", method="POST",
         data={"username": "community", "password": "wrong"}),
    _api("接口令牌", "接口说明", "/api/v1/openapi.json", "api:openapi-json", "200 @everyone", anonymous=200),
    _api("接口令牌", "接口文档页", "/api/v1/docs", "api:openapi-view", "200 @everyone", anonymous=200),
    _api("接口令牌", "不存在的接口", "/api/v1/", "api:api-root", "404 @everyone", anonymous=404),
    _api("区域树", "列表（本辖区社区的下级）", "/api/v1/regions?parent={east}", "api:list_regions",
         "200 member dept community @street_up"),
    _api("区域树", "查看（本辖区社区）", "/api/v1/regions/{east}", "api:get_region",
         "200 member dept community @street_up"),
    _api("区域树", "查看（他街道）", "/api/v1/regions/{north}", "api:get_region", "200 dept @county_up"),
    _api("组织", "列表", "/api/v1/organisations", "api:list_organisations", "200 @signed_in"),
    _api("组织", "查看（本社区）", "/api/v1/organisations/{org_east}", "api:get_organisation",
         "200 member dept community @street_up"),
    _api("组织", "查看（他街道）", "/api/v1/organisations/{org_north}", "api:get_organisation", "200 dept @county_up"),
    _api("人员与党员", "党员列表", "/api/v1/party-members", "api:list_party_members", "200 @signed_in"),
    _api("人员与党员", "党员（本社区）", "/api/v1/party-members/{member_east}", "api:get_party_member", "200 @console"),
    _api("人员与党员", "党员（他街道）", "/api/v1/party-members/{member_north}", "api:get_party_member",
         "200 @county_up"),
    _api("阵地", "列表", "/api/v1/facilities", "api:list_facilities", "200 @signed_in"),
    _api("阵地", "查看（本网格）", "/api/v1/facilities/{facility_east}", "api:get_facility", "200 @console"),
    _api("阵地", "查看（他街道）", "/api/v1/facilities/{facility_north}", "api:get_facility", "200 dept @county_up"),
    _api("事项", "列表", "/api/v1/cases", "api:list_cases", "200 @signed_in"),
    _api("事项", "反映（提交不完整）", "/api/v1/cases", "api:create_case", "400 @signed_in", method="POST",
         data={"channel": "web", "kind": "problem", "title": "", "description": "", "region": "{east_grid}"}),
    _api("事项", "查看（已受理，本网格）", "/api/v1/cases/{case_received}", "api:get_case",
         "200 resident @region_staff", note="居民只看到本人反映的事项，且不含内部办理信息"),
    _api("事项", "查看（已派遣给本部门）", "/api/v1/cases/{case_dispatched}", "api:get_case",
         "200 resident dept @region_staff"),
    _api("事项", "查看（他街道）", "/api/v1/cases/{case_north}", "api:get_case", "200 @county_up"),
    _api("事项", "办理记录（本网格）", "/api/v1/cases/{case_dispatched}/events", "api:list_case_events",
         "200 resident dept @region_staff"),
    _api("事项", "办理记录（他街道）", "/api/v1/cases/{case_north}/events", "api:list_case_events", "200 @county_up"),
    _api("事项", "派遣（本网格）", "/api/v1/cases/{case_dispatched}/assignments", "api:list_case_assignments",
         "200 resident dept @region_staff"),
    _api("事项", "派遣（他街道）", "/api/v1/cases/{case_north}/assignments", "api:list_case_assignments",
         "200 @county_up"),
    _api("事项", "评价（本网格）", "/api/v1/cases/{case_closed}/ratings", "api:list_case_ratings",
         "200 resident dept @region_staff"),
    _api("事项", "评价（他街道）", "/api/v1/cases/{case_north}/ratings", "api:list_case_ratings", "200 @county_up"),
    _api("事项", "办理清单", "/api/v1/assignments", "api:list_assignments", "200 @signed_in"),
    # -- meetings and 四议两公开 -------------------------------------------------------------------------------
    _page("会议", "列表页", "/meetings/", "meetings:list", "200 @managers"),
    _page("会议", "会议通知（表单）", "/meetings/new/", "meetings:new", "200 @managers"),
    _page("会议", "会议通知（提交，内容不完整）", "/meetings/new/", "meetings:new", "200 @managers", method="POST",
          data={"title": ""}),
    _page("会议", "会议页（本社区）", "/meetings/{meeting_east}/", "meetings:detail", "200 @managers"),
    _page("会议", "会议页（他街道）", "/meetings/{meeting_north}/", "meetings:detail", "200 @county_up"),
    _page("会议", "散会（尚未开会，本社区）", "/meetings/{meeting_east}/act/close/", "meetings:transition",
          "400 @managers", method="POST", data={"close-version": "{version_meeting_east}", "close-minutes": "记录"}),
    _page("会议", "散会（尚未开会，他街道）", "/meetings/{meeting_north}/act/close/", "meetings:transition",
          "400 @county_up", method="POST", data={"close-version": "{version_meeting_north}", "close-minutes": "记录"}),
    _page("会议", "登记出席（尚未开会）", "/meetings/{meeting_east}/attendance/", "meetings:attendance",
          "200 @managers", method="POST", data={"seat": "0", "status": "present"}, note="页面提示错误"),
    _page("会议", "表决（尚未开会）", "/meetings/{meeting_east}/items/{item_east}/vote/", "meetings:vote",
          "200 @managers", method="POST", note="页面提示错误",
          data={"vote-{item_east}-version": "{version_meeting_east}", "vote-{item_east}-in_favour": "1",
                "vote-{item_east}-against": "0", "vote-{item_east}-abstained": "0"}),
    _page("会议", "系统建议议题列入议程（他街道的事项）", "/meetings/{meeting_east}/proposals/add/",
          "meetings:proposal_add", "400 @managers", method="POST", data={"case": "{case_north}"},
          note="页面提示错误"),
    _page("会议", "系统建议议题列入议程（他街道的会议）", "/meetings/{meeting_north}/proposals/add/",
          "meetings:proposal_add", "400 @county_up", method="POST", data={"case": "{case_registered}"},
          note="页面提示错误"),
    _page("会议", "会议记录（打印，本社区）", "/meetings/{meeting_east}/minutes/", "meetings:minutes", "200 @managers"),
    _page("会议", "会议记录（打印，他街道）", "/meetings/{meeting_north}/minutes/", "meetings:minutes",
          "200 @county_up"),
    _page("会议", "成员签到页", "/meetings/{meeting_east}/sign-in/", "meetings:sign_in", "200 @signed_in",
          note="不在名单中的只见提示"),
    _page("会议", "成员签到（尚未开会）", "/meetings/{meeting_east}/sign-in/", "meetings:sign_in", "400 @signed_in",
          method="POST"),
    _page("重大事项", "列表页", "/meetings/matters/", "meetings:matters", "200 @managers"),
    _page("重大事项", "登记（表单）", "/meetings/matters/new/", "meetings:matter_new", "200 @managers"),
    _page("重大事项", "登记（提交，内容不完整）", "/meetings/matters/new/", "meetings:matter_new", "200 @managers",
          method="POST", data={"title": ""}),
    _page("重大事项", "事项页（本社区）", "/meetings/matters/{matter_east}/", "meetings:matter_detail",
          "200 @managers"),
    _page("重大事项", "事项页（他街道）", "/meetings/matters/{matter_north}/", "meetings:matter_detail",
          "200 @county_up"),
    _page("重大事项", "跳步审议（本社区）", "/meetings/matters/{matter_east}/act/review/",
          "meetings:matter_transition",
          "400 @managers", method="POST", data={"review-version": "{version_matter_east}"}),
    _page("重大事项", "跳步审议（他街道）", "/meetings/matters/{matter_north}/act/review/",
          "meetings:matter_transition",
          "400 @county_up", method="POST", data={"review-version": "{version_matter_north}"}),
    _api("议事机构", "列表", "/api/v1/bodies", "api:list_bodies", "200 @signed_in"),
    _api("会议", "列表", "/api/v1/meetings", "api:list_meetings", "200 @signed_in"),
    _api("会议", "查看（本社区）", "/api/v1/meetings/{meeting_east}", "api:get_meeting", "200 @managers"),
    _api("会议", "查看（他街道）", "/api/v1/meetings/{meeting_north}", "api:get_meeting", "200 @county_up"),
    _api("会议", "通知（会议时间已过）", "/api/v1/meetings", "api:schedule_meeting", "400 @managers", method="POST",
         data={"body": "{body_east}", "title": "党员大会", "scheduled_at": "2020-01-01T09:00:00+08:00"}),
    _api("会议", "散会（尚未开会，本社区）", "/api/v1/meetings/{meeting_east}/transitions", "api:meeting_transition",
         "400 @managers", method="POST", data={"action": "close", "version": "{version_meeting_east}"}),
    _api("会议", "散会（他街道）", "/api/v1/meetings/{meeting_north}/transitions", "api:meeting_transition",
         "400 @county_up", method="POST", data={"action": "close", "version": "{version_meeting_north}"}),
    _api("会议", "登记出席（尚未开会）", "/api/v1/meetings/{meeting_east}/attendance", "api:mark_attendance",
         "400 @managers", method="POST", data={"member": "{seat_east}", "status": "present"}),
    _api("会议", "表决（尚未开会）", "/api/v1/meetings/{meeting_east}/votes", "api:record_vote", "400 @managers",
         method="POST", data={"item": "{item_east}", "version": "{version_meeting_east}", "in_favour": 1,
                              "against": 0, "abstained": 0}),
    _api("会议", "提交会议（他街道的事项）", "/api/v1/meetings/{meeting_east}/agenda", "api:add_case_to_agenda",
         "400 @managers", method="POST", data={"case": "{case_north}"}),
    _api("会议", "系统建议议题（本社区）", "/api/v1/meetings/{meeting_east}/proposals", "api:list_proposals",
         "200 @managers"),
    _api("会议", "系统建议议题（他街道）", "/api/v1/meetings/{meeting_north}/proposals", "api:list_proposals",
         "200 @county_up"),
    _api("会议", "交办任务（议题尚无决议）", "/api/v1/meetings/{meeting_east}/tasks", "api:assign_task",
         "400 @managers", method="POST",
         data={"item": "{item_east}", "organisation": "{org_east}", "title": "制定方案", "working_days": 5}),
    _api("决议任务", "列表", "/api/v1/tasks", "api:list_tasks", "200 @signed_in"),
    _api("决议任务", "报告进展（版本已过期，本社区）", "/api/v1/tasks/{task_east}/progress", "api:report_progress",
         "409 @managers", method="POST", data={"version": 999, "progress": 10, "note": "进展"}),
    _api("重大事项", "列表", "/api/v1/matters", "api:list_matters", "200 @signed_in"),
    _api("重大事项", "查看（本社区）", "/api/v1/matters/{matter_east}", "api:get_matter", "200 @managers"),
    _api("重大事项", "查看（他街道）", "/api/v1/matters/{matter_north}", "api:get_matter", "200 @county_up"),
    _api("重大事项", "登记（内容不完整）", "/api/v1/matters", "api:register_matter", "400 @signed_in; 403 dept member",
         method="POST", data={"region": "{east}", "title": "", "description": ""}),
    _api("重大事项", "跳步审议（本社区）", "/api/v1/matters/{matter_east}/transitions", "api:matter_transition",
         "400 @managers", method="POST", data={"action": "review", "version": "{version_matter_east}"}),
    _api("重大事项", "跳步审议（他街道）", "/api/v1/matters/{matter_north}/transitions", "api:matter_transition",
         "400 @county_up", method="POST", data={"action": "review", "version": "{version_matter_north}"}),
    # -- 征求意见 -------------------------------------------------------------------------------------------
    _page("征求意见", "列表页", "/consultations/", "consultations:list", "200 @managers"),
    _page("征求意见", "登记（表单）", "/consultations/new/", "consultations:new", "200 @managers"),
    _page("征求意见", "登记（提交，内容不完整）", "/consultations/new/", "consultations:new", "200 @managers",
          method="POST", data={"title": ""}),
    _page("征求意见", "征求意见页（本社区）", "/consultations/{consultation_east}/", "consultations:detail",
          "200 @managers"),
    _page("征求意见", "征求意见页（他街道）", "/consultations/{consultation_north}/", "consultations:detail",
          "200 @county_up"),
    _page("征求意见", "跳步公布结果（本社区）", "/consultations/{consultation_east}/act/publish/",
          "consultations:transition", "400 @managers", method="POST",
          data={"publish-version": "{version_consultation_east}"}),
    _page("征求意见", "跳步公布结果（他街道）", "/consultations/{consultation_north}/act/publish/",
          "consultations:transition", "400 @county_up", method="POST",
          data={"publish-version": "{version_consultation_north}"}),
    _page("征求意见", "隐藏意见（未填理由）", "/consultations/{consultation_east}/comments/{comment_east}/hide/",
          "consultations:moderate", "200 @managers", method="POST", note="页面提示错误"),
    _page("征求意见", "处理意见（征求期未结束）", "/consultations/{consultation_east}/opinions/",
          "consultations:decide", "200 @managers", method="POST", note="页面提示错误"),
    _api("征求意见", "列表", "/api/v1/consultations", "api:list_consultations", "200 @signed_in"),
    _api("征求意见", "查看（本社区）", "/api/v1/consultations/{consultation_east}", "api:get_consultation",
         "200 @managers"),
    _api("征求意见", "查看（他街道）", "/api/v1/consultations/{consultation_north}", "api:get_consultation",
         "200 @county_up"),
    _api("征求意见", "登记（内容不完整）", "/api/v1/consultations", "api:create_consultation",
         "400 @signed_in; 403 dept member", method="POST", data={"region": "{east}", "title": "", "plan": ""}),
    _api("征求意见", "跳步公布结果（本社区）", "/api/v1/consultations/{consultation_east}/transitions",
         "api:consultation_transition", "400 @managers", method="POST",
         data={"action": "publish", "version": "{version_consultation_east}"}),
    _api("征求意见", "跳步公布结果（他街道）", "/api/v1/consultations/{consultation_north}/transitions",
         "api:consultation_transition", "400 @county_up", method="POST",
         data={"action": "publish", "version": "{version_consultation_north}"}),
    _api("征求意见", "发表意见（内容不完整）", "/api/v1/consultations/{consultation_east}/comments", "api:add_comment",
         "400 @signed_in", method="POST", data={"text": "", "display_name": ""}),
    _api("征求意见", "隐藏意见（未填理由）",
         "/api/v1/consultations/{consultation_east}/comments/{comment_east}/moderation", "api:moderate_comment",
         "400 @managers", method="POST", data={"hidden": True, "reason": ""}),
    _api("征求意见", "处理意见（征求期未结束）", "/api/v1/consultations/{consultation_east}/opinions",
         "api:decide_opinion", "400 @managers", method="POST",
         data={"comments": ["{comment_east}"], "outcome": "adopted", "reason": "合理"}),
    # -- task admission (社区工作事项准入) and ledgers ------------------------------------------------------------
    _page("事项准入", "列表", "/tasks/", "tasks:list", "200 dept @region_staff"),
    _page("事项准入", "事项与经费统计", "/tasks/report/", "tasks:report", "200 dept @region_staff"),
    _page("事项准入", "申请页（县级事项）", "/tasks/{task_request}/", "tasks:detail", "200 dept @region_staff"),
    _page("事项准入", "申请页（他街道）", "/tasks/{task_north}/", "tasks:detail", "200 dept county superuser"),
    _page("事项准入", "准入（权限经费齐全）", "/tasks/{task_request}/act/admit/", "tasks:transition",
          "302 @county_up; 403 dept grid community street", method="POST",
          data={"version": "{version_task_request}"}),
    _page("事项准入", "准入（未填经费）", "/tasks/{task_unfunded}/act/admit/", "tasks:transition",
          "400 @county_up; 403 dept grid community street", method="POST",
          data={"version": "{version_task_unfunded}"}, note="页面提示缺经费"),
    _page("事项准入", "登记拨付", "/tasks/{task_admitted}/ledger/", "tasks:ledger",
          "302 dept @county_up; 403 community street; 400 grid", method="POST",
          data={"community": "{east}", "kind": "transfer", "amount": "100.00"}),
    _page("社区清单", "权力清单和事项清单（公开）", "/tasks/lists/{east}/", "tasks:lists", "200 @everyone",
          anonymous=200),
    _page("社区清单", "清单调整记录（公开）", "/tasks/lists/{east}/history/", "tasks:list_history", "200 @everyone",
          anonymous=200),
    _api("事项准入", "列表", "/api/v1/task-requests", "api:list_task_requests", "200 @signed_in"),
    _api("事项准入", "提交（内容不完整）", "/api/v1/task-requests", "api:file_task_request", "400 @signed_in",
         method="POST", data={"region": "{east}", "department": "{dept}", "category": "employment", "title": "",
                              "legal_basis": ""}),
    _api("事项准入", "查看（县级事项）", "/api/v1/task-requests/{task_request}", "api:get_task_request",
         "200 dept @region_staff"),
    _api("事项准入", "查看（他街道）", "/api/v1/task-requests/{task_north}", "api:get_task_request",
         "200 dept county superuser"),
    _api("事项准入", "准入（未填经费）", "/api/v1/task-requests/{task_unfunded}/transitions",
         "api:task_request_transition", "400 @county_up; 403 dept grid community street", method="POST",
         data={"action": "admit", "version": "{version_task_unfunded}"}),
    _api("事项准入", "下派社区", "/api/v1/task-requests/{task_request}/communities", "api:push_task",
         "201 dept @county_up; 403 community street; 400 grid", method="POST", data={"community": "{east}"}),
    _api("事项准入", "经费台账", "/api/v1/tasks/{task_admitted}/ledger", "api:get_ledger", "200 dept @region_staff"),
    _api("事项准入", "登记拨付", "/api/v1/tasks/{task_admitted}/ledger", "api:add_ledger_entry",
         "201 dept @county_up; 403 community street; 400 grid", method="POST",
         data={"community": "{east}", "kind": "transfer", "amount": "100.00"}),
    _page("考核评价", "社区评定页", "/gradings/?year=2026", "gradings:community", "200 @managers"),
    _page("考核评价", "提交评定建议（未填意见）", "/gradings/teams/{team_east}/propose/?year=2026", "gradings:propose",
          "400 @managers", method="POST", data={"proposal": "competent", "opinion": ""}, note="页面提示错误"),
    _page("考核评价", "县级审定页", "/gradings/county/?year=2026", "gradings:county", "200 @county_up"),
    _page("考核评价", "审定结果（与建议不一致，未填理由）", "/gradings/{grading_east}/decide/", "gradings:decide",
          "400 @county_up", method="POST",
          data={"version": "{version_grading_east}", "result": "excellent", "result_reason": ""}),
    _page("部门考评", "年度部门考评", "/gradings/departments/?year=2026", "gradings:departments", "200 @region_staff"),
    _page("部门考评", "导出", "/gradings/departments/export.xlsx?year=2026", "gradings:departments_export",
          "200 @region_staff"),
    _page("部门考评", "设置权重（之和不为 100）", "/gradings/departments/weights/?year=2026", "gradings:weights",
          "400 @county_up", method="POST", data={"response": 50, "resolution": 20, "satisfaction": 20}),
    _api("考核评价", "年度评定列表", "/api/v1/gradings?year=2026", "api:list_gradings", "200 @signed_in"),
    _api("接口令牌", "其他地址", "/api/v1/no-such-endpoint", "api:unknown", "404 @everyone", anonymous=404),
    # -- Open311 (public, no personal data) ------------------------------------------------------------------------
    _page("Open311", "服务发现", "/open311/discovery.json", "open311:discovery", "200 @everyone", anonymous=200),
    _page("Open311", "服务列表", "/open311/v2/services.json", "open311:services", "200 @everyone", anonymous=200),
    _page("Open311", "服务定义", "/open311/v2/services/{category}.json", "open311:service", "200 @everyone",
          anonymous=200),
    _page("Open311", "请求列表", "/open311/v2/requests.json", "open311:requests", "200 @everyone", anonymous=200),
    _page("Open311", "提交请求（无 api_key）", "/open311/v2/requests.json", "open311:requests", "403 @everyone",
          anonymous=403, method="POST"),
    _page("Open311", "查看问题", "/open311/v2/requests/{case_dispatched}.json", "open311:request", "200 @everyone",
          anonymous=200),
    _page("Open311", "查看困难（不公开）", "/open311/v2/requests/{case_difficulty}.json", "open311:request",
          "404 @everyone", anonymous=404),
    _page("Open311", "令牌查请求", "/open311/v2/tokens/nosuchtoken.json", "open311:token", "404 @everyone",
          anonymous=404),
    _page("Open311", "缺少服务编码", "/open311/v2/services/.json", "open311:None", "400 @everyone", anonymous=400),
    _page("Open311", "缺少请求编号", "/open311/v2/requests/.json", "open311:None", "400 @everyone", anonymous=400),
    _page("Open311", "缺少令牌", "/open311/v2/tokens/.json", "open311:None", "400 @everyone", anonymous=400),
    _page("Open311", "其他地址", "/open311/v3/", "open311:unknown", "404 @everyone", anonymous=404),
)


def _cell(status: int) -> str:
    return str(status)


def render_markdown() -> str:
    """The matrix as the Markdown tables of docs/security.md: one table per object, roles as columns."""
    header = "| action | method | URL | " + " | ".join(label for _, label in ROLES) + " |"
    rule = "| --- | --- | --- | " + " | ".join("---" for _ in ROLES) + " |"
    out: list[str] = []
    current = None
    # Pages and API rows of one object in one table, objects in the order they first appear.
    first = {obj: n for n, obj in reversed(list(enumerate(row.obj for row in ROWS)))}
    for row in sorted(ROWS, key=lambda row: first[row.obj]):
        if row.obj != current:
            if current is not None:
                out.append("")
            out += [f"**{row.obj}**", "", header, rule]
            current = row.obj
        action = f"{row.action}（{row.note}）" if row.note else row.action
        cells = " | ".join(_cell(row.expect[key]) for key in ROLE_KEYS)
        out.append(f"| {action} | {row.method} | `{row.url}` | {cells} |")
    return "\n".join(out) + "\n"
