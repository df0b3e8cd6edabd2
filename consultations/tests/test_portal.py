"""The residents' pages of consultations: read the plan, comment (rate limited, a retry stored once,
markup refused and other text shown as typed), a closed consultation refusing and storing nothing, and
the published outcome with each opinion's reason; names masked, phone numbers never shown."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from consultations import services
from consultations.models import Comment, Consultation
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture(autouse=True)
def fresh_cache(scratch_media_and_cache):
    """The comment limit counts in the cache: each test starts from an empty one."""


def comment_form(client, consultation) -> str:
    """The idempotency key of the comment form as the page drew it."""
    html = client.get(f"/public/consultations/{consultation.pk}/").content.decode()
    start = html.index('name="idempotency_key" value="') + len('name="idempotency_key" value="')
    return html[start:start + 32]


def send(client, consultation, key: str, text="建议阅览室多放些报纸", name="张建华", phone=PHONE):
    return client.post(f"/public/consultations/{consultation.pk}/", {
        "text": text, "display_name": name, "phone": phone, "idempotency_key": key})


def test_open_and_published_consultations_are_listed_drafts_are_not(client, desk):
    opened = desk.opened(title="小区广场改造方案")
    desk.draft(title="尚未开始的方案")
    html = client.get("/public/consultations/").content.decode()
    assert "小区广场改造方案" in html and "尚未开始的方案" not in html
    assert client.get(f"/public/consultations/{opened.pk}/").status_code == 200
    draft = Consultation.objects.get(title="尚未开始的方案")
    assert client.get(f"/public/consultations/{draft.pk}/").status_code == 404
    assert "征求意见" in client.get("/public/").content.decode()


def test_a_resident_comments_and_sees_it_masked_without_the_phone(client, desk):
    consultation = desk.opened()
    response = send(client, consultation, comment_form(client, consultation))
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.text, comment.display_name, comment.phone) == ("建议阅览室多放些报纸", "张建华", PHONE)
    html = client.get(response["Location"]).content.decode()
    assert "感谢您的意见" in html and "张**：建议阅览室多放些报纸" in html
    desk.comment(consultation, "有事请打13612349876找我", "李秀英")
    html = client.get(f"/public/consultations/{consultation.pk}/").content.decode()
    assert "李**：有事请打（号码已隐去）找我" in html
    assert "张建华" not in html and PHONE not in html and PHONE[-4:] not in html
    event = AuditEvent.objects.filter(target_type="consultations.comment").first()
    assert PHONE not in str(event.changes) and "张建华" not in str(event.changes)


def test_a_retry_with_the_same_key_stores_one_comment(client, desk):
    consultation = desk.opened()
    key = comment_form(client, consultation)
    assert send(client, consultation, key).status_code == 302
    response = send(client, consultation, key)
    assert response.status_code == 302
    assert "无需重复提交" in client.get(response["Location"]).content.decode()
    assert Comment.objects.count() == 1


def test_markup_is_refused_with_the_typed_text_kept_and_other_text_is_shown_as_typed(client, desk):
    consultation = desk.opened()
    key = comment_form(client, consultation)
    response = send(client, consultation, key, text='<script>alert("x")</script>广场太小')
    html = response.content.decode()
    assert response.status_code == 200 and "不能包含 HTML 标签或脚本" in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;广场太小" in html and "<script>alert" not in html
    assert Comment.objects.count() == 0
    send(client, consultation, key, text="面积<50平方米 & 绿地>30%，建议保留")
    assert Comment.objects.get().text == "面积<50平方米 & 绿地>30%，建议保留"
    html = client.get(f"/public/consultations/{consultation.pk}/").content.decode()
    assert "面积&lt;50平方米 &amp; 绿地&gt;30%，建议保留" in html


def test_a_wrong_phone_is_refused_and_what_was_typed_is_kept(client, desk):
    consultation = desk.opened()
    response = send(client, consultation, comment_form(client, consultation), phone="12345", text="希望增加座椅")
    html = response.content.decode()
    assert response.status_code == 200 and "手机号码应为 11 位数字" in html and "希望增加座椅" in html
    assert Comment.objects.count() == 0


def test_a_closed_consultation_refuses_the_comment_and_stores_it_nowhere(client, desk):
    consultation = desk.opened()
    key = comment_form(client, consultation)
    desk.closed(consultation)
    marks = AuditEvent.objects.count()
    response = send(client, consultation, key, text="晚到的意见")
    html = response.content.decode()
    assert response.status_code == 400 and "征求意见已结束，不再接受意见" in html and "晚到的意见" in html
    assert Comment.objects.count() == 0 and AuditEvent.objects.count() == marks
    # Off the list until its outcome is published, but its page still tells a resident who has the link.
    assert f"/public/consultations/{consultation.pk}/" not in client.get("/public/consultations/").content.decode()
    assert "结果公布后" in client.get(f"/public/consultations/{consultation.pk}/").content.decode()


def test_a_consultation_past_its_day_refuses_with_the_message_and_shows_the_text_to_copy(client, desk):
    consultation = desk.opened()
    key = comment_form(client, consultation)
    # Arranged: the closing day has passed while staff have not closed it yet.
    Consultation.objects.filter(pk=consultation.pk).update(opens_on=timezone.localdate() - dt.timedelta(days=31),
                                                           closes_on=timezone.localdate() - dt.timedelta(days=1))
    response = send(client, consultation, key, text="晚到的意见")
    html = response.content.decode()
    assert response.status_code == 400 and "征求意见已结束，不再接受意见" in html and "晚到的意见" in html
    assert 'name="text"' not in html
    assert Comment.objects.count() == 0


def test_comments_are_rate_limited_and_the_typed_text_is_kept(client, desk, settings):
    settings.PORTAL_COMMENT_LIMIT = 2
    consultation = desk.opened()
    for n in range(2):
        assert send(client, consultation, f"{n:032x}", text=f"意见{n}").status_code == 302
    response = send(client, consultation, f"{9:032x}", text="第三条意见")
    html = response.content.decode()
    assert response.status_code == 429 and "提交次数过多" in html and "第三条意见" in html
    assert int(response["Retry-After"]) > 0 and Comment.objects.count() == 2


def test_the_published_outcome_shows_each_opinion_with_its_reason_and_no_hidden_comment(client, desk):
    consultation = desk.opened()
    adopted = desk.comment(consultation, "建议阅览室多放些报纸", "张建华", phone=PHONE)
    rejected = desk.comment(consultation, "老年活动室希望放在二楼", "李秀英")
    hidden = desk.comment(consultation, "加微信代办证件", "王某")
    services.comment_hide(actor=desk.staff, comment=hidden, reason="广告")
    consultation = desk.reviewed(desk.closed(consultation))
    desk.hold(consultation.review_meeting)
    services.opinion_decide(actor=desk.staff, consultation=consultation, comments=[adopted], outcome="adopted",
                            reason="增订两种报纸")
    services.opinion_decide(actor=desk.staff, consultation=consultation, comments=[rejected], outcome="rejected",
                            reason="二楼没有电梯，老人上下不便")
    services.consultation_publish(actor=desk.staff, consultation=consultation, expected_version=consultation.version,
                                  outcome="方案按采纳的意见修改")
    html = client.get(f"/public/consultations/{consultation.pk}/").content.decode()
    assert "结果已公布" in html and "方案按采纳的意见修改" in html
    assert "张**：建议阅览室多放些报纸" in html and "理由：增订两种报纸" in html
    assert "李**：老年活动室希望放在二楼" in html and "理由：二楼没有电梯，老人上下不便" in html
    assert "代办证件" not in html and PHONE not in html and "张建华" not in html
    assert 'name="text"' not in html
