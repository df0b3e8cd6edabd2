"""The demo county's task admission (社区工作事项准入), written through `tasks.services`.

- Nine tasks, one in each configured category, filed by the county's departments with their legal basis,
  authority, funds and people, and admitted by the county; each pushed down to 东街社区 and 西街社区 with a
  ledger of commitments, transfers (拨付) and spending. In 西街社区 the 创业就业 task received more than was
  committed: its ledger does not balance and is flagged.
- Two requests refused (a department's own duty; no money attached), with their reasons.
- One request filed without funds and pushed down to 东街社区 before admission; the community refused it.

Idempotent: every request and ledger line has a fixed idempotency key, and a request already there is left as
it is; a second run writes nothing.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from accounts.models import User
from organisations.models import Organisation
from regions.models import Level, Region
from tasks import services
from tasks.models import CommunityTask, TaskCategory, TaskRequest

KEY_PREFIX = "demo-2026-task"
COMMUNITIES = ("东街社区", "西街社区")
# (category code, department, title, legal basis, authority, funds per year, people)
ADMITTED = [
    ("party_building", "中共乾县县委组织部", "社区党组织书记专项培训", "《中国共产党支部工作条例（试行）》",
     "组织辖区党员参加培训并考勤", "20000.00", 1),
    ("civilisation", "中共乾县县委宣传部", "文明城市创建入户宣传", "《陕西省文明行为促进条例》",
     "组织志愿者入户宣传、评选文明家庭", "15000.00", 1),
    ("social_security", "乾县人力资源和社会保障局", "城乡居民养老保险参保登记", "《社会保险法》第二十五条",
     "参保信息采集与初审", "24000.00", 1),
    ("employment", "乾县人力资源和社会保障局", "就业困难人员认定初审", "《就业促进法》第五十二条",
     "就业困难人员申请受理与初审", "36000.00", 2),
    ("civil_affairs", "乾县民政局", "最低生活保障入户调查", "《社会救助暂行办法》第十一条",
     "入户调查、民主评议和公示", "30000.00", 1),
    ("governance", "中共乾县县委政法委员会", "网格化矛盾纠纷排查", "《陕西省矛盾纠纷多元化解条例》",
     "纠纷排查登记与先行调解", "18000.00", 2),
    ("sanitation", "乾县城市管理执法局", "背街小巷环境卫生巡查", "《城市市容和环境卫生管理条例》",
     "巡查发现问题的劝导与上报", "12000.00", 1),
    ("health", "乾县卫生健康局", "老年人健康档案随访", "《基本医疗卫生与健康促进法》",
     "组织随访、协助建档", "16000.00", 1),
    ("culture_sports", "乾县文化和旅游局", "社区文化活动季", "《公共文化服务保障法》",
     "使用社区文化活动中心组织活动", "10000.00", 1),
]
REFUSED = [
    ("sanitation", "乾县住房和城乡建设局", "物业企业资质年度核查", "《物业管理条例》",
     "属于住建部门自身监管职责，不宜下沉社区承担"),
    ("governance", "乾县应急管理局", "企业安全生产隐患排查", "《安全生产法》",
     "未随事项明确执法权限和经费，且属于专业执法事项，社区不具备承接条件"),
]
UNADMITTED = ("civil_affairs", "乾县民政局", "养老服务需求入户普查", "《老年人权益保障法》")


class Loader:
    def __init__(self) -> None:
        self.created: Counter = Counter()
        self.admin = User.objects.get(username="admin")
        self.county = Region.objects.get(level=Level.COUNTY)
        self.communities = {name: Region.objects.get(level=Level.COMMUNITY, name=name) for name in COMMUNITIES}
        self.categories = {category.code: category for category in TaskCategory.objects.all()}

    def department(self, name: str) -> Organisation:
        return Organisation.objects.get(region=self.county, name=name, kind=Organisation.Kind.DEPARTMENT)

    def file(self, key: str, code: str, department: str, title: str, legal_basis: str, authority: str = "",
             funds: str | None = None, people: int = 0) -> tuple[TaskRequest, bool]:
        request, created = services.task_request_file(
            actor=self.admin, region=self.county, department=self.department(department),
            category=self.categories[code], title=title, legal_basis=legal_basis, authority=authority, funds=funds,
            people=people, idempotency_key=f"{KEY_PREFIX}-{key}")
        self.created["task_request"] += created
        return request, created

    def decide(self, request: TaskRequest, action: str, reason: str = "") -> TaskRequest:
        return services.task_request_decide(actor=self.admin, request=request, action=action,
                                            expected_version=request.version, reason=reason)

    def line(self, request: TaskRequest, key: str, community: Region, kind: str, amount: str, note: str) -> None:
        _, created = services.ledger_record(actor=self.admin, request=request, community=community, kind=kind,
                                            amount=amount, note=note, idempotency_key=f"{KEY_PREFIX}-{key}")
        self.created["ledger_entry"] += created

    def push(self, request: TaskRequest, community: Region) -> CommunityTask:
        task, created = services.task_push(actor=self.admin, request=request, community=community)
        self.created["community_task"] += created
        return task

    def run(self) -> Counter:
        for code, department, title, basis, authority, funds, people in ADMITTED:
            request, created = self.file(code, code, department, title, basis, authority, funds, people)
            if created:
                request = self.decide(request, "admit", "权限、经费、人员随事项下放，予以准入")
            share = f"{int(request.funds) // 8}.00"  # eight communities share the year's funds
            for index, community in enumerate(self.communities.values()):
                self.push(request, community)
                where = f"{code}-{index}"
                self.line(request, f"{where}-commit", community, "commitment", share, "年度承诺经费")
                received = share if index == 0 else f"{int(request.funds) // 16}.00"
                self.line(request, f"{where}-transfer", community, "transfer", received, "第一批拨付")
                if code == "employment" and index == 1:
                    # A second transfer beyond the commitment: recorded, and the ledger is flagged.
                    self.line(request, f"{where}-transfer-2", community, "transfer", share, "第二批拨付（超出承诺）")
                self.line(request, f"{where}-spend", community, "spending", f"{int(Decimal(received)) // 2}.00",
                          "开展工作支出")
        for index, (code, department, title, basis, reason) in enumerate(REFUSED):
            request, created = self.file(f"refused-{index}", code, department, title, basis)
            if created:
                self.decide(request, "refuse", reason)
        code, department, title, basis = UNADMITTED
        request, _ = self.file("unadmitted", code, department, title, basis)
        task = self.push(request, self.communities["东街社区"])
        if task.state == CommunityTask.State.ASSIGNED:
            services.community_task_refuse(actor=self.admin, task=task,
                                           reason="未经准入，无经费和人员保障，社区不予承接")
        return self.created


def load() -> Counter:
    """Write the demo's task requests, their pushes and ledgers that are missing; counts what was written."""
    return Loader().run()
