"""The staff pages of consultations over HTTP: each service from its form, its refusals in Chinese with what
was typed kept, the 409 of a stale version, moderation kept in the audit, and the scope (404)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.tests.images import phone_jpeg
from consultations import services
from consultations.models import Comment, Consultation, Opinion
from consultations.workflow import Status
from core.models import AuditEvent
from meetings.models import Meeting
from meetings.workflow import BodyKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, desk):
    client.force_login(desk.staff)
    return client


def day(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def local(days: float) -> str:
    return timezone.localtime(timezone.now() + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def act(client, consultation, action: str, **fields):
    data = {f"{action}-version": consultation.version, **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(f"/consultations/{consultation.pk}/act/{action}/", data)


def test_the_list_and_the_new_page_are_offered_to_managers(staff, desk):
    desk.draft()
    assert "党群服务中心布局调整" in staff.get("/consultations/").content.decode()
    assert staff.get("/consultations/new/").status_code == 200
    assert "征求意见" in staff.get("/").content.decode()


def test_a_draft_runs_thirty_days_by_default(staff, desk):
    response = staff.post("/consultations/new/", {"region": desk.tree.east.pk, "title": "小区广场改造方案",
                                                  "plan": "广场东侧增设健身器材，西侧保留空地"})
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert (consultation.status, consultation.period_days, consultation.created_by) == (Status.DRAFT, 30, desk.staff)
    assert AuditEvent.objects.filter(target_type="consultations.consultation", action="create").count() == 1


def test_a_shorter_period_needs_its_reason_and_keeps_what_was_typed(staff, desk):
    data = {"region": desk.tree.east.pk, "title": "小区广场改造方案", "plan": "广场东侧增设健身器材",
            "opens_on": day(0), "closes_on": day(10)}
    response = staff.post("/consultations/new/", data)
    html = response.content.decode()
    assert response.status_code == 200 and "少于 30 天，须填写缩短的理由" in html
    assert "广场东侧增设健身器材" in html and Consultation.objects.count() == 0
    response = staff.post("/consultations/new/", {**data, "short_reason": "施工季节临近，须尽快确定方案"})
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert (consultation.period_days, consultation.short_reason) == (10, "施工季节临近，须尽快确定方案")


def test_the_consultation_goes_through_every_step_on_its_page(staff, desk):
    consultation = desk.draft()
    assert act(staff, consultation, "open").status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == Status.OPEN
    first = desk.comment(consultation, "建议阅览室多放些报纸", "张建华")
    second = desk.comment(consultation, "老年活动室希望放在一楼", "李秀英")
    # Closing before the announced day needs a reason; the page says so and nothing moves.
    response = act(staff, consultation, "close")
    assert response.status_code == 200 and "提前结束须填写理由" in response.content.decode()
    assert act(staff, consultation, "close", reason="意见已充分收集").status_code == 302
    consultation.refresh_from_db()
    # The review meeting is scheduled through meetings: a 党员大会 is refused, the 居民代表会议 taken.
    response = act(staff, consultation, "review", body=desk.party.pk, scheduled_at=local(3))
    assert response.status_code == 200 and "所选项目已失效" in response.content.decode()
    response = act(staff, consultation, "review", body=desk.representatives.pk, scheduled_at=local(3),
                   place="社区会议室")
    assert response.status_code == 302
    consultation.refresh_from_db()
    meeting = consultation.review_meeting
    assert consultation.status == Status.REVIEWED and meeting.body == desk.representatives
    assert meeting.agenda.get().title == "征求意见评审：党群服务中心布局调整"
    # Publishing needs the meeting held and every visible comment decided.
    response = act(staff, consultation, "publish")
    assert response.status_code == 200 and "评审会议召开（散会）后才能公布结果" in response.content.decode()
    desk.hold(meeting)
    response = act(staff, consultation, "publish")
    assert "还有 2 条意见尚未处理" in response.content.decode()
    response = staff.post(f"/consultations/{consultation.pk}/opinions/", {
        "opinion-comments": [first.pk], "opinion-outcome": "adopted", "opinion-reason": "增订两种报纸"})
    assert response.status_code == 302
    response = staff.post(f"/consultations/{consultation.pk}/opinions/", {
        "opinion-comments": [second.pk], "opinion-outcome": "rejected"})
    assert response.status_code == 200 and "请填写采纳或不予采纳的理由" in response.content.decode()
    staff.post(f"/consultations/{consultation.pk}/opinions/", {
        "opinion-comments": [second.pk], "opinion-outcome": "rejected", "opinion-reason": "一楼面积不足"})
    consultation.refresh_from_db()
    assert act(staff, consultation, "publish", outcome="方案按采纳意见修改后实施").status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == Status.PUBLISHED and consultation.published_at is not None
    assert list(Opinion.objects.values_list("outcome", "reason")) == [("adopted", "增订两种报纸"),
                                                                      ("rejected", "一楼面积不足")]
    reasons = list(AuditEvent.objects.filter(target_type="consultations.consultation", target_id=str(consultation.pk))
                   .values_list("reason", flat=True).order_by("id"))
    assert reasons[1:] == ["开始征求意见", "结束征求意见：意见已充分收集", f"提交评审会议：{meeting.title}",
                           "公布征求意见结果"]


def test_an_existing_meeting_of_the_representatives_may_be_named(staff, desk):
    consultation = desk.closed()
    meeting = desk.reviewed(desk.closed()).review_meeting  # a meeting on notice already
    assert act(staff, consultation, "review", meeting=meeting.pk).status_code == 302
    consultation.refresh_from_db()
    assert consultation.review_meeting == meeting and Meeting.objects.count() == 1


def test_a_stale_page_gets_409_and_keeps_what_was_typed(staff, desk):
    consultation = desk.opened()
    stale = Consultation.objects.get(pk=consultation.pk)
    desk.closed(consultation)
    response = act(staff, stale, "close", reason="我填写的理由")
    assert response.status_code == 409 and "已被他人更新" in response.content.decode()


def test_a_move_the_table_forbids_is_400(staff, desk):
    consultation = desk.opened()
    response = act(staff, consultation, "publish")
    assert response.status_code == 400 and "不能公布征求意见结果" in response.content.decode()


def test_a_hidden_comment_keeps_its_text_and_is_audited(staff, desk):
    consultation = desk.opened()
    comment = desk.comment(consultation, "这是广告：代办各类证件", "王某")
    url = f"/consultations/{consultation.pk}/comments/{comment.pk}/hide/"
    response = staff.post(url, {f"moderate-{comment.pk}-reason": ""})
    assert response.status_code == 200 and "请填写理由" in response.content.decode()
    assert staff.post(url, {f"moderate-{comment.pk}-reason": "广告内容"}).status_code == 302
    comment.refresh_from_db()
    assert (comment.hidden, comment.text, comment.hidden_reason, comment.hidden_by) == (
        True, "这是广告：代办各类证件", "广告内容", desk.staff)
    event = AuditEvent.objects.get(target_type="consultations.comment", target_id=str(comment.pk), action="update")
    assert (event.reason, event.changes, event.actor) == ("隐藏意见：广告内容", {"hidden": [False, True]}, desk.staff)
    # Staff still read it on their page, marked as hidden; the public page does not show it.
    assert "这是广告：代办各类证件" in staff.get(f"/consultations/{consultation.pk}/").content.decode()
    assert "代办各类证件" not in staff.get(f"/public/consultations/{consultation.pk}/").content.decode()
    url = f"/consultations/{consultation.pk}/comments/{comment.pk}/unhide/"
    assert staff.post(url, {f"moderate-{comment.pk}-reason": "误判，恢复"}).status_code == 302
    comment.refresh_from_db()
    assert not comment.hidden and comment.text == "这是广告：代办各类证件"


def test_outside_the_scope_every_page_is_404(client, desk, users):
    consultation = desk.opened()
    comment = desk.comment(consultation)
    client.force_login(users["community2"])
    assert client.get(f"/consultations/{consultation.pk}/").status_code == 404
    assert act(client, consultation, "close", reason="x").status_code == 404
    assert client.post(f"/consultations/{consultation.pk}/comments/{comment.pk}/hide/",
                       {f"moderate-{comment.pk}-reason": "x"}).status_code == 404
    assert client.post(f"/consultations/{consultation.pk}/opinions/", {}).status_code == 404
    assert not Comment.objects.get(pk=comment.pk).hidden
    consultation.refresh_from_db()
    assert consultation.status == Status.OPEN
    client.force_login(users["resident"])
    assert client.get("/consultations/").status_code == 404


def test_a_body_of_another_region_cannot_review(desk, tree):
    north = desk.body(BodyKind.RESIDENTS_REPRESENTATIVES, tree.north)
    consultation = desk.closed()
    with pytest.raises(ValidationError, match="不管辖"):
        services.consultation_review(actor=desk.users["county"], consultation=consultation,
                                     expected_version=consultation.version, body=north)
    consultation.refresh_from_db()
    assert consultation.status == Status.CLOSED and Meeting.objects.count() == 0


def test_a_plan_photo_is_stored_re_encoded_and_shown_with_its_public_page(staff, desk, client, scratch_media_and_cache):
    data = {"region": desk.tree.east.pk, "title": "小区广场改造方案", "plan": "广场东侧增设健身器材"}
    response = staff.post("/consultations/new/", {**data, "photo": SimpleUploadedFile(
        "plan.png", b"<html>not a picture</html>", content_type="image/png")})
    html = response.content.decode()
    assert response.status_code == 200 and "方案图不是 JPEG、PNG 或 WebP 格式的图片" in html
    assert "广场东侧增设健身器材" in html and Consultation.objects.count() == 0
    response = staff.post("/consultations/new/", {**data, "photo": SimpleUploadedFile(
        "plan.jpg", phone_jpeg(), content_type="image/jpeg")})
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.photo_type == "image/jpeg" and consultation.photo.name.endswith(".jpg")
    url = f"/public/consultations/{consultation.pk}/photo/"
    assert client.get(url).status_code == 404  # a draft's photo is not public yet
    assert "开始征求意见后在居民端公开" in staff.get(f"/consultations/{consultation.pk}/").content.decode()
    act(staff, consultation, "open")
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    stored = b"".join(response.streaming_content)
    assert b"taken at home" not in stored and b"TestPhone" not in stored
    assert f'src="{url}"' in client.get(f"/public/consultations/{consultation.pk}/").content.decode()
