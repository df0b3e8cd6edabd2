"""Staff pages of the case workflow through HTTP: who may open what, counter intake, the lists with their
deadline labels and fixed query counts, and the .xlsx exports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role, User
from cases.models import Attachment, Case, Kind
from cases.templatetags.case_display import countdown_text
from cases.workflow import Status
from conftest import PASSWORD
from core.models import AuditEvent

from .conftest import PNG, png
from .images import opened

pytestmark = pytest.mark.django_db

ROLES = ("community", "street", "county", "grid", "dept", "member", "resident")


def login(client, username: str):
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def clock(monkeypatch):
    """Moves the clock the pages read (deadlines pass as they would in real life)."""

    class Clock:
        def set(self, moment: dt.datetime) -> None:
            monkeypatch.setattr(timezone, "now", lambda: moment)

    return Clock()


def intake_data(world, **overrides) -> dict:
    data = {
        "kind": "problem", "request_type": "complaint", "channel": "opinion_window",
        "region": world.tree.east_grid1.pk, "address": "东街3号楼前", "lat": "", "long": "",
        "title": "井盖缺失", "description": "东街3号楼前的井盖丢了，夜里有人差点掉下去", "contact_name": "张大爷",
        "contact_phone": "13912345678", "target_group": "", "category": "", "idempotency_key": "key-0001",
    }
    data.update(overrides)
    return data


# --------------------------------------------------------------------------------------------------
# Who may open which page
# --------------------------------------------------------------------------------------------------

LIST_EXPECTED = {
    # page: status code per role
    "cases:problem_list": {"community": 200, "street": 200, "county": 200, "grid": 200, "dept": 403,
                           "member": 403, "resident": 404},
    "cases:problem_list_export": {"community": 200, "street": 200, "county": 200, "grid": 200, "dept": 403,
                                  "member": 403, "resident": 404},
    "cases:intake": {"community": 200, "street": 200, "county": 200, "grid": 200, "dept": 403, "member": 403,
                     "resident": 404},
    "cases:handling_list": {"community": 200, "street": 200, "county": 200, "grid": 200, "dept": 200,
                            "member": 200, "resident": 404},
    "cases:handling_list_export": {"community": 200, "street": 200, "county": 200, "grid": 200, "dept": 200,
                                   "member": 200, "resident": 404},
    "cases:whistle_board": {"community": 200, "street": 200, "county": 200, "grid": 200, "dept": 200,
                            "member": 200, "resident": 404},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", list(LIST_EXPECTED))
def test_each_role_gets_the_list_pages_it_may_use(client, flow, url_name, role):
    flow.reach(Status.DISPATCHED, whistle=True)
    login(client, role)
    assert client.get(reverse(url_name)).status_code == LIST_EXPECTED[url_name][role]


def test_the_pages_ask_for_a_login(client, flow):
    for url_name in LIST_EXPECTED:
        response = client.get(reverse(url_name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role,expected", [
    ("community", 200), ("street", 200), ("county", 200), ("grid", 200), ("dept", 200), ("member", 404),
    ("resident", 404), ("community2", 404), ("dept2", 200), ("property", 404),
])
def test_a_case_page_opens_for_those_in_scope_and_is_404_for_everyone_else(client, flow, role, expected):
    # The resident reported this case: their own view of it is the public tracking page, not the staff page.
    case = flow.reach(Status.DISPATCHED)
    login(client, role)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == expected


def test_another_community_cannot_open_act_on_or_see_the_photos_of_a_case(client, flow, world):
    case = flow.submit(photos=[png()])
    attachment = Attachment.objects.get(case=case)
    login(client, "community2")
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    response = client.post(reverse("cases:transition", args=[case.pk, "reject"]),
                           {"reject-version": case.version, "reject-reason": "不属于本社区"})
    assert response.status_code == 404
    assert client.get(reverse("cases:attachment", args=[attachment.pk])).status_code == 404
    assert Case.objects.get(pk=case.pk).status == Status.RECEIVED
    login(client, "community")
    response = client.get(reverse("cases:attachment", args=[attachment.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert opened(b"".join(response.streaming_content)).size == opened(PNG).size


def test_an_unknown_case_or_action_is_404(client, flow):
    case = flow.submit()
    login(client, "community")
    assert client.get(reverse("cases:detail", args=[case.pk + 999])).status_code == 404
    response = client.post(reverse("cases:transition", args=[case.pk, "teleport"]), {"teleport-version": 1})
    assert response.status_code == 404


def test_the_navigation_offers_each_role_what_it_can_use(client, flow):
    links = {
        "community": ["问题清单", "受理登记", "办理清单", "吹哨台", "困难清单"],
        "dept": ["办理清单", "吹哨台"],
        "member": ["办理清单"],
    }
    hidden = {"dept": ["问题清单", "受理登记", "困难清单"], "member": ["问题清单", "受理登记", "吹哨台", "困难清单"]}
    for role, expected in links.items():
        login(client, role)
        page = client.get(reverse("console:home")).content.decode()
        nav = page.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0]
        for label in expected:
            assert f">{label}</a>" in nav, (role, label)
        for label in hidden.get(role, []):
            assert f">{label}</a>" not in nav, (role, label)


# --------------------------------------------------------------------------------------------------
# 受理登记
# --------------------------------------------------------------------------------------------------


def test_the_intake_form_offers_a_fresh_idempotency_key_and_the_clerks_own_place(client, flow, world):
    login(client, "community")
    first = client.get(reverse("cases:intake"))
    second = client.get(reverse("cases:intake"))
    key1 = first.context["form"]["idempotency_key"].value()
    assert key1 and key1 != second.context["form"]["idempotency_key"].value()
    assert first.context["form"]["region"].value() == world.tree.east.pk
    regions = set(first.context["form"].fields["region"].queryset)
    assert world.tree.east_building in regions and world.tree.west not in regions


def test_a_clerk_takes_a_case_in_at_the_counter_and_owns_it(client, flow, world, media_root):
    login(client, "community")
    data = intake_data(world, category=world.subcategory.pk, lat="34.527", long="108.235", public_anonymous="on")
    data["photos"] = [png("a.png"), png("b.png")]
    response = client.post(reverse("cases:intake"), data)
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.owner == flow.u["community"] and case.created_by == flow.u["community"]
    assert (case.kind, case.channel, case.request_type, case.status) == ("problem", "opinion_window", "complaint",
                                                                          Status.RECEIVED)
    assert case.region == world.tree.east_grid1 and case.category == world.subcategory
    assert case.contact_phone == "13912345678" and case.public_anonymous
    assert str(case.latitude) == "34.527000" and case.attachments.count() == 2
    page = client.get(response["Location"])
    text = page.content.decode()
    assert f"已受理登记，查询码 {case.tracking_code}" in text
    assert "139****5678" in text and "13912345678" not in text


def test_a_difficulty_is_taken_in_with_its_target_group(client, flow, world):
    login(client, "grid")
    response = client.post(reverse("cases:intake"), intake_data(
        world, kind="difficulty", target_group="elderly", title="独居老人需要助餐", channel="grid_patrol",
    ))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.kind == Kind.DIFFICULTY and case.target_group == "elderly" and case.owner is None


def test_invalid_intake_keeps_what_was_typed_and_explains_in_chinese(client, flow, world):
    login(client, "community")
    data = intake_data(world, title="", contact_phone="12345", kind="difficulty", lat="34.5")
    data["photos"] = [png()]
    response = client.post(reverse("cases:intake"), data)
    assert response.status_code == 200 and not Case.objects.exists()
    text = response.content.decode()
    assert "提交未成功" in text and "请填写标题" in text and "请选择帮扶对象" in text
    assert "东街3号楼前的井盖丢了，夜里有人差点掉下去" in text and 'value="张大爷"' in text
    assert 'value="12345"' in text and 'value="key-0001"' in text and 'value="34.5"' in text
    assert "请重新选择照片" in text
    # Once the form itself is fine the service's refusals are shown next to their fields too.
    data = intake_data(world, contact_phone="12345", lat="34.5")
    text = client.post(reverse("cases:intake"), data).content.decode()
    assert "联系电话格式不正确" in text and "纬度和经度须同时填写" in text
    assert 'id="id_contact_phone_error"' in text and 'id="id_lat_error"' in text
    assert not Case.objects.exists()


def test_contact_name_and_phone_are_required_at_the_counter(client, flow, world):
    login(client, "community")
    text = client.post(reverse("cases:intake"), intake_data(world, contact_name="", contact_phone="")).content.decode()
    assert "请填写联系人" in text and "请填写联系电话" in text and not Case.objects.exists()


def test_a_place_outside_the_clerks_area_cannot_be_chosen(client, flow, world):
    login(client, "community")
    text = client.post(reverse("cases:intake"), intake_data(world, region=world.tree.west.pk)).content.decode()
    assert "所选区域不在您的辖区内" in text and not Case.objects.exists()


def test_a_double_submitted_intake_creates_one_case(client, flow, world):
    login(client, "community")
    first = client.post(reverse("cases:intake"), intake_data(world))
    second = client.post(reverse("cases:intake"), intake_data(world))
    case = Case.objects.get()
    assert first["Location"] == second["Location"] == reverse("cases:detail", args=[case.pk])
    assert "没有重复登记" in client.get(second["Location"]).content.decode()


def test_a_form_key_someone_else_used_is_replaced_and_the_form_can_be_sent_again(client, flow, world):
    from cases import services

    services.case_submit(actor=flow.u["community2"], channel="phone", kind="problem", title="别处的事项",
                         description="西街", region=world.tree.west, contact_phone="13900000000",
                         idempotency_key="shared-key")
    login(client, "community")
    response = client.post(reverse("cases:intake"), intake_data(world, idempotency_key="shared-key"))
    assert response.status_code == 200
    assert "提交标识已被使用" in response.content.decode()
    new_key = response.context["form"]["idempotency_key"].value()
    assert new_key and new_key != "shared-key"
    assert client.post(reverse("cases:intake"), intake_data(world, idempotency_key=new_key)).status_code == 302
    assert Case.objects.filter(created_by=flow.u["community"]).count() == 1


# --------------------------------------------------------------------------------------------------
# The case page
# --------------------------------------------------------------------------------------------------


def test_the_case_page_shows_clocks_contact_masked_assignments_whistles_and_history(client, flow, world):
    case = flow.reach(Status.IN_PROGRESS, whistle=True)
    login(client, "community")
    text = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert case.tracking_code in text and "处置中" in text
    assert "139****2222" in text and "13900002222" not in text
    assert "县住房和城乡建设局" in text and "县城市管理局" in text and "主办" in text and "协办" in text
    assert "县市场监督管理局" in text and "等待报到" in text and "涉及多部门" in text
    for step in ("受理登记", "立案分类", "派遣", "报到接收", "吹哨"):
        assert step in text
    assert text.count("<h1>") == 1


def test_overdue_and_soon_due_clocks_carry_a_text_label(client, flow, clock):
    case = flow.reach(Status.DISPATCHED)
    clock.set(case.response_due + dt.timedelta(hours=1))
    login(client, "community")
    text = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert '<span class="due overdue">已超期</span>' in text  # the response deadline has passed
    clock.set(case.finish_due - dt.timedelta(hours=3))
    login(client, "community")
    text = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert '<span class="due soon">即将到期</span>' in text and "剩余 3 小时" in text


def test_each_reader_is_offered_only_the_actions_they_may_take(client, flow):
    case = flow.reach(Status.IN_PROGRESS, whistle=True)
    offered = {}
    for role in ("community", "dept", "dept2", "grid", "street"):
        login(client, role)
        response = client.get(reverse("cases:detail", args=[case.pk]))
        offered[role] = [item["action"] for item in response.context["action_forms"]]
    assert offered["community"] == ["dispatch", "note", "escalate", "whistle", "report_in", "transfer_owner"]
    assert offered["dept"] == ["return", "request_extension", "note", "reply"]
    assert offered["dept2"] == ["accept", "return", "request_extension", "note"]
    assert offered["grid"] == ["note"]
    assert "whistle" in offered["street"] and "accept" not in offered["street"]


# --------------------------------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------------------------------


def test_the_problem_list_marks_overdue_rows_in_red_with_text_and_soon_due_in_yellow(client, flow, clock):
    late = flow.classify(flow.submit(title="逾期的事项"))
    clock.set(late.finish_due + dt.timedelta(hours=2))
    soon = flow.classify(flow.submit(title="临期的事项"))  # classified "now": due in 7 working days
    relaxed = flow.submit(title="未立案的事项")
    clock.set(soon.finish_due - dt.timedelta(hours=5))
    login(client, "community")
    response = client.get(reverse("cases:problem_list"), {"kind": "problem"})
    text = response.content.decode()
    assert "<h1>问题清单</h1>" in text
    rows = [row for row in text.split("<tr") if "逾期的事项" in row or "临期的事项" in row or "未立案的事项" in row]
    late_row, soon_row, relaxed_row = (next(r for r in rows if title in r) for title in ("逾期的事项", "临期的事项",
                                                                                          "未立案的事项"))
    assert 'class="due-overdue"' in late_row and "已超期" in late_row
    assert 'class="due-soon"' in soon_row and "即将到期" in soon_row
    assert "due-" not in relaxed_row and "已超期" not in relaxed_row
    # Overdue first; the overdue filter keeps only it.
    assert [c.pk for c in response.context["page"].object_list][:1] == [late.pk]
    only = client.get(reverse("cases:problem_list"), {"overdue": "on"}).context["page"].object_list
    assert [c.pk for c in only] == [late.pk]
    assert relaxed.pk in {c.pk for c in client.get(reverse("cases:problem_list")).context["page"].object_list}


def test_the_problem_list_filters(client, flow, world):
    problem = flow.reach(Status.DISPATCHED, title="路灯坏了")
    difficulty = flow.submit(kind=Kind.DIFFICULTY, target_group="elderly", title="独居老人")
    grid_case = flow.submit(actor=flow.u["grid"], title="网格员上报", channel="grid_patrol", reporter_user=None)
    flow.reach(Status.RATED, title="已办结的事项")
    west = flow.submit(actor=flow.u["community2"], region=world.tree.west, reporter_user=None, title="西街")
    login(client, "street")

    def listed(**params) -> set[int]:
        return {c.pk for c in client.get(reverse("cases:problem_list"), params).context["page"].object_list}

    assert listed() == {problem.pk, difficulty.pk, grid_case.pk, west.pk}
    assert listed(kind="difficulty") == {difficulty.pk}
    response = client.get(reverse("cases:problem_list"), {"kind": "difficulty"})
    assert "<h1>困难清单</h1>" in response.content.decode()
    assert listed(status="dispatched") == {problem.pk}
    assert listed(category=world.category.pk) == {problem.pk}
    assert listed(region=world.tree.west.code) == {west.pk}
    assert listed(q="独居") == {difficulty.pk}
    assert listed(q=problem.tracking_code.lower()) == {problem.pk}
    assert listed(status="rated") == {Case.objects.get(title="已办结的事项").pk}
    login(client, "community")
    # 首问责任人: the clerk owns what they took in and what they first acted on, not the grid worker's report.
    assert listed(mine="on") == {problem.pk, difficulty.pk}
    assert "未找到该区域编码" in client.get(reverse("cases:problem_list"), {"region": "610424001002"}).content.decode()


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_the_lists_take_a_fixed_number_of_queries(client, flow, django_assert_max_num_queries):
    for _ in range(2):
        flow.reach(Status.IN_PROGRESS, whistle=True)
    login(client, "community")
    pages = [reverse("cases:problem_list"), reverse("cases:handling_list"), reverse("cases:whistle_board")]
    few = [_queries(client, url) for url in pages]
    for _ in range(5):
        flow.reach(Status.IN_PROGRESS, whistle=True)
        flow.reach(Status.DISPATCHED)
    many = [_queries(client, url) for url in pages]
    assert few == many
    for url in pages:
        with django_assert_max_num_queries(12):
            client.get(url)
    login(client, "dept")
    assert _queries(client, reverse("cases:handling_list")) <= 12


def test_a_department_sees_only_what_was_dispatched_to_it_with_countdowns(client, flow, world, clock):
    mine = flow.reach(Status.DISPATCHED, title="派给住建局的")
    flow.reach(Status.REGISTERED, title="尚未派遣的")
    other = flow.submit(title="派给城管局的")
    other = flow.classify(other)
    from cases import services
    from cases.services import AssigneeSpec

    services.case_dispatch(case=other, actor=flow.u["community"], expected_version=other.version,
                           assignees=[AssigneeSpec(organisation=world.dept2)])
    login(client, "dept")
    response = client.get(reverse("cases:handling_list"))
    assert {a.case_id for a in response.context["page"].object_list} == {mine.pk}
    text = response.content.decode()
    assert "派给住建局的" in text and "派给城管局的" not in text and "尚未派遣的" not in text
    assert "剩余" in text
    lead = flow.lead(mine)
    clock.set(lead.finish_due + dt.timedelta(days=2))
    login(client, "dept")
    text = client.get(reverse("cases:handling_list")).content.decode()
    assert "已超期 2 天" in text and 'class="due-overdue"' in text


def test_countdowns_read_as_words():
    assert countdown_text(dt.timedelta(hours=3, minutes=10)) == "剩余 3 小时"
    assert countdown_text(-dt.timedelta(days=2)) == "已超期 2 天"
    assert countdown_text(dt.timedelta(days=1, hours=4)) == "剩余 1 天 4 小时"
    assert countdown_text(dt.timedelta(seconds=20)) == "剩余 1 分钟"
    assert countdown_text(None) == ""


def test_the_whistle_board_shows_each_summons_with_its_report_in_and_score(client, flow, world):
    case = flow.reach(Status.IN_PROGRESS, whistle=True)
    from cases import services

    handler = User.objects.create_user(username="dept3", password=PASSWORD, role=Role.DEPARTMENT_HANDLER,
                                       organisation=world.dept3)
    summons = case.whistles.get().summons.get()
    services.case_report_in(case=case, actor=handler, expected_version=case.version, summons=summons)
    flow.reach(Status.DISPATCHED, whistle=True, title="第二件")
    login(client, "community")
    text = client.get(reverse("cases:whistle_board")).content.decode()
    assert text.count("县市场监督管理局") == 2 and "按时报到" in text and "等待报到" in text
    login(client, "dept3")
    assert len(client.get(reverse("cases:whistle_board")).context["page"].object_list) == 2
    login(client, "dept2")  # 城管局 was dispatched both cases but never summoned: it sees their whistles too
    assert client.get(reverse("cases:whistle_board")).status_code == 200
    login(client, "community2")
    assert len(client.get(reverse("cases:whistle_board")).context["page"].object_list) == 0


# --------------------------------------------------------------------------------------------------
# Exports
# --------------------------------------------------------------------------------------------------


def _sheet(response):
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def test_the_problem_list_exports_to_xlsx_with_masked_contacts_and_an_audit_row(client, flow, world):
    case = flow.reach(Status.DISPATCHED)
    flow.submit(kind=Kind.DIFFICULTY, target_group="elderly", title="独居老人", address="东街社区3号楼2单元501")
    login(client, "community")
    response = client.get(reverse("cases:problem_list_export"), {"kind": "problem"})
    rows = _sheet(response)
    assert "问题清单" in rows[0][0] and "已脱敏" in rows[0][0]
    header = rows[1]
    assert header[:3] == ["查询码", "类型", "标题"] and "联系电话" in header
    data = rows[2:]
    assert len(data) == 1 and data[0][0] == case.tracking_code
    record = dict(zip(header, data[0], strict=True))
    assert record["联系电话"] == "139****2222" and record["联系人"] == "居**"
    assert record["主办单位"] == "县住房和城乡建设局"
    assert "13900002222" not in repr(rows)
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor == flow.u["community"] and event.changes["rows"] == 1
    assert event.changes["filters"] == {"kind": "problem"}
    difficulty_rows = _sheet(client.get(reverse("cases:problem_list_export"), {"kind": "difficulty"}))
    record = dict(zip(difficulty_rows[1], difficulty_rows[2], strict=True))
    assert "501" not in record["地点"] and record["地点"].endswith("****")


def test_the_handling_list_exports_to_xlsx_with_countdowns_and_an_audit_row(client, flow):
    flow.reach(Status.DISPATCHED)
    login(client, "dept")
    rows = _sheet(client.get(reverse("cases:handling_list_export")))
    header, data = rows[1], rows[2:]
    assert len(data) == 1
    record = dict(zip(header, data[0], strict=True))
    assert record["承办对象"] == "县住房和城乡建设局" and record["角色"] == "主办"
    assert record["报到倒计时"].startswith("剩余") and record["联系电话"] == "139****2222"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, target_label="办理清单导出").count() == 1
