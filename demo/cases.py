"""A year of cases for the demo county, consistent with 乾县's 三联三沉 account.

`load` (a step of `demo.load.load_demo`) writes, through `cases.services`:

- 问题联解: exactly 283 problems taken in at the eight 民意征求窗口 (`WINDOW_PROBLEMS`) over the last
  twelve months, duplicates merged into the case they repeat and a few refused among them;
- 困难联帮: difficulties of the elderly, left-behind children, new residents, disabled people and
  families in hardship, of which exactly 670 end solved (`SOLVED_DIFFICULTIES`, counted as
  `reports.selectors.case_figures` counts them), and some still open so the lists have work in them;
- problems from the web, the phone, grid patrols, service halls and meetings, which count for
  neither figure.

Cases are handled the way the county works: classified by function under the default category tree,
dispatched to a lead body and sometimes an assisting one (departments, the street's dispatched
agencies, property companies, service stations, 双报到 party members), returned and dispatched
again, extended, whistled (社区吹哨、部门报到) with report-ins and scores, rated (mostly 满意, some
不满意 and reworked), escalated to meetings, refused and merged; some are overdue.

Time. The services read the time from `django.utils.timezone.now`. While the demo writes, `DemoClock`
stands in for it and is set to the moment each step happened, so every row of a step (event, audit
of the case, assignment clocks, ratings) carries that moment, deadlines are computed on the working-
day calendar from it, and "on time" in the event data is true to the story. The clock is the
process's own, so the demo is loaded by the management command, never inside a serving process.

Idempotency. Each case has a fixed idempotency key (`demo-2026-P-0001` …); the keys present are read
in one query and a story whose key exists is skipped, so a second run writes nothing. The plan of
stories is drawn from a generator with a fixed seed, and each story's details from a generator of
its own, so a story always unfolds the same way whatever else is added.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.checks import DEMO_PASSWORD
from accounts.models import Role, User
from cases import services
from cases.models import (
    Assignment,
    AssignmentRole,
    Case,
    Channel,
    Kind,
    Meeting,
    RatingResult,
    RequestType,
    TargetGroup,
)
from cases.models import WhistleReason as R
from cases.services import AssigneeSpec
from categories.models import Category, UrgencyLevel
from categories.selectors import category_by_path, departments_for, urgency_for
from categories.services import categories_load_defaults
from core import audit
from core.models import AuditEvent
from demo.county import FEMALE_CHARS, MALE_CHARS, PHONE_PREFIXES, SEED, SURNAMES
from organisations.models import Organisation, PartyMember
from regions.models import Facility, Level, Region
from workcalendar.selectors import WorkingCalendar

KEY_PREFIX = "demo-2026"
WINDOW_PROBLEMS = 283
SOLVED_DIFFICULTIES = 670
WINDOW_DUPLICATES = 10
OTHER_PROBLEMS = 50

F = Facility.Kind
T = TargetGroup
OFFICE_OPENS, LUNCH_STARTS, LUNCH_ENDS, OFFICE_CLOSES = dt.time(8, 30), dt.time(12, 0), dt.time(14, 30), dt.time(18)
# Nothing the demo writes is later than this before the moment it runs.
SAFETY_MARGIN = dt.timedelta(minutes=10)


# --------------------------------------------------------------------------------------------------
# What residents raise
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemTopic:
    """A kind of problem: where it is filed, how it reads, who handles it and how it is answered.

    Body keys: "" for the category's own lead; 派出所, 城管执法中队, 市场监管所 or 司法所 for the street's
    dispatched agency; 物业 for the property company of the compound (else the category's lead);
    otherwise a department's name.
    """

    path: tuple[str, str]
    title: str
    description: str
    reply: str
    request_type: str = RequestType.COMPLAINT
    lead: str = ""
    assist: tuple[str, ...] = ()
    summons: tuple[str, ...] = ()
    reasons: tuple[str, ...] = (R.MULTI_DEPARTMENT,)
    meeting: str = Meeting.JOINT_MEETING


PROBLEMS: tuple[ProblemTopic, ...] = (
    ProblemTopic(("市容环境", "垃圾清运"), "小区垃圾清运不及时",
        "{place}的垃圾桶经常满溢，天热后异味很大，希望增加清运次数。",
        "已协调环卫作业单位每日早晚各清运一次，并增设分类垃圾桶 4 组。", lead="城管执法中队", assist=("物业",)),
    ProblemTopic(("市容环境", "私搭乱建"), "楼顶私搭彩钢房",
        "{place}顶楼住户在楼顶加盖彩钢房，存在安全隐患，邻居意见很大。",
        "已下达限期拆除通知书，违建已由当事人自行拆除，现场恢复原状。", lead="城管执法中队",
        summons=("城管执法中队", "乾县自然资源执法大队"), reasons=(R.NEEDS_ENFORCEMENT,)),
    ProblemTopic(("市容环境", "占道经营"), "路口流动摊贩占道经营",
        "{place}附近路口早晚流动摊贩聚集，占用人行道和车道，通行不便。",
        "已在附近设置临时疏导点，早晚高峰安排队员巡查，占道现象明显减少。", lead="城管执法中队",
        assist=("市场监管所",)),
    ProblemTopic(("市容环境", "油烟噪声"), "临街烧烤店油烟噪声扰民",
        "{place}楼下烧烤店营业到凌晨，油烟和噪声影响居民休息。",
        "已督促商户安装油烟净化设备并调整营业时间，经回访居民反映已改善。", lead="咸阳市生态环境局乾县分局",
        assist=("城管执法中队",), summons=("咸阳市生态环境局乾县分局", "城管执法中队")),
    ProblemTopic(("市容环境", "绿化养护"), "小区绿地被毁种菜",
        "{place}的公共绿地被个别住户开垦种菜，还堆放杂物。", "已劝导住户清理菜地和杂物，物业重新补植绿化。",
        lead="物业"),
    ProblemTopic(("市政设施", "道路破损"), "小区门口道路坑洼不平",
        "{place}门口道路多处坑洼，雨天积水，老人孩子出行容易摔倒。", "已对破损路面进行修补，并完善排水坡度。",
        assist=("城管执法中队",)),
    ProblemTopic(("市政设施", "井盖缺失"), "人行道井盖缺失",
        "{place}附近人行道上一处井盖缺失，夜间行人容易踩空。", "已设置警示围挡并更换新井盖，现场安全隐患已消除。",
        request_type=RequestType.HELP, summons=("乾县住房和城乡建设局", "城管执法中队"), reasons=(R.EMERGENCY,)),
    ProblemTopic(("市政设施", "路灯照明"), "背街小巷路灯不亮",
        "{place}附近背街小巷的路灯坏了半个多月，晚上出行很不安全。", "已更换损坏灯具和线路，路灯恢复照明。"),
    ProblemTopic(("市政设施", "排水防涝"), "下水道堵塞污水外溢",
        "{place}的下水道堵塞，污水漫到路面，气味难闻。", "已组织疏通管道并清理路面，排水恢复正常。",
        request_type=RequestType.HELP, assist=("乾县水利局",)),
    ProblemTopic(("市政设施", "公共设施损坏"), "小区健身器材损坏",
        "{place}旁的健身器材多处损坏，存在安全隐患。", "已拆除损坏器材并更换新器材 6 件。", assist=("物业",)),
    ProblemTopic(("市政设施", "停车管理"), "小区周边停车难车辆乱停",
        "{place}周边车位不足，车辆乱停乱放，消防通道经常被堵。", "已施划停车位 40 个，设置禁停标志，高峰时段加强巡查。",
        lead="派出所", assist=("城管执法中队",), summons=("派出所", "城管执法中队"), meeting=Meeting.JOINT_MEETING),
    ProblemTopic(("教育文体", "文化活动"), "希望增设老年活动场所",
        "{place}附近老年人多，缺少下棋、唱戏的活动场所，希望社区协调解决。",
        "已协调闲置用房改造为老年活动室，配备桌椅和文体器材，已对居民开放。", request_type=RequestType.SUGGESTION,
        meeting=Meeting.RESIDENTS_REPRESENTATIVES),
    ProblemTopic(("教育文体", "体育健身"), "希望在空地建设健身广场",
        "{place}旁有一块闲置空地，居民希望建成健身广场。", "经居民代表会议商议，已将空地平整硬化并安装健身器材。",
        request_type=RequestType.SUGGESTION, meeting=Meeting.RESIDENTS_REPRESENTATIVES),
    ProblemTopic(("水电气暖", "供水"), "高层住户水压不足",
        "{place}高层住户用水高峰时水压不足，经常停水。", "已检修加压泵房设备，调整供水时段，高层供水恢复正常。",
        request_type=RequestType.HELP, assist=("物业",)),
    ProblemTopic(("水电气暖", "供暖"), "暖气不热",
        "{place}多户反映暖气温度不够，室内只有十几度。", "已对管网排气并调整供热参数，经回访室温已达标。",
        request_type=RequestType.HELP),
    ProblemTopic(("水电气暖", "燃气"), "楼道内有燃气味",
        "{place}楼道里有明显的燃气味，居民很担心。", "已关闭阀门排查漏点，更换老化管件，复查无泄漏。",
        request_type=RequestType.HELP, summons=("乾县住房和城乡建设局", "乾县消防救援大队"), reasons=(R.EMERGENCY,)),
    ProblemTopic(("水电气暖", "通信网络"), "小区宽带信号差",
        "{place}宽带经常断网，手机信号也弱。", "已协调运营商更换老化光缆并增设信号设备。"),
    ProblemTopic(("物业管理", "物业服务"), "楼道卫生差物业不作为",
        "{place}楼道长期无人打扫，杂物堆积，物业不管。", "物业已调整保洁排班，楼道每日清扫，杂物已清理。", lead="物业"),
    ProblemTopic(("物业管理", "电梯故障"), "电梯频繁故障困人",
        "{place}的电梯本月已多次停运，还发生过困人。", "已救出被困人员，维保单位更换控制主板，电梯经检验后恢复运行。",
        request_type=RequestType.HELP, lead="物业", assist=("市场监管所",), summons=("市场监管所",),
        reasons=(R.EMERGENCY,)),
    ProblemTopic(("物业管理", "房屋维修"), "屋面漏水需动用维修资金",
        "{place}顶层屋面漏水，业主申请使用专项维修资金维修。", "经业主表决同意，已使用维修资金完成屋面防水维修。",
        request_type=RequestType.HELP, assist=("物业",), meeting=Meeting.PARTY_MEMBERS),
    ProblemTopic(("物业管理", "物业收费"), "物业费收费标准不透明",
        "{place}物业费上涨，业主不清楚收费依据。", "已督促物业公开收费标准和收支明细，并召开业主说明会。",
        assist=("物业",)),
    ProblemTopic(("社会治安", "消防安全"), "楼道电动车飞线充电",
        "{place}楼道内有住户私拉电线给电动车充电，火灾隐患大。",
        "已联合开展整治，拆除飞线 12 处，并在小区增设集中充电桩。", assist=("派出所",),
        summons=("乾县消防救援大队", "派出所"), reasons=(R.NEEDS_ENFORCEMENT, R.MULTI_DEPARTMENT)),
    ProblemTopic(("社会治安", "交通秩序"), "学校门口上下学时段拥堵",
        "{place}附近学校门口上下学时段车辆拥堵，存在安全隐患。", "已在上下学时段安排警力疏导，并施划临时停车区。",
        lead="派出所", assist=("城管执法中队",), summons=("派出所", "城管执法中队", "乾县教育局")),
    ProblemTopic(("社会治安", "治安隐患"), "小区监控损坏夜间有可疑人员",
        "{place}的监控坏了很久，夜里常有陌生人出入。", "已加强夜间巡逻，物业修复监控 8 处。", lead="派出所",
        assist=("物业",)),
    ProblemTopic(("社会治安", "出租房屋"), "群租房人员复杂",
        "{place}有一套房屋被隔成多间出租，人员进出频繁。", "已上门核查登记租住人员，督促房东整改群租。", lead="派出所"),
    ProblemTopic(("市场监管", "食品安全"), "无证小作坊卫生差",
        "{place}附近有一家小作坊无证生产食品，卫生条件差。", "已依法查处无证作坊，责令停止生产。", lead="市场监管所",
        request_type=RequestType.REPORT),
    ProblemTopic(("市场监管", "价格收费"), "农贸市场缺斤短两",
        "{place}附近农贸市场有摊贩缺斤短两。", "已对市场电子秤进行检定，设置公平秤，查处违规摊贩 3 户。",
        lead="市场监管所"),
    ProblemTopic(("矛盾纠纷", "邻里纠纷"), "楼上漏水殃及楼下协商不成",
        "{place}楼上住户卫生间漏水殃及楼下，双方协商不成。",
        "经人民调解，双方达成协议，楼上住户已完成防水维修并赔偿损失。", request_type=RequestType.HELP, lead="司法所",
        assist=("物业",)),
    ProblemTopic(("卫生健康", "公共卫生"), "小区老鼠多希望消杀",
        "{place}老鼠较多，希望统一开展消杀。", "已组织专业机构开展病媒生物消杀，并清理卫生死角。", assist=("物业",)),
    ProblemTopic(("教育文体", "学校教育"), "孩子上学路远希望开通校车",
        "{place}的孩子上学要走很远，希望开通校车或公交专线。", "已协调开通上下学公交专线，早晚各两班。",
        request_type=RequestType.SUGGESTION, meeting=Meeting.JOINT_MEETING),
)


@dataclass(frozen=True)
class DifficultyTopic:
    """A kind of difficulty, the group it concerns and who can help: station kinds, a party member's
    skill, or the category's lead body."""

    path: tuple[str, str]
    group: str
    title: str
    description: str
    reply: str
    stations: tuple[str, ...] = ()
    skill: str = ""


DIFFICULTIES: tuple[DifficultyTopic, ...] = (
    DifficultyTopic(("社会保障", "养老服务"), T.ELDERLY, "独居老人需要助餐服务",
        "住在{place}的独居老人行动不便，做饭困难。", "已纳入社区助餐名单，每天由志愿者送餐上门。",
        (F.DAY_CARE_CENTER, F.VOLUNTEER_STATION)),
    DifficultyTopic(("社会保障", "养老服务"), T.ELDERLY, "高龄老人不会办理高龄补贴",
        "住在{place}的高龄老人不会网上申请高龄补贴。", "社区工作人员上门帮办，补贴已审核通过，按月发放。",
        (F.VOLUNTEER_STATION,)),
    DifficultyTopic(("社会保障", "养老服务"), T.ELDERLY, "空巢老人家中水管需要维修",
        "住在{place}的空巢老人家中水管老化漏水，无人帮忙。", "党员志愿者上门更换水管和龙头，已恢复正常使用。",
        (F.VOLUNTEER_STATION,), "家电维修"),
    DifficultyTopic(("社会保障", "养老服务"), T.ELDERLY, "老人不会用智能手机缴费",
        "住在{place}的老人不会用智能手机缴纳水电费和医保。", "已安排志愿者上门教学，并在老年大学开设手机使用课程。",
        (F.ELDERLY_UNIVERSITY, F.VOLUNTEER_STATION), "课业辅导"),
    DifficultyTopic(("卫生健康", "医疗服务"), T.ELDERLY, "行动不便老人需要陪同就医",
        "住在{place}的老人需要定期去医院复查，子女在外地。", "党员志愿者每月陪同老人复查，并协调家庭医生上门随访。",
        (F.VOLUNTEER_STATION,), "医疗保健"),
    DifficultyTopic(("卫生健康", "医疗保障"), T.ELDERLY, "慢性病老人办理门诊慢特病待遇",
        "住在{place}的老人患有慢性病，不清楚如何办理门诊慢特病。",
        "已协助准备材料并完成门诊慢特病认定，报销待遇已生效。"),
    DifficultyTopic(("教育文体", "未成年人关爱"), T.LEFT_BEHIND_CHILD, "留守儿童放学后无人看管",
        "住在{place}的孩子父母在外务工，放学后无人看管。", "已安排孩子到“四点半学校”参加课后托管，志愿者辅导作业。",
        (F.AFTER_SCHOOL_CENTER, F.WOMEN_CHILDREN_HOME)),
    DifficultyTopic(("教育文体", "未成年人关爱"), T.LEFT_BEHIND_CHILD, "留守儿童需要课业辅导",
        "住在{place}的留守儿童学习跟不上，爷爷奶奶辅导不了。", "党员志愿者每周两次上门辅导功课，孩子成绩有明显进步。",
        (F.AFTER_SCHOOL_CENTER,), "课业辅导"),
    DifficultyTopic(("教育文体", "未成年人关爱"), T.LEFT_BEHIND_CHILD, "留守儿童情绪低落需要心理疏导",
        "住在{place}的留守儿童近来情绪低落，不愿与人交流。", "已安排心理辅导志愿者结对帮扶，并定期与家长视频沟通。",
        (F.WOMEN_CHILDREN_HOME,), "心理疏导"),
    DifficultyTopic(("社会保障", "就业创业"), T.NEW_RESIDENT, "新迁入居民求职需要就业指导",
        "刚搬到{place}的居民想在本地找工作，不了解招聘渠道。", "已推荐 3 个岗位并安排参加技能培训，本人已入职。",
        (F.LABOUR_STATION,)),
    DifficultyTopic(("社会保障", "社会保险"), T.NEW_RESIDENT, "新迁入居民办理社保关系转移",
        "刚搬到{place}的居民需要把外地社保关系转入本县。", "已指导办理社保关系转移接续，手续已办结。",
        (F.LABOUR_STATION,)),
    DifficultyTopic(("教育文体", "学校教育"), T.NEW_RESIDENT, "新迁入居民子女入学",
        "刚搬到{place}的居民孩子需要就近入学，不清楚办理流程。", "已协调教育部门按片区安排入学，孩子已正常上课。"),
    DifficultyTopic(("社会保障", "社会救助"), T.HARDSHIP_FAMILY, "家人重病生活困难申请临时救助",
        "住在{place}的一户家庭主要劳动力重病，生活陷入困难。", "已办理临时救助，并纳入低保边缘家庭动态监测。"),
    DifficultyTopic(("社会保障", "社会救助"), T.HARDSHIP_FAMILY, "低保家庭冬季取暖困难",
        "住在{place}的低保家庭冬季取暖费用负担重。", "已发放取暖补助，志愿者送去棉被和米面油。",
        (F.VOLUNTEER_STATION,)),
    DifficultyTopic(("社会保障", "劳动纠纷"), T.HARDSHIP_FAMILY, "务工人员被拖欠工资",
        "住在{place}的务工人员被拖欠工资半年，讨要无果。", "经劳动保障监察和法律援助，拖欠工资已全部追回。",
        (F.LABOUR_STATION, F.LEGAL_STATION)),
    DifficultyTopic(("社会保障", "残疾人服务"), T.DISABLED, "残疾人申请辅助器具",
        "住在{place}的肢体残疾居民需要轮椅和助行器。", "已完成评估并免费适配轮椅一辆。"),
    DifficultyTopic(("社会保障", "残疾人服务"), T.DISABLED, "残疾人家庭需要无障碍改造",
        "住在{place}的残疾人家中卫生间和门口台阶需要无障碍改造。", "已完成卫生间扶手安装和门口坡道改造。",
        (F.VOLUNTEER_STATION,), "家电维修"),
    DifficultyTopic(("矛盾纠纷", "法律援助"), T.ELDERLY, "老人赡养纠纷需要法律帮助",
        "住在{place}的老人与子女因赡养问题发生纠纷，需要法律帮助。",
        "经法律服务站调解，子女签订赡养协议并按月支付赡养费。", (F.LEGAL_STATION,), "法律咨询"),
)

# Titles of each channel's problems that reach a case without the window (the topic supplies the rest).
MEETINGS = [Meeting.JOINT_MEETING, Meeting.RESIDENTS_REPRESENTATIVES, Meeting.PARTY_MEMBERS]
REJECT_REASONS = [
    "经核实，所反映事项属于私人民事纠纷，已告知通过人民调解或诉讼途径解决。",
    "所反映地点不在本社区辖区，已告知向所在社区反映。",
    "所提诉求缺乏政策依据，已向反映人做好解释工作。",
]
RETURN_REASONS = ["经核实，该事项不属于本单位职责范围，请重新派遣。", "该事项应由属地相关部门办理，本单位无执法权限。"]
EXTENSION_REASONS = ["涉及多户协调，需要更多时间。", "需采购材料并安排施工，申请延期办理。", "需等待业主表决结果。"]
RATING_COMMENTS = {
    RatingResult.SATISFIED: ["处理及时，非常满意。", "问题解决了，谢谢社区和部门。", "", "", "工作人员态度很好。"],
    RatingResult.BASICALLY_SATISFIED: ["基本解决，希望以后多巡查。", "处理有点慢，但结果还可以。", ""],
    RatingResult.UNSATISFIED: ["问题没有彻底解决，又出现了。", "只是应付了事，希望认真处理。"],
}


# --------------------------------------------------------------------------------------------------
# The plan: which stories are told, decided once with a fixed seed
# --------------------------------------------------------------------------------------------------


class End:
    """Where a story stops."""

    RECEIVED, REGISTERED, DISPATCHED, IN_PROGRESS = "received", "registered", "dispatched", "in_progress"
    OVERDUE, REPLIED, VERIFIED, ESCALATED = "overdue", "replied", "verified", "escalated"
    ESCALATED_AGAIN, REJECTED, CLOSED, RATED = "escalated_again", "rejected", "closed", "rated"


SOLVED_ENDS = (End.CLOSED, End.RATED)
# Open stories that began days ago, not months: their deadlines still lie ahead (or just passed).
RECENT_ENDS = (End.RECEIVED, End.REGISTERED, End.DISPATCHED, End.IN_PROGRESS, End.REPLIED, End.VERIFIED)


@dataclass
class Story:
    """One case from intake to where it stops, with the side paths it takes on the way."""

    key: str
    kind: str
    channel: str
    community: int  # index into the county's communities (by code); a window's community for window stories
    end: str
    window: int | None = None  # index into the county's 民意征求窗口 (by community code, then name)
    duplicate: bool = False
    returned: bool = False
    arbitrated: bool = False
    assist: bool = False
    assist_returns: bool = False
    extension: str = ""
    whistle: bool = False
    verify_rework: bool = False
    unsatisfied: bool = False
    escalate: bool = False
    late_accept: bool = False
    late_reply: bool = False
    staff_rating: bool = False
    resident: bool = False

    @property
    def keys(self) -> list[str]:
        return [self.key, f"{self.key}-dup"] if self.duplicate else [self.key]


def _ends(counts: dict[str, int], total: int, rest: str) -> list[str]:
    ends = [end for end, count in counts.items() for _ in range(count)]
    return ends + [rest] * (total - len(ends))


def _side_paths(story: Story, rng: random.Random) -> None:
    problem = story.kind == Kind.PROBLEM
    handled = story.end in SOLVED_ENDS
    story.assist = rng.random() < (0.3 if problem else 0.15)
    story.late_accept = rng.random() < 0.1
    if story.end in (*SOLVED_ENDS, End.OVERDUE, End.IN_PROGRESS, End.DISPATCHED, End.ESCALATED):
        story.returned = rng.random() < (0.07 if problem else 0.03)
        story.arbitrated = story.returned and rng.random() < 0.3
        story.whistle = problem and rng.random() < 0.12
    if story.end in (*SOLVED_ENDS, End.OVERDUE):
        roll = rng.random()
        story.extension = "granted" if roll < 0.05 else "refused" if roll < 0.07 else ""
    if handled:
        story.assist_returns = story.assist and rng.random() < 0.1
        story.late_reply = rng.random() < 0.08
        story.verify_rework = rng.random() < 0.03
        story.unsatisfied = rng.random() < 0.06
        story.escalate = rng.random() < (0.03 if problem else 0.01)
        story.staff_rating = rng.random() < 0.25


def plan_stories(*, windows: int = 8, communities: int = 8) -> list[Story]:
    """Every story of the demo, in the order they are written, for a county with that many windows and
    communities (the places are looked up when the stories are written, so the keys need no database)."""
    rng = random.Random(f"{SEED}:case-plan")
    survivors = WINDOW_PROBLEMS - WINDOW_DUPLICATES
    ends = _ends({End.REJECTED: 8, End.RECEIVED: 2, End.REGISTERED: 2, End.DISPATCHED: 3, End.IN_PROGRESS: 4,
                  End.OVERDUE: 7, End.REPLIED: 3, End.VERIFIED: 1, End.ESCALATED: 2, End.CLOSED: 30},
                 survivors, End.RATED)
    rng.shuffle(ends)
    window_stories = []
    for n, end in enumerate(ends, start=1):
        story = Story(f"{KEY_PREFIX}-P-{n:04d}", Kind.PROBLEM, Channel.OPINION_WINDOW, -1, end,
                      window=(n - 1) % windows)
        _side_paths(story, rng)
        window_stories.append(story)
    for story in rng.sample([s for s in window_stories if s.end == End.RATED], WINDOW_DUPLICATES):
        story.duplicate = True
    for story in [s for s in window_stories if s.end == End.OVERDUE][:3]:
        story.whistle = True  # the whistle board has departments still to report in

    unsolved = {End.REJECTED: 2, End.RECEIVED: 3, End.REGISTERED: 3, End.DISPATCHED: 4, End.IN_PROGRESS: 6,
                End.OVERDUE: 8, End.REPLIED: 4, End.VERIFIED: 2, End.ESCALATED: 3, End.ESCALATED_AGAIN: 1}
    # Of the solved, some are closed and not rated (yet): they count as solved too.
    ends = _ends({**unsolved, End.CLOSED: 90}, SOLVED_DIFFICULTIES + sum(unsolved.values()), End.RATED)
    rng.shuffle(ends)
    difficulty_stories = []
    for n, end in enumerate(ends, start=1):
        community = rng.randrange(communities)
        channel = rng.choices([Channel.SERVICE_HALL, Channel.GRID_PATROL, Channel.PHONE, Channel.WEB, Channel.MEETING],
                              weights=[40, 25, 18, 12, 5])[0]
        story = Story(f"{KEY_PREFIX}-D-{n:04d}", Kind.DIFFICULTY, channel, community, end)
        _side_paths(story, rng)
        difficulty_stories.append(story)
    for story in rng.sample([s for s in difficulty_stories if s.end == End.RATED], 2):
        story.duplicate = True

    ends = _ends({End.RECEIVED: 2, End.DISPATCHED: 2, End.IN_PROGRESS: 3, End.OVERDUE: 3, End.CLOSED: 6},
                 OTHER_PROBLEMS, End.RATED)
    rng.shuffle(ends)
    other_stories = []
    for n, end in enumerate(ends, start=1):
        community = rng.randrange(communities)
        channel = rng.choices([Channel.GRID_PATROL, Channel.WEB, Channel.PHONE, Channel.SERVICE_HALL, Channel.MEETING],
                              weights=[32, 24, 20, 12, 12])[0]
        story = Story(f"{KEY_PREFIX}-O-{n:04d}", Kind.PROBLEM, channel, community, end)
        _side_paths(story, rng)
        other_stories.append(story)

    # The demo resident's own cases in her community (the first): two at its window, two on the web.
    for story in [s for s in window_stories if s.window == 0 and s.end == End.RATED and not s.duplicate][:2]:
        story.resident, story.staff_rating = True, False
    for story in [s for s in other_stories if s.community == 0][:2]:
        story.channel, story.resident, story.staff_rating = Channel.WEB, True, False

    collected = sum(len(s.keys) for s in window_stories)
    solved = sum(1 for s in difficulty_stories if s.end in SOLVED_ENDS)
    if (collected, solved) != (WINDOW_PROBLEMS, SOLVED_DIFFICULTIES):
        raise ValueError(f"the plan gives {collected} window problems and {solved} solved difficulties")
    return window_stories + difficulty_stories + other_stories


# --------------------------------------------------------------------------------------------------
# Time
# --------------------------------------------------------------------------------------------------


class DemoClock:
    """Stands in for `django.utils.timezone.now` while the demo writes its past (see the module docstring)."""

    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment

    def now(self) -> dt.datetime:
        return self.moment

    @contextlib.contextmanager
    def installed(self) -> Iterator[DemoClock]:
        """Make `timezone.now()` answer this clock's moment until the block ends."""
        original = timezone.now
        timezone.now = self.now
        try:
            yield self
        finally:
            timezone.now = original


class Timeline:
    """The moments of one story: always forward, never later than `limit`, in office hours where asked."""

    def __init__(self, start: dt.datetime, *, limit: dt.datetime, calendar: WorkingCalendar, rng: random.Random,
                 zone: ZoneInfo) -> None:
        self.moment = min(start, limit)
        self.limit, self.calendar, self.rng, self.zone = limit, calendar, rng, zone

    def office(self, moment: dt.datetime) -> dt.datetime:
        """`moment`, or the next moment the community's offices are open (a working day, 8:30-12:00, 14:30-18:00)."""
        local = moment.astimezone(self.zone)
        minutes = dt.timedelta(minutes=self.rng.randint(0, 50))
        while True:
            day, time = local.date(), local.time()
            if self.calendar.is_working_day(day):
                if time < OFFICE_OPENS:
                    local = dt.datetime.combine(day, OFFICE_OPENS, tzinfo=self.zone) + minutes
                elif LUNCH_STARTS <= time < LUNCH_ENDS:
                    local = dt.datetime.combine(day, LUNCH_ENDS, tzinfo=self.zone) + minutes
                if local.time() < OFFICE_CLOSES:
                    return local.astimezone(dt.UTC)
            local = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=self.zone)

    def go(self, moment: dt.datetime) -> dt.datetime:
        """Move to `moment` (a few minutes on when it is not later than now; held before `limit`)."""
        if moment <= self.moment:
            moment = self.moment + dt.timedelta(minutes=self.rng.randint(2, 9))
        if moment > self.limit:
            moment = max(self.limit, self.moment + dt.timedelta(seconds=1))
        self.moment = moment
        return moment

    def opened(self, moment: dt.datetime) -> dt.datetime:
        """`moment` moved into office hours, unless that would pass `limit` (a story close to now)."""
        opened = self.office(moment)
        return opened if opened <= self.limit else moment

    def after(self, low_hours: float, high_hours: float, *, office: bool = True) -> dt.datetime:
        """Some hours later, then (by default) into office hours."""
        moment = self.moment + dt.timedelta(hours=self.rng.uniform(low_hours, high_hours))
        return self.go(self.opened(moment) if office else moment)

    def within(self, due: dt.datetime, *, office: bool = True, low: float = 0.15, high: float = 0.8) -> dt.datetime:
        """A moment before `due`: a share of the time left, in office hours when that still meets `due`."""
        if due <= self.moment:
            return self.go(self.moment)
        moment = self.moment + (due - self.moment) * self.rng.uniform(low, high)
        if office and self.opened(moment) < due:
            moment = self.opened(moment)
        return self.go(moment)

    def late(self, due: dt.datetime, low_hours: float, high_hours: float, *, office: bool = True) -> dt.datetime:
        """Some hours after `due` (a missed deadline)."""
        moment = max(self.moment, due) + dt.timedelta(hours=self.rng.uniform(low_hours, high_hours))
        return self.go(self.opened(moment) if office else moment)


# --------------------------------------------------------------------------------------------------
# Writing the stories
# --------------------------------------------------------------------------------------------------


BUILDING_NUMBER = re.compile(r"\d+号楼$")
AGENCY_SUFFIXES = ("派出所", "城管执法中队", "市场监管所", "司法所")
URGENCY_DAYS = {"emergency": 2, "utility": 4, "general": 16, "complex": 30}


@dataclass
class Place:
    community: Region
    region: Region
    compound: str
    text: str


@dataclass
class Loader:
    """Writes the stories of the plan that are not in the database yet."""

    now: dt.datetime
    created: Counter = field(default_factory=Counter)

    # ---- what exists, read once ---------------------------------------------------------------
    def prepare(self) -> None:
        regions = list(Region.objects.active().order_by("code"))
        self.by_pk = {r.pk: r for r in regions}
        self.streets = {r.pk: r for r in regions if r.level == Level.STREET}
        self.grids: dict[int, list[Region]] = defaultdict(list)
        self.buildings: dict[int, list[Region]] = defaultdict(list)
        for region in regions:
            if region.level == Level.GRID:
                self.grids[region.parent_id].append(region)
            elif region.level == Level.BUILDING:
                self.buildings[region.parent_id].append(region)
        self.compound_of = {grid_pk: BUILDING_NUMBER.sub("", buildings[0].name)
                            for grid_pk, buildings in self.buildings.items()}
        orgs = list(Organisation.objects.active().filter(kind__in=(
            Organisation.Kind.DEPARTMENT, Organisation.Kind.DISPATCHED_AGENCY, Organisation.Kind.PROPERTY_COMPANY,
        )))
        self.departments = {o.name: o for o in orgs if o.kind == Organisation.Kind.DEPARTMENT}
        self.agencies = {
            (o.region_id, suffix): o for o in orgs if o.kind == Organisation.Kind.DISPATCHED_AGENCY
            for suffix in AGENCY_SUFFIXES if o.name.endswith(suffix)
        }
        self.property_of: dict[str, Organisation] = {}
        for company in (o for o in orgs if o.kind == Organisation.Kind.PROPERTY_COMPANY):
            compound = company.address.removeprefix(self.by_pk[company.region_id].name).removesuffix("物业服务中心")
            self.property_of[compound] = company
        self.facilities: dict[int, dict[str, list[Facility]]] = defaultdict(lambda: defaultdict(list))
        self.windows: list[tuple[Facility, Region]] = []
        for facility in Facility.objects.active().select_related("region").order_by("region__code", "name"):
            community = self.community_of(self.by_pk[facility.region_id])
            self.facilities[community.pk][facility.kind].append(facility)
            if facility.kind == F.OPINION_WINDOW:
                self.windows.append((facility, community))
        self.community_list = [r for r in regions if r.level == Level.COMMUNITY]
        self.members: dict[int, list[PartyMember]] = defaultdict(list)
        for member in PartyMember.objects.active().filter(registered_community__isnull=False).select_related(
            "person", "registered_community"
        ).order_by("id"):
            self.members[member.registered_community_id].append(member)
        users = User.objects.filter(is_active=True).select_related("region", "organisation", "person")
        self.users = {u.username: u for u in users}
        self.handlers = {u.organisation_id: u for u in sorted(users, key=lambda u: u.pk)
                         if u.role == Role.DEPARTMENT_HANDLER and u.organisation_id}
        self.member_users = {u.person_id: u for u in users if u.role == Role.PARTY_MEMBER and u.person_id}
        self.password_hash: str | None = None
        self.categories: dict[tuple[str, str], Category] = {}
        self.urgencies: dict[int, UrgencyLevel] = {}
        self.calendar = WorkingCalendar(self.now.year - 1, self.now.year + 1)
        self.zone = ZoneInfo(settings.TIME_ZONE)

    def community_of(self, region: Region) -> Region:
        while region.level not in (Level.COMMUNITY, Level.STREET, Level.COUNTY):
            region = self.by_pk[region.parent_id]
        return region

    # ---- accounts ------------------------------------------------------------------------------
    def user(self, username: str, full_name: str, **values: Any) -> User:
        """The demo account `username`, created with the demo password if missing."""
        if username not in self.users:
            if self.password_hash is None:
                self.password_hash = make_password(DEMO_PASSWORD)
            user = User(username=username, first_name=full_name, password=self.password_hash,
                        must_change_password=False, **values)
            user.full_clean(exclude=["password"])
            user.save()
            audit.record(actor=None, action=AuditEvent.Action.CREATE, target=user,
                         changes={"username": [None, username], "role": [None, user.role]})
            self.users[username] = user
            self.created["user"] += 1
        return self.users[username]

    def staff_of(self, community: Region) -> User:
        """The social worker of `community`: `community` for the first, `community2` … for the others."""
        ordinal = self.community_list.index(community) + 1
        username = "community" if ordinal == 1 else f"community{ordinal}"
        return self.user(username, f"{community.name} 社工", role=Role.COMMUNITY_STAFF, region=community)

    def street_staff_of(self, community: Region) -> User:
        street = self.by_pk[community.parent_id]
        ordinal = sorted(self.streets).index(street.pk) + 1
        username = "street" if ordinal == 1 else f"street{ordinal}"
        return self.user(username, f"{street.name} 工作人员", role=Role.STREET_STAFF, region=street)

    def handler_of(self, organisation: Organisation) -> User:
        if organisation.pk not in self.handlers:
            self.handlers[organisation.pk] = self.user(
                f"handler{organisation.pk}", f"{organisation.name} 经办人", role=Role.DEPARTMENT_HANDLER,
                organisation=organisation,
            )
        return self.handlers[organisation.pk]

    def acting_for(self, assignment: Assignment, staff: User) -> User:
        """Who records an assignment's steps: the body's handler, the helper in person, or the community's staff."""
        if assignment.organisation_id:
            return self.handler_of(assignment.organisation)
        if assignment.party_member_id:
            return self.member_users.get(assignment.party_member.person_id, staff)
        return staff

    # ---- places, bodies and categories ---------------------------------------------------------
    def category(self, path: tuple[str, str]) -> tuple[Category, UrgencyLevel]:
        if path not in self.categories:
            category = category_by_path(*path)
            if category is None:
                raise LookupError(f"默认分类“{'/'.join(path)}”不存在")
            self.categories[path] = category
            self.urgencies[category.pk] = urgency_for(category)
        category = self.categories[path]
        return category, self.urgencies[category.pk]

    def place(self, community: Region, rng: random.Random, *, grid: Region | None = None) -> Place:
        grid = grid or rng.choice(self.grids[community.pk])
        compound = self.compound_of.get(grid.pk, grid.name)
        if rng.random() < 0.55 and self.buildings[grid.pk]:
            building = rng.choice(self.buildings[grid.pk])
            return Place(community, building, compound, building.name)
        return Place(community, grid, compound, compound)

    def body(self, key: str, place: Place, category: Category) -> Organisation | None:
        """The organisation a topic's body key names for a case at `place`."""
        if key == "":
            return departments_for(category).lead
        if key in AGENCY_SUFFIXES:
            return self.agencies.get((place.community.parent_id, key))
        if key == "物业":
            return self.property_of.get(place.compound) or departments_for(category).lead
        return self.departments.get(key)

    # ---- the run ----------------------------------------------------------------------------------
    def run(self, stories: list[Story]) -> None:
        clock = DemoClock(self.now)
        limit = self.now - SAFETY_MARGIN
        with clock.installed():
            for story in stories:
                rng = random.Random(f"{SEED}:case:{story.key}")
                StoryWriter(self, story, rng, clock, limit).write()
                self.created["case"] += len(story.keys)


class StoryWriter:
    """Writes one story through the services, setting the clock before each step."""

    def __init__(self, loader: Loader, story: Story, rng: random.Random, clock: DemoClock,
                 limit: dt.datetime) -> None:
        self.loader, self.story, self.rng, self.clock, self.limit = loader, story, rng, clock, limit
        self.case: Case | None = None
        self.summons_ids: list[int] = []

    # ---- helpers -----------------------------------------------------------------------------------
    def act(self, service: Callable[..., Case], *, actor: User | None, **values: Any) -> Case:
        """Take one step on the case at the timeline's moment."""
        self.clock.moment = self.timeline.moment
        self.case = service(case=self.case, actor=actor, expected_version=self.case.version, **values)
        return self.case

    def person(self, key: str) -> tuple[str, str]:
        rng = random.Random(f"{SEED}:case-contact:{key}")
        chars = rng.choice([MALE_CHARS, FEMALE_CHARS])
        name = rng.choice(SURNAMES) + "".join(rng.choice(chars) for _ in range(rng.choice([1, 2, 2])))
        return name, rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"

    def start(self, budget_days: float) -> dt.datetime:
        """When the story begins: anywhere in the year for a story that runs its course, lately for one still open."""
        end, rng = self.story.end, self.rng
        if end in (End.RECEIVED, End.REGISTERED):
            ago = dt.timedelta(hours=rng.uniform(1, 8))
        elif end == End.DISPATCHED:
            ago = dt.timedelta(hours=rng.uniform(3, 40))
        elif end == End.IN_PROGRESS:
            ago = dt.timedelta(days=rng.uniform(1, 3))
        elif end in (End.REPLIED, End.VERIFIED):
            ago = dt.timedelta(days=rng.uniform(5, 9))
        elif end == End.OVERDUE:
            ago = dt.timedelta(days=rng.uniform(22, 70))
        elif end == End.ESCALATED:
            ago = dt.timedelta(days=rng.uniform(12, 40))
        else:
            ago = dt.timedelta(days=rng.uniform(min(budget_days, 330), 360))
        moment = self.limit - ago
        if end in RECENT_ENDS:
            # Started in office hours before now: step back to the last opening if it falls outside.
            local = moment.astimezone(self.loader.zone)
            while not (self.loader.calendar.is_working_day(local.date()) and (
                OFFICE_OPENS <= local.time() < LUNCH_STARTS or LUNCH_ENDS <= local.time() < OFFICE_CLOSES
            )):
                local -= dt.timedelta(minutes=30)
            moment = local.astimezone(dt.UTC)
        return moment

    def budget(self, urgency: UrgencyLevel) -> float:
        story = self.story
        days = URGENCY_DAYS.get(urgency.code, 16) + 8
        days += 14 * bool(story.extension) + 12 * (story.verify_rework + story.unsatisfied) + 16 * story.escalate
        days += 6 * story.returned + 6 * story.late_reply + 3 * story.late_accept
        return days + (30 if story.end == End.ESCALATED_AGAIN else 0)

    # ---- the story -------------------------------------------------------------------------------
    def write(self) -> None:
        story, rng, loader = self.story, self.rng, self.loader
        window = None
        if story.window is not None:
            window, community = loader.windows[story.window % len(loader.windows)]
        else:
            community = loader.community_list[story.community % len(loader.community_list)]
        self.window_name = window.name if window is not None else ""
        staff = loader.staff_of(community)
        grid_worker = loader.users.get("grid")
        grid = None
        if story.channel == Channel.GRID_PATROL and grid_worker and grid_worker.region.parent_id == community.pk:
            grid = grid_worker.region
        if story.kind == Kind.PROBLEM:
            topic: ProblemTopic | DifficultyTopic = self.pick(PROBLEMS)
        else:
            topic = self.pick(DIFFICULTIES)
        category, urgency = loader.category(topic.path)
        place = loader.place(community, rng, grid=grid)
        self.office = urgency.code not in ("emergency", "utility")
        self.timeline = Timeline(self.start(self.budget(urgency)), limit=self.limit, calendar=loader.calendar,
                                 rng=rng, zone=loader.zone)
        tl = self.timeline
        if story.channel != Channel.WEB and self.office:
            tl.go(tl.opened(tl.moment))

        intake = staff
        if story.channel == Channel.GRID_PATROL and grid is not None:
            intake = grid_worker
        resident = loader.users.get("resident") if story.resident else None
        if resident is not None and story.channel == Channel.WEB:
            intake = resident
        elif story.channel == Channel.WEB:
            intake = None
        self.case = self.submit(story.key, topic, place, intake, resident)
        if story.end == End.RECEIVED:
            return
        tl.after(0.2, 3, office=self.office)
        if story.end == End.REJECTED:
            self.act(services.case_reject, actor=staff, reason=rng.choice(REJECT_REASONS))
            return
        self.act(services.case_classify, actor=staff, category=category)
        if story.end == End.REGISTERED:
            return

        lead, assist = self.bodies(topic, place, category, community)
        tl.after(0.1, 1.5, office=self.office)
        if story.returned:
            self.returned(lead, place, category, staff, community)
        else:
            self.act(services.case_dispatch, actor=staff, assignees=[lead, *assist])
        if story.duplicate:
            self.merge_duplicate(topic, place, staff)
        if story.whistle:
            self.whistle(topic, place, category, staff)
        if story.end == End.DISPATCHED:
            return

        self.accept_all(staff)
        if story.escalate or story.end == End.ESCALATED:
            tl.after(24, 96)
            meeting = getattr(topic, "meeting", "") or rng.choice(MEETINGS)
            self.act(services.case_escalate, actor=staff, meeting=meeting,
                     note="涉及多个单位和居民切身利益，提交会议研究。")
            if story.end == End.ESCALATED:
                return
            tl.after(72, 240)
            self.act(services.case_resume, actor=staff, decision="continue",
                     note="会议研究确定解决方案，由原承办单位继续办理。")
            self.accept_all(staff)
        if story.extension:
            self.extend(staff)
        if story.end in (End.IN_PROGRESS, End.OVERDUE):
            return

        self.reply_all(topic, staff)
        if story.end == End.REPLIED:
            return
        if story.verify_rework:
            tl.after(2, 30)
            self.act(services.case_rework, actor=staff, reason="现场核查发现问题未彻底解决，请继续处理。")
            self.reply_lead(topic, staff, again=True)
        tl.after(2, 30)
        self.act(services.case_verify, actor=staff, note="已到现场核查，情况属实。")
        if story.end == End.VERIFIED:
            return
        tl.after(0.5, 20)
        self.act(services.case_close, actor=staff)
        if story.unsatisfied or story.end == End.ESCALATED_AGAIN:
            self.rate(RatingResult.UNSATISFIED, staff)
            self.reply_lead(topic, staff, again=True)
            tl.after(2, 30)
            self.act(services.case_verify, actor=staff, note="再次核查，已整改到位。")
            tl.after(0.5, 20)
            self.act(services.case_close, actor=staff)
            if story.end == End.ESCALATED_AGAIN:
                self.rate(RatingResult.UNSATISFIED, staff)
                return
        if story.end == End.RATED:
            result = RatingResult.SATISFIED if rng.random() < 0.78 else RatingResult.BASICALLY_SATISFIED
            self.rate(result, staff)
        self.score(staff)

    def pick(self, topics: tuple):
        """A topic; an open story that must not be overdue yet avoids the hours-long urgencies."""
        for _ in range(20):
            topic = self.rng.choice(topics)
            if self.story.end not in RECENT_ENDS:
                return topic
            _, urgency = self.loader.category(topic.path)
            if urgency.code not in ("emergency", "utility"):
                return topic
        return topic

    def submit(self, key: str, topic, place: Place, intake: User | None, resident: User | None) -> Case:
        story = self.story
        if resident is not None:
            name, phone = resident.person.name, resident.person.phone
        else:
            name, phone = self.person(key)
        description = topic.description.format(place=place.text)
        if self.window_name:
            description += f"（{self.window_name}收集）"
        self.clock.moment = self.timeline.moment
        case, created = services.case_submit(
            actor=intake, channel=story.channel, kind=story.kind, title=topic.title, description=description,
            region=place.region, request_type=getattr(topic, "request_type", RequestType.HELP),
            address=f"{place.community.name}{place.text}", contact_name=name, contact_phone=phone,
            public_anonymous=self.rng.random() < 0.2, target_group=getattr(topic, "group", ""),
            reporter_user=resident if resident is not None and intake != resident else None, idempotency_key=key,
        )
        return case

    def bodies(self, topic, place: Place, category: Category, community: Region
               ) -> tuple[AssigneeSpec, list[AssigneeSpec]]:
        """The lead and the assisting bodies of the story."""
        loader, rng, story = self.loader, self.rng, self.story
        members = loader.members.get(community.pk, [])
        if isinstance(topic, ProblemTopic):
            lead_org = loader.body(topic.lead, place, category) or departments_for(category).lead
            lead = AssigneeSpec(organisation=lead_org)
            assist: list[AssigneeSpec] = []
            if story.assist:
                keys = list(topic.assist) or [""]
                org = loader.body(rng.choice(keys), place, category) if topic.assist else None
                if org is None:
                    org = next(iter(departments_for(category).assisting), None)
                if org is not None and org.pk != lead_org.pk:
                    assist.append(AssigneeSpec(organisation=org, role=AssignmentRole.ASSIST))
            return lead, assist
        stations = [f for kind in topic.stations for f in loader.facilities[community.pk].get(kind, [])]
        skilled = [m for m in members if topic.skill and topic.skill in m.skills]
        roll = rng.random()
        if skilled and roll < 0.25:
            lead = AssigneeSpec(party_member=rng.choice(skilled))
        elif stations and roll < 0.75:
            lead = AssigneeSpec(facility=stations[0])
        else:
            lead = AssigneeSpec(organisation=departments_for(category).lead)
        assist = []
        if story.assist and members and lead.party_member is None:
            helper = rng.choice(skilled or members)
            assist.append(AssigneeSpec(party_member=helper, role=AssignmentRole.ASSIST))
        return lead, assist

    def lead_assignment(self) -> Assignment:
        return (self.case.assignments.filter(role=AssignmentRole.LEAD, status__in=Assignment.LIVE)
                .select_related("organisation", "party_member").get())

    def returned(self, lead: AssigneeSpec, place: Place, category: Category, staff: User,
                 community: Region) -> None:
        """Dispatched first to the wrong body, which returns it; then the community (or the street) puts it right."""
        loader, rng, tl = self.loader, self.rng, self.timeline
        candidates = [loader.agencies.get((community.parent_id, suffix)) for suffix in AGENCY_SUFFIXES]
        candidates += [loader.departments.get(name) for name in ("乾县住房和城乡建设局", "乾县民政局")]
        wrong = [org for org in candidates if org is not None and org != lead.organisation]
        self.act(services.case_dispatch, actor=staff, assignees=[AssigneeSpec(organisation=rng.choice(wrong))])
        first = self.lead_assignment()
        tl.within(first.report_in_due, office=self.office, high=0.6)
        self.act(services.case_return, actor=loader.handler_of(first.organisation), assignment=first,
                 reason=rng.choice(RETURN_REASONS))
        if self.story.arbitrated and lead.organisation is not None:
            tl.after(4, 30)
            self.act(services.case_arbitrate, actor=loader.street_staff_of(community), assignment=first,
                     organisation=lead.organisation, note=f"经街道协调，由{lead.organisation.name}主办。")
        else:
            tl.after(0.5, 6, office=self.office)
            self.act(services.case_dispatch, actor=staff, assignees=[lead], note="根据退回意见重新派遣。")

    def merge_duplicate(self, topic, place: Place, staff: User) -> None:
        """Another resident raises the same problem; the community merges it into this case."""
        tl, survivor = self.timeline, self.case
        tl.after(2, 48, office=True)
        duplicate = self.submit(f"{self.story.key}-dup", topic, place, staff, None)
        tl.after(0.3, 3, office=True)
        self.clock.moment = tl.moment
        services.case_merge(case=duplicate, actor=staff, expected_version=duplicate.version, survivor=survivor,
                            note="与已受理事项反映的是同一问题，合并办理。")
        self.case = Case.objects.get(pk=survivor.pk)

    def whistle(self, topic, place: Place, category: Category, staff: User) -> None:
        """社区吹哨: summon the topic's departments; each reports in, mostly on time."""
        loader, rng, tl = self.loader, self.rng, self.timeline
        keys = getattr(topic, "summons", ()) or ("",)
        orgs = list({org.pk: org for key in keys if (org := loader.body(key, place, category))}.values())
        reasons = list(getattr(topic, "reasons", ())) or [R.MULTI_DEPARTMENT]
        tl.after(0.2, 4, office=self.office)
        self.act(services.case_whistle, actor=staff, reasons=reasons, organisations=orgs,
                 note="事项涉及多个部门，社区吹哨召集相关部门到场。")
        whistle = self.case.whistles.order_by("-id").first()
        summons = list(whistle.summons.select_related("organisation").order_by("id"))
        self.summons_ids = [s.pk for s in summons]
        if self.story.end not in SOLVED_ENDS:
            summons = summons[:-1]  # the last has not reported in yet: the whistle board shows it
        for item in summons:
            if rng.random() < 0.85:
                tl.within(item.report_in_due, office=False, low=0.2, high=0.9)
            else:
                tl.late(item.report_in_due, 1, 6, office=False)
            self.act(services.case_report_in, actor=loader.handler_of(item.organisation), summons=item,
                     note="已到现场报到。")

    def accept_all(self, staff: User) -> None:
        """The lead reports in (late now and then); an assisting body mostly does too, or returns it."""
        rng, tl = self.rng, self.timeline
        lead = self.lead_assignment()
        if self.story.late_accept:
            tl.late(lead.report_in_due, 2, 30, office=self.office)
        else:
            tl.within(lead.report_in_due, office=self.office)
        self.act(services.case_accept, actor=self.loader.acting_for(lead, staff), assignment=lead)
        for assist in self.case.assignments.filter(role=AssignmentRole.ASSIST, status=Assignment.Status.PENDING
                                                   ).select_related("organisation", "party_member"):
            if self.story.assist_returns:
                tl.within(assist.report_in_due, office=self.office)
                self.act(services.case_return, actor=self.loader.acting_for(assist, staff), assignment=assist,
                         reason="本单位在该事项中无相关职责，请主办单位牵头办理。")
            elif rng.random() < 0.7:
                if assist.report_in_due > tl.moment:
                    tl.within(assist.report_in_due, office=self.office)
                else:
                    tl.after(0.5, 4, office=self.office)
                self.act(services.case_accept, actor=self.loader.acting_for(assist, staff), assignment=assist)

    def extend(self, staff: User) -> None:
        """The lead asks for more time; the community grants or refuses it."""
        rng, tl = self.rng, self.timeline
        lead = self.lead_assignment()
        tl.within(lead.finish_due, office=self.office, low=0.4, high=0.8)
        requested = max(lead.finish_due, tl.moment) + dt.timedelta(days=rng.randint(5, 10))
        self.act(services.case_request_extension, actor=self.loader.acting_for(lead, staff), assignment=lead,
                 requested_due=requested, reason=rng.choice(EXTENSION_REASONS))
        extension = lead.extensions.order_by("-id").first()
        tl.after(1, 20)
        if self.story.extension == "granted":
            self.act(services.case_grant_extension, actor=staff, extension=extension, note="同意延期，请按期办结。")
        else:
            self.act(services.case_refuse_extension, actor=staff, extension=extension,
                     reason="群众反映强烈，请按原期限办结。")

    def reply_all(self, topic, staff: User) -> None:
        for assist in self.case.assignments.filter(role=AssignmentRole.ASSIST, status=Assignment.Status.ACCEPTED
                                                   ).select_related("organisation", "party_member"):
            if self.rng.random() < 0.6:
                self.timeline.within(assist.finish_due, office=self.office, low=0.2, high=0.7)
                self.act(services.case_reply, actor=self.loader.acting_for(assist, staff), assignment=assist,
                         reply="已配合主办单位完成相关工作。")
        self.reply_lead(topic, staff)

    def reply_lead(self, topic, staff: User, *, again: bool = False) -> None:
        lead = self.lead_assignment()
        tl = self.timeline
        if self.story.late_reply and not again:
            tl.late(lead.finish_due, 6, 120, office=self.office)
        else:
            tl.within(lead.finish_due, office=self.office, low=0.25 if not again else 0.1, high=0.85)
        reply = topic.reply if not again else f"已重新处理：{topic.reply}"
        self.act(services.case_reply, actor=self.loader.acting_for(lead, staff), assignment=lead, reply=reply)

    def rate(self, result: str, staff: User) -> None:
        """The resident rates by the tracking code (or her account); sometimes staff record it on a return call."""
        rng, tl = self.rng, self.timeline
        comment = rng.choice(RATING_COMMENTS[result])
        if self.story.staff_rating:
            tl.after(20, 72)
            self.act(services.case_rate, actor=staff, result=result, comment=comment or "电话回访录入。")
            return
        tl.after(2, 96, office=False)
        resident = self.loader.users.get("resident") if self.story.resident else None
        if resident is not None:
            self.act(services.case_rate, actor=resident, result=result, comment=comment)
        else:
            self.act(services.case_rate, actor=None, result=result, comment=comment,
                     tracking_code=self.case.tracking_code)

    def score(self, staff: User) -> None:
        """After closure the community scores each summoned department: on-time report-ins score higher."""
        if not self.summons_ids:
            return
        tl = self.timeline
        for item in self.case.whistles.first().summons.filter(pk__in=self.summons_ids).order_by("id"):
            tl.after(1, 30)
            on_time = item.reported_on_time
            score = self.rng.choice([4, 5, 5]) if on_time else self.rng.choice([2, 3]) if on_time is False else 2
            comment = "报到及时，配合积极。" if on_time else "报到不及时，需改进。"
            self.act(services.case_score, actor=staff, summons=item, score=score, comment=comment)


def existing_keys() -> set[str]:
    """The demo's idempotency keys already in the database (one query)."""
    return set(Case.objects.filter(idempotency_key__startswith=f"{KEY_PREFIX}-").values_list(
        "idempotency_key", flat=True
    ))


def load(*, now: dt.datetime | None = None) -> Counter:
    """Write the demo's cases that are missing; returns how many rows of each kind were written.

    A run that finds every story's key in place costs one query and writes nothing. The default
    category tree is loaded first (idempotent), so categories name their departments. The caller
    holds the transaction (`demo.load.load_demo`), so a failure leaves no half-written demo.
    """
    done = existing_keys()
    stories = [story for story in plan_stories() if story.key not in done]
    loader = Loader(now=now or timezone.now())
    if not stories:
        return loader.created
    defaults = categories_load_defaults(actor=None)
    loader.created["category"] += defaults.created
    loader.created["category_department"] += len(defaults.linked)
    loader.prepare()
    loader.run(stories)
    return loader.created
