"""The staff pages of meetings and 四议两公开 over HTTP: every page and form, its refusals in Chinese with
what was typed kept, the 409 of a stale version, the scope (404) and the member's sign-in page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from conftest import PASSWORD
from meetings import services
from meetings.models import Attendance, Matter, Meeting
from meetings.workflow import BodyKind, Stage
from organisations import services as org_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, council):
    client.force_login(council.staff)
    return client


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def local(days: float) -> str:
    return timezone.localtime(timezone.now() + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def scheduled(council, kind=BodyKind.PARTY_MEMBERS, matter=None) -> Meeting:
    body = council.bodies[kind]
    meeting, _ = services.meeting_schedule(
        actor=council.staff, body=body, title=f"{body.name}会议", place="社区会议室",
        scheduled_at=timezone.now() + dt.timedelta(days=services.notice_days(kind), hours=2),
        agenda=[services.AgendaSpec(title=matter.title if matter else "工作通报", matter=matter)],
    )
    return meeting


def opened(council, kind=BodyKind.PARTY_MEMBERS, matter=None) -> Meeting:
    meeting = scheduled(council, kind, matter)
    return services.meeting_transition(actor=council.staff, meeting=meeting, action="open",
                                       expected_version=meeting.version)


# --------------------------------------------------------------------------------------------------
# Navigation and who may open the pages
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["community", "street", "county"])
def test_managers_are_offered_meetings_and_matters_in_the_navigation(client, users, username):
    client.force_login(users[username])
    html = page(client, "/")
    assert f'href="{reverse("meetings:list")}"' in html and "重大事项（四议两公开）" in html


@pytest.mark.parametrize("username", ["grid", "dept", "member", "resident"])
def test_everyone_else_is_offered_neither_and_gets_404(client, users, username):
    client.force_login(users[username])
    html = client.get("/").content.decode()
    assert f'href="{reverse("meetings:list")}"' not in html
    for url in ("/meetings/", "/meetings/new/", "/meetings/matters/", "/meetings/matters/new/"):
        assert client.get(url).status_code == 404, url


def test_a_meeting_and_a_matter_out_of_scope_answer_404(client, council, users):
    meeting = scheduled(council)
    matter = council.matter()
    client.force_login(users["community2"])
    for url in (f"/meetings/{meeting.pk}/", f"/meetings/{meeting.pk}/minutes/", f"/meetings/matters/{matter.pk}/"):
        assert client.get(url).status_code == 404, url
    response = client.post(f"/meetings/{meeting.pk}/act/open/", {"open-version": meeting.version})
    assert response.status_code == 404
    meeting.refresh_from_db()
    assert meeting.status == "scheduled"


def test_signed_out_visitors_are_sent_to_sign_in(client, council):
    response = client.get("/meetings/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --------------------------------------------------------------------------------------------------
# 会议 list and 会议通知
# --------------------------------------------------------------------------------------------------


def test_the_list_shows_meetings_newest_first_and_filters_by_body_and_status(staff, council):
    first = scheduled(council, BodyKind.TWO_COMMITTEES)
    second = scheduled(council, BodyKind.PARTY_MEMBERS)
    Meeting.objects.filter(pk=second.pk).update(scheduled_at=first.scheduled_at + dt.timedelta(days=1))
    services.meeting_transition(actor=council.staff, meeting=first, action="cancel", expected_version=first.version)
    html = page(staff, "/meetings/")
    assert html.index(second.title) < html.index(first.title)
    html = page(staff, f"/meetings/?body={council.bodies[BodyKind.TWO_COMMITTEES].pk}")
    assert first.title in html and second.title not in html
    html = page(staff, "/meetings/?status=scheduled")
    assert second.title in html and first.title not in html


def test_a_notice_is_given_with_its_agenda_and_the_page_follows(staff, council):
    matter = council.matter()
    body = council.bodies[BodyKind.PARTY_MEMBERS]
    response = staff.post("/meetings/new/", {
        "body": body.pk, "title": "党员大会", "scheduled_at": local(3), "place": "社区会议室",
        "agenda_1_title": "加装电梯", "agenda_1_matter": matter.pk, "agenda_2_title": "工作通报",
    })
    meeting = Meeting.objects.get(title="党员大会")
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
    assert [(item.title, item.matter_id) for item in meeting.agenda.order_by("order")] == [
        ("加装电梯", matter.pk), ("工作通报", None)]
    html = page(staff, response["Location"])
    assert "已发出会议通知" in html and "加装电梯" in html and "开会签到" in html


def test_a_half_filled_notice_keeps_what_was_typed_and_says_what_is_missing(staff, council):
    response = staff.post("/meetings/new/", {"body": council.bodies[BodyKind.PARTY_MEMBERS].pk, "title": "",
                                             "scheduled_at": local(3), "place": "社区活动室八号"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "请填写会议名称" in html and "请至少填写一项议题" in html and "社区活动室八号" in html
    assert not Meeting.objects.exists()


def test_the_services_notice_days_refusal_shows_on_the_time_field(staff, council):
    response = staff.post("/meetings/new/", {"body": council.bodies[BodyKind.RESIDENTS].pk, "title": "居民会议",
                                             "scheduled_at": local(2), "agenda_1_title": "小区停车"})
    html = response.content.decode()
    assert response.status_code == 200 and "须至少提前 10 天通知" in html and "小区停车" in html
    assert not Meeting.objects.exists()


# --------------------------------------------------------------------------------------------------
# A meeting: open, tick, vote, close; stale versions; the sign-in link
# --------------------------------------------------------------------------------------------------


def test_a_meeting_opens_ticks_votes_and_closes_from_its_page(staff, council):
    matter = council.matter(stage=Stage.CONSULTED)
    meeting = scheduled(council, matter=matter)
    response = staff.post(f"/meetings/{meeting.pk}/act/open/", {"open-version": meeting.version})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "open" and meeting.attendance.count() == 9
    html = page(staff, f"/meetings/{meeting.pk}/")
    assert "应到 <strong data-count=\"expected\">9</strong>" in html
    assert f"/meetings/{meeting.pk}/sign-in/" in html
    seats = list(meeting.attendance.order_by("member_id"))
    for seat, status in zip(seats[:7], ["present"] * 6 + ["excused"], strict=True):
        response = staff.post(f"/meetings/{meeting.pk}/attendance/", {"seat": seat.pk, "status": status})
        assert response.status_code == 302
    staff.post(f"/meetings/{meeting.pk}/attendance/", {"seat": seats[7].pk, "status": "proxy"})
    html = page(staff, f"/meetings/{meeting.pk}/")
    assert 'data-count="present">6<' in html and 'data-count="excused">1<' in html and 'data-count="proxy">1<' in html
    item = meeting.agenda.get()
    meeting.refresh_from_db()
    response = staff.post(f"/meetings/{meeting.pk}/items/{item.pk}/vote/", {
        f"vote-{item.pk}-version": meeting.version, f"vote-{item.pk}-in_favour": 6, f"vote-{item.pk}-against": 0,
        f"vote-{item.pk}-abstained": 0, f"vote-{item.pk}-resolution": "同意加装电梯",
    })
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.in_favour, item.resolution) == (6, "同意加装电梯")
    meeting.refresh_from_db()
    response = staff.post(f"/meetings/{meeting.pk}/act/close/", {"close-version": meeting.version, "close-minutes": ""})
    assert response.status_code == 200 and "请填写会议记录" in response.content.decode()
    response = staff.post(f"/meetings/{meeting.pk}/act/close/", {"close-version": meeting.version,
                                                                "close-minutes": "议定：同意加装电梯"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "closed" and meeting.minutes == "议定：同意加装电梯"


def test_a_vote_above_the_members_present_is_refused_with_the_counts_kept(staff, council):
    meeting = opened(council)
    seat = meeting.attendance.first()
    services.attendance_mark(actor=council.staff, meeting=meeting, member=seat.member, status="present")
    item = meeting.agenda.get()
    response = staff.post(f"/meetings/{meeting.pk}/items/{item.pk}/vote/", {
        f"vote-{item.pk}-version": meeting.version, f"vote-{item.pk}-in_favour": 5, f"vote-{item.pk}-against": 0,
        f"vote-{item.pk}-abstained": 0, f"vote-{item.pk}-resolution": "决议草稿七号",
    })
    html = response.content.decode()
    assert response.status_code == 200 and "超过实到人数 1 人" in html and "决议草稿七号" in html
    item.refresh_from_db()
    assert not item.voted


def test_a_vote_on_a_stale_page_answers_409_and_keeps_what_was_typed(staff, council):
    meeting = opened(council)
    item = meeting.agenda.get()
    stale = meeting.version - 1
    response = staff.post(f"/meetings/{meeting.pk}/items/{item.pk}/vote/", {
        f"vote-{item.pk}-version": stale, f"vote-{item.pk}-in_favour": 0, f"vote-{item.pk}-against": 0,
        f"vote-{item.pk}-abstained": 0, f"vote-{item.pk}-resolution": "过期页面的决议",
    })
    html = response.content.decode()
    assert response.status_code == 409 and "已被他人更新" in html and "过期页面的决议" in html
    assert f'value="{meeting.version}"' in html


def test_closing_on_a_stale_page_answers_409_and_keeps_the_minutes(staff, council):
    meeting = opened(council)
    response = staff.post(f"/meetings/{meeting.pk}/act/close/", {"close-version": meeting.version - 1,
                                                                "close-minutes": "很长的会议记录"})
    html = response.content.decode()
    assert response.status_code == 409 and "很长的会议记录" in html
    meeting.refresh_from_db()
    assert meeting.status == "open"


def test_a_move_the_table_forbids_answers_400_in_chinese(staff, council):
    meeting = scheduled(council)
    response = staff.post(f"/meetings/{meeting.pk}/act/close/", {"close-version": meeting.version,
                                                                "close-minutes": "记录"})
    assert response.status_code == 400 and "不能散会" in response.content.decode()


def test_a_meeting_is_cancelled_and_ticking_a_closed_roll_is_refused(staff, council):
    meeting = scheduled(council)
    assert staff.post(f"/meetings/{meeting.pk}/act/cancel/", {"cancel-version": meeting.version}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"
    other = opened(council)
    seat = other.attendance.first()
    services.meeting_transition(actor=council.staff, meeting=other, action="close", expected_version=other.version,
                                minutes="记录")
    response = staff.post(f"/meetings/{other.pk}/attendance/", {"seat": seat.pk, "status": "present"})
    assert "不能登记出席或表决" in response.content.decode()
    seat.refresh_from_db()
    assert seat.status == "absent"


def test_an_unknown_action_answers_404(staff, council):
    meeting = scheduled(council)
    assert staff.post(f"/meetings/{meeting.pk}/act/delete/", {"delete-version": 1}).status_code == 404


# --------------------------------------------------------------------------------------------------
# The member's sign-in page
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def member(council):
    user = User.objects.create_user(username="seat_member", password=PASSWORD, role=Role.PARTY_MEMBER)
    person = org_services.person_create(actor=None, name="签到党员", home_region=council.tree.east)
    services.roll_member_add(actor=council.staff, body=council.bodies[BodyKind.PARTY_MEMBERS], person=person,
                             account=user)
    return user


def test_a_member_on_the_roll_signs_in_on_the_open_meeting(client, council, member):
    meeting = scheduled(council)
    client.force_login(member)
    html = page(client, f"/meetings/{meeting.pk}/sign-in/")
    assert "会议尚未开始签到" in html and meeting.title in html
    response = client.post(f"/meetings/{meeting.pk}/sign-in/")
    assert response.status_code == 400 and "不能登记出席或表决" in response.content.decode()
    meeting = services.meeting_transition(actor=council.staff, meeting=meeting, action="open",
                                          expected_version=meeting.version)
    html = page(client, f"/meetings/{meeting.pk}/sign-in/")
    assert "签到党员 签到" in html
    response = client.post(f"/meetings/{meeting.pk}/sign-in/")
    assert response.status_code == 302
    seat = meeting.attendance.get(member__account=member)
    assert (seat.status, seat.method) == (Attendance.Status.PRESENT, Attendance.Method.SCAN)
    assert "您已签到" in page(client, response["Location"])


def test_someone_not_on_the_roll_is_told_so_and_sees_nothing_of_the_meeting(client, council, users):
    meeting = opened(council)
    client.force_login(users["resident"])
    html = page(client, f"/meetings/{meeting.pk}/sign-in/")
    assert "您不在该会议的成员名单中" in html and meeting.title not in html
    response = client.post(f"/meetings/{meeting.pk}/sign-in/")
    assert response.status_code == 400 and "您不在该会议的成员名单中" in response.content.decode()
    assert not meeting.attendance.filter(status="present").exists()


def test_the_sign_in_page_of_no_meeting_answers_404(client, users):
    client.force_login(users["member"])
    assert client.get("/meetings/0/sign-in/").status_code == 404


# --------------------------------------------------------------------------------------------------
# The minutes to print
# --------------------------------------------------------------------------------------------------


def test_the_minutes_page_has_the_record_and_one_signature_row_per_seat(staff, council):
    matter = council.matter(stage=Stage.CONSULTED)
    meeting = council.held(BodyKind.PARTY_MEMBERS, matter, present=7)
    html = page(staff, f"/meetings/{meeting.pk}/minutes/")
    assert "参会人员签字" in html and html.count("data-signature-row") == 9
    assert 'data-count="expected">9 人' in html and 'data-count="present">7 人' in html
    assert "赞成 7 票" in html and "会议议定事项如下" in html and meeting.place in html
    assert "css/meetings.css" in html


def test_the_minutes_of_a_meeting_not_yet_opened_list_todays_roll_to_sign(staff, council):
    meeting = scheduled(council, BodyKind.TWO_COMMITTEES)
    assert page(staff, f"/meetings/{meeting.pk}/minutes/").count("data-signature-row") == 5


# --------------------------------------------------------------------------------------------------
# 重大事项
# --------------------------------------------------------------------------------------------------


def test_a_matter_is_registered_and_listed(staff, council):
    response = staff.post("/meetings/matters/new/", {"region": council.tree.east.pk, "title": "修缮小区道路",
                                                     "description": "东街小区主路破损"})
    matter = Matter.objects.get(title="修缮小区道路")
    assert response.status_code == 302 and response["Location"] == f"/meetings/matters/{matter.pk}/"
    assert "修缮小区道路" in page(staff, "/meetings/matters/")
    html = page(staff, response["Location"])
    assert "党组织提议" in html and "一肩挑" in html


def test_a_phone_number_typed_into_a_matter_is_masked_on_its_page(staff, council):
    matter, _ = services.matter_register(actor=council.staff, region=council.tree.east, title="加装电梯",
                                         description="联系人电话 13655507531")
    html = page(staff, f"/meetings/matters/{matter.pk}/")
    assert "13655507531" not in html and "联系人电话 136" in html


def test_a_half_filled_matter_keeps_what_was_typed(staff, council):
    response = staff.post("/meetings/matters/new/", {"region": council.tree.east.pk, "title": "修缮<b>道路</b>",
                                                     "description": "东街小区主路破损"})
    html = response.content.decode()
    assert response.status_code == 200 and "不能包含 HTML 标签" in html and "东街小区主路破损" in html
    assert not Matter.objects.filter(title__contains="修缮").exists()


def test_a_matter_goes_through_all_six_steps_on_its_page(staff, council):
    matter = council.matter()

    def act(action: str, **data):
        matter.refresh_from_db()
        fields = {f"{action}-version": matter.version, **{f"{action}-{k}": v for k, v in data.items()}}
        return staff.post(f"/meetings/matters/{matter.pk}/act/{action}/", fields)

    assert act("propose", note="社区党委提议").status_code == 302
    for action, kind in [("consult", BodyKind.TWO_COMMITTEES), ("review", BodyKind.PARTY_MEMBERS),
                         ("resolve", BodyKind.RESIDENTS_REPRESENTATIVES)]:
        meeting = council.held(kind, matter)
        html = page(staff, f"/meetings/matters/{matter.pk}/")
        assert f'value="{meeting.pk}"' in html and "应到" in html
        assert act(action, meeting=meeting.pk).status_code == 302, action
    assert act("disclose_resolution", note="").status_code == 200
    for action in ("disclose_resolution", "disclose_result"):
        assert act(action, note=f"{action}公开内容").status_code == 302
    matter.refresh_from_db()
    assert matter.stage == Stage.RESULT_DISCLOSED
    html = page(staff, f"/meetings/matters/{matter.pk}/")
    assert html.count("data-step=") == 6 and "四议两公开已全部完成" in html
    order = [html.index(f'data-step="{action}"') for action in ("propose", "review", "disclose_result")]
    assert order == sorted(order)


def test_proposing_merged_takes_two_steps_in_one(staff, council):
    matter = council.matter()
    staff.post(f"/meetings/matters/{matter.pk}/act/propose/", {"propose-version": matter.version,
                                                               "propose-merged": "on"})
    matter.refresh_from_db()
    assert matter.stage == Stage.CONSULTED


def test_a_missed_quorum_is_refused_in_chinese_with_nothing_lost(staff, council):
    matter = council.matter(stage=Stage.CONSULTED)
    few = council.held(BodyKind.PARTY_MEMBERS, matter, present=4)
    html = page(staff, f"/meetings/matters/{matter.pk}/")
    assert "应到 9 人，实到 4 人" in html
    response = staff.post(f"/meetings/matters/{matter.pk}/act/review/", {
        "review-version": matter.version, "review-meeting": few.pk, "review-note": "党员大会审议说明",
    })
    html = response.content.decode()
    assert response.status_code == 400
    assert "未达到“实到人数须超过二分之一应到人数”" in html and "党员大会审议说明" in html
    matter.refresh_from_db()
    assert matter.stage == Stage.CONSULTED and matter.steps.count() == 2
    enough = council.held(BodyKind.PARTY_MEMBERS, matter, present=7)
    response = staff.post(f"/meetings/matters/{matter.pk}/act/review/", {
        "review-version": matter.version, "review-meeting": enough.pk})
    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.stage == Stage.REVIEWED


def test_a_step_on_a_stale_page_answers_409_and_keeps_the_note(staff, council):
    matter = council.matter()
    response = staff.post(f"/meetings/matters/{matter.pk}/act/propose/", {
        "propose-version": matter.version - 1 if matter.version > 1 else 99, "propose-note": "过期的提议说明"})
    html = response.content.decode()
    assert response.status_code == 409 and "已被他人更新" in html and "过期的提议说明" in html
    matter.refresh_from_db()
    assert matter.stage == Stage.REGISTERED


def test_a_jump_answers_400_in_chinese(staff, council):
    matter = council.matter()
    response = staff.post(f"/meetings/matters/{matter.pk}/act/review/", {"review-version": matter.version})
    assert response.status_code == 400 and "须按顺序进行" in response.content.decode()


def test_the_meeting_chooser_offers_only_closed_meetings_of_the_right_body_that_voted(staff, council):
    matter = council.matter(stage=Stage.PROPOSED)
    voted = council.held(BodyKind.TWO_COMMITTEES, matter)
    still_open = council.held(BodyKind.TWO_COMMITTEES, matter, close=False)
    other_body = council.held(BodyKind.PARTY_MEMBERS, matter)
    not_on_it = council.held(BodyKind.TWO_COMMITTEES)
    html = page(staff, f"/meetings/matters/{matter.pk}/")
    chooser = html.split('id="id_consult-meeting"', 1)[1].split("</select>", 1)[0]
    assert f'<option value="{voted.pk}"' in chooser
    for meeting in (still_open, other_body, not_on_it):
        assert f'<option value="{meeting.pk}"' not in chooser
