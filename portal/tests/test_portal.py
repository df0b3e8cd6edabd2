"""The residents' pages over HTTP: reporting, the confirmation, tracking, rating, the lookup limit, my cases
and the large-font mode."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Attachment, Case, CaseEvent, CaseReporter, Channel, Kind, Rating
from cases.services import case_merge, case_reject, case_submit
from cases.workflow import Status
from conftest import PASSWORD
from core.ratelimit import report_limit

from .helpers import PNG

pytestmark = pytest.mark.django_db

HOME = reverse("portal:home")
REPORT = reverse("portal:report")
DONE = reverse("portal:report_done")
TRACK = reverse("portal:track")
MINE = reverse("portal:my_cases")
NAME, PHONE = "王秀英", "13912345678"


def report_data(tree, **overrides) -> dict:
    data = {
        "kind": "problem", "community": tree.east.code, "place": "", "address": "东街小区 3 号楼门口",
        "title": "路灯不亮", "description": "3 号楼门口的路灯坏了一个星期，晚上看不清路。",
        "contact_name": NAME, "contact_phone": PHONE, "idempotency_key": uuid.uuid4().hex, "request_type": "",
        "category": "", "target_group": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post_report(client, tree, **overrides):
    return client.post(REPORT, report_data(tree, **overrides))


def assert_nothing_stored() -> None:
    assert Case.objects.count() == 0
    assert CaseEvent.objects.count() == 0
    assert CaseReporter.objects.count() == 0
    assert Attachment.objects.count() == 0


def html_of(response) -> str:
    return response.content.decode()


def submitted_code(client) -> str:
    return client.session["portal_last_report"]


# ------------------------------------------------------------------------------------------------
# Home and the report form
# ------------------------------------------------------------------------------------------------


def test_the_home_page_offers_the_three_tasks_and_the_public_categories(client, tree, categories):
    html = html_of(client.get(HOME))
    for text in ("反映问题", "申请帮助", "查询办理进度", "市政设施", "路灯", "环境卫生"):
        assert text in html
    assert "内部督办事项" not in html
    # Its own base: no staff navigation, no scripts or styles written into the page.
    assert "主导航" not in html and "<script>" not in html and "style=" not in html
    assert 'href="/static/css/portal.css"' in html


def test_the_report_form_offers_the_communities_by_street_and_a_fresh_key(client, tree, categories):
    html = html_of(client.get(REPORT, {"kind": "difficulty"}))
    assert '<optgroup label="城关街道">' in html and '<optgroup label="漠西街道">' in html
    assert f'value="{tree.east.code}"' in html and f'value="{tree.north.code}"' in html
    assert f'value="{tree.street.code}"' not in html  # streets are not places of a case
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html)
    assert key is not None
    assert re.search(r'value="difficulty"[^>]*checked', html)
    assert 'value="0101"' in html and 'value="02"' not in html
    # A second visit gets a different key.
    assert key.group(1) not in html_of(client.get(REPORT))


def test_the_grids_and_buildings_of_a_community_are_offered_for_it_only(client, tree):
    response = client.get(reverse("portal:places"), {"community": tree.east.code})
    codes = [item["code"] for item in response.json()["places"]]
    assert codes == [tree.east_grid1.code, tree.east_building.code, tree.east_grid2.code]
    assert client.get(reverse("portal:places"), {"community": "x"}).json() == {"places": []}
    html = html_of(client.get(REPORT, {"community": tree.west.code}))
    assert f'value="{tree.west_grid1.code}"' in html and f'value="{tree.east_grid1.code}"' not in html


def test_a_report_creates_one_web_case_and_shows_its_code(client, tree, categories):
    response = post_report(client, tree, place=tree.east_building.code, category="0101", request_type="help")
    assert response.status_code == 302 and response["Location"] == DONE
    case = Case.objects.get()
    assert case.channel == Channel.WEB and case.status == Status.RECEIVED and case.kind == Kind.PROBLEM
    assert case.region == tree.east_building and case.category == categories.street_lights
    assert case.contact_phone == PHONE and case.contact_name == NAME
    assert case.reporter_user is None and case.created_by is None and case.owner is None
    html = html_of(client.get(DONE))
    assert case.tracking_code in html
    assert "抄写" in html and f"{TRACK}?code={case.tracking_code}" in html


def test_a_request_for_help_needs_its_target_group(client, tree):
    response = post_report(client, tree, kind="difficulty", title="独居老人需要照料")
    assert response.status_code == 200
    assert "申请帮助时，请选择需要帮助的对象" in html_of(response)
    assert_nothing_stored()
    post_report(client, tree, kind="difficulty", title="独居老人需要照料", target_group="elderly")
    case = Case.objects.get()
    assert case.kind == Kind.DIFFICULTY and case.target_group == "elderly"


def test_a_target_group_left_over_from_switching_to_a_problem_is_dropped(client, tree):
    post_report(client, tree, kind="problem", target_group="elderly")
    assert Case.objects.get().target_group == ""


def test_the_same_idempotency_key_twice_makes_one_case(client, tree):
    data = report_data(tree)
    first = client.post(REPORT, data)
    second = client.post(REPORT, data)
    assert first.status_code == second.status_code == 302
    case = Case.objects.get()
    assert submitted_code(client) == case.tracking_code
    assert case.tracking_code in html_of(client.get(DONE))


def test_a_form_sent_again_by_someone_else_is_refused_in_plain_words(client, tree, users):
    data = report_data(tree)
    client.force_login(users["resident"])
    client.post(REPORT, data)
    client.logout()
    html = html_of(client.post(REPORT, data))
    assert "这份表单已经提交过" in html and "幂等键" not in html
    assert Case.objects.count() == 1


def test_the_confirmation_without_a_report_sends_to_the_form(client):
    response = client.get(DONE)
    assert response.status_code == 302 and response["Location"] == REPORT


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"contact_phone": ""}, "contact_phone", "请填写手机号码"),
    ({"contact_phone": "8123456"}, "contact_phone", "手机号码应为 11 位数字"),
    ({"contact_name": ""}, "contact_name", "请填写联系人姓名"),
    ({"community": ""}, "community", "请选择事情发生在哪个社区"),
    ({"title": ""}, "title", "请填写标题"),
    ({"description": "字" * 4001}, "description", "不能超过 4000 个字"),
    ({"title": "<b>路灯</b>不亮"}, "title", "不能包含 HTML 标签或脚本"),
    ({"description": "<script>alert(1)</script>"}, "description", "不能包含 HTML 标签或脚本"),
    ({"kind": ""}, "kind", "请选择“反映问题”还是“申请帮助”"),
], ids=["no-phone", "bad-phone", "no-name", "no-place", "no-title", "too-long", "html-title", "script", "no-kind"])
def test_bad_input_is_explained_in_chinese_and_nothing_is_stored(client, tree, overrides, field, message):
    data = report_data(tree, **overrides)
    response = client.post(REPORT, data)
    assert response.status_code == 200
    html = html_of(response)
    assert_nothing_stored()
    # At the field, in words (not colour only), and in the summary at the top that links to the field.
    assert f'id="id_{field}_error"' in html
    assert "错误：" in html and message in html.split('class="portal-form"')[0]
    assert html.count(message) >= 2
    assert 'data-error-summary' in html and "<title>错误：" in html
    # What was typed is kept, the idempotency key too.
    assert f'value="{data["idempotency_key"]}"' in html
    if field != "contact_phone":
        assert f'value="{PHONE}"' in html
    if field != "title":
        assert 'value="路灯不亮"' in html


def test_typed_values_are_kept_on_an_error_escaped(client, tree, categories):
    response = post_report(
        client, tree, contact_phone="", title="<b>路灯</b>", place=tree.east_grid1.code, category="0101",
        public_anonymous="on", request_type="complaint",
    )
    html = html_of(response)
    assert "&lt;b&gt;路灯&lt;/b&gt;" in html and "<b>路灯</b>" not in html
    assert re.search(rf'value="{tree.east_grid1.code}"[^>]*selected', html)
    assert re.search(r'value="0101"[^>]*selected', html)
    assert re.search(r'value="complaint"[^>]*selected', html)
    assert re.search(r'name="public_anonymous"[^>]*checked', html)
    assert "3 号楼门口的路灯坏了一个星期" in html


def test_a_grid_of_another_community_is_refused(client, tree):
    response = post_report(client, tree, place=tree.west_grid1.code)
    assert "请从列表中选择该社区的网格或楼栋" in html_of(response)
    assert_nothing_stored()


def test_a_text_file_renamed_to_jpg_is_refused_and_the_photo_must_be_chosen_again(client, tree, media_root):
    data = report_data(tree, photos=SimpleUploadedFile("photo.jpg", b"just some text", content_type="image/jpeg"))
    response = client.post(REPORT, data)
    html = html_of(response)
    assert "不是 JPEG、PNG 或 WebP 格式的图片" in html and 'id="id_photos_error"' in html
    assert "照片需要重新选择" in html
    assert_nothing_stored()
    assert not list(media_root.rglob("*.*"))


def test_an_oversized_photo_is_refused(client, tree, media_root):
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * (5 * 1024 * 1024), content_type="image/png")
    response = client.post(REPORT, report_data(tree, photos=big))
    assert "超过 5 MB" in html_of(response)
    assert_nothing_stored()
    assert not list(media_root.rglob("*.*"))


def test_good_photos_are_stored_with_the_case(client, tree, media_root):
    photo = SimpleUploadedFile("门口.png", PNG, content_type="image/png")
    assert client.post(REPORT, report_data(tree, photos=photo)).status_code == 302
    assert Case.objects.get().attachments.get().content_type == "image/png"


def test_a_signed_in_resident_reports_under_their_account(client, tree, users):
    client.force_login(users["resident"])
    post_report(client, tree)
    case = Case.objects.get()
    assert case.reporter_user == users["resident"] and case.channel == Channel.WEB
    assert CaseReporter.objects.get(case=case).user == users["resident"]


def test_staff_using_the_public_form_report_as_anyone_else(client, tree, users):
    client.force_login(users["community"])
    post_report(client, tree)
    case = Case.objects.get()
    assert case.reporter_user is None and case.created_by is None and case.owner is None


# ------------------------------------------------------------------------------------------------
# Tracking
# ------------------------------------------------------------------------------------------------


def reported_case(client, tree, **overrides) -> Case:
    assert post_report(client, tree, **overrides).status_code == 302
    return Case.objects.get(tracking_code=submitted_code(client))


def test_tracking_shows_status_and_steps_and_no_personal_data(client, tree, users, driver):
    case = reported_case(client, tree)
    case = driver.to_closed(case)
    typed = " " + case.tracking_code.lower()[:5] + " " + case.tracking_code.lower()[5:] + " "
    response = client.get(TRACK, {"code": typed})
    html = html_of(response)
    assert response.status_code == 200
    assert "已结案" in html and "请您对办理结果进行评价" in html
    for step in ("已受理", "已立案", "已派遣承办单位", "承办单位已接收", "承办单位已答复", "社区已核查", "已办结"):
        assert step in html
    assert "已更换路灯灯泡，恢复照明" in html  # the reply
    assert tree.department.name in html  # the department may be named
    assert "路灯不亮" in html and "东街社区" in html
    # Nobody's personal data: not the reporter's name or phone, not the staff who handled it.
    assert NAME not in html and PHONE not in html and PHONE[-4:] not in html
    assert "东街小区 3 号楼门口" not in html and "坏了一个星期" not in html
    for user in (users["community"], users["dept"]):
        assert user.username not in html
    assert "社区工作人员）" not in html and "部门经办人" not in html


def test_an_unknown_or_empty_code_gets_a_friendly_message(client, tree):
    html = html_of(client.get(TRACK, {"code": "ABCDEFGHJK"}))
    assert "未找到该查询码" in html
    assert html_of(client.get(TRACK, {"code": "!!"})).count("请输入查询码") >= 1


def test_the_tracking_form_alone_asks_for_the_code(client):
    html = html_of(client.get(TRACK))
    assert 'name="code"' in html and "未找到" not in html


def test_lookups_are_limited_per_address(client, tree, settings):
    settings.PORTAL_TRACK_LIMIT = 3
    case = reported_case(client, tree)
    for _ in range(3):
        assert client.get(TRACK, {"code": case.tracking_code}).status_code == 200
    response = client.get(TRACK, {"code": case.tracking_code})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 600
    html = html_of(response)
    assert "查询次数过多" in html and case.title not in html
    # Another address is not held back.
    assert client.get(TRACK, {"code": case.tracking_code}, REMOTE_ADDR="10.0.0.9").status_code == 200
    # Unknown codes count too: the limit is on guessing, not on finding.
    assert client.get(TRACK, {"code": "ABCDEFGHJK"}, REMOTE_ADDR="10.0.0.9").status_code == 200
    assert client.get(TRACK, {"code": "ABCDEFGHJK"}, REMOTE_ADDR="10.0.0.9").status_code == 200
    assert client.get(TRACK, {"code": "ABCDEFGHJK"}, REMOTE_ADDR="10.0.0.9").status_code == 429


def test_behind_a_proxy_each_client_counts_apart(client, tree, settings):
    # Every request arrives from the proxy; the header it sets tells the residents apart.
    settings.PORTAL_TRACK_LIMIT = 1
    settings.CLIENT_ADDRESS_HEADER = "X-Real-IP"
    lookup = {"code": "ABCDEFGHJK"}
    assert client.get(TRACK, lookup, REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.7").status_code == 200
    assert client.get(TRACK, lookup, REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.7").status_code == 429
    assert client.get(TRACK, lookup, REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.8").status_code == 200


def test_the_default_limit_is_thirty_lookups(client, tree):
    for _ in range(30):
        assert client.get(TRACK, {"code": "ABCDEFGHJK"}).status_code == 200
    assert client.get(TRACK, {"code": "ABCDEFGHJK"}).status_code == 429


def test_a_rejection_shows_its_reason(client, tree, users):
    case = reported_case(client, tree)
    case_reject(
        case=case, actor=users["community"], expected_version=case.version, reason="属于私人纠纷，请通过调解解决"
    )
    html = html_of(client.get(TRACK, {"code": case.tracking_code}))
    assert "不予受理的原因" in html and "属于私人纠纷" in html
    assert 'name="result"' not in html


# ------------------------------------------------------------------------------------------------
# Rating
# ------------------------------------------------------------------------------------------------


def rate(client, case: Case, result: str, comment: str = "", version: int | None = None):
    return client.post(reverse("portal:rate", args=[case.tracking_code.lower()]), {
        "result": result, "comment": comment, "version": version if version is not None else case.version,
    })


def test_the_rating_form_shows_only_while_a_rating_is_awaited(client, tree, driver):
    case = reported_case(client, tree)
    assert 'name="result"' not in html_of(client.get(TRACK, {"code": case.tracking_code}))
    case = driver.to_closed(case)
    html = html_of(client.get(TRACK, {"code": case.tracking_code}))
    assert 'name="result"' in html and f'name="version" value="{case.version}"' in html
    for label in ("满意", "基本满意", "不满意"):
        assert label in html


def test_a_satisfied_rating_closes_the_case_as_rated(client, tree, driver):
    case = driver.to_closed(reported_case(client, tree))
    response = rate(client, case, "satisfied", "很快就修好了")
    assert response.status_code == 302
    assert response["Location"] == f"{TRACK}?code={case.tracking_code}"
    case.refresh_from_db()
    assert case.status == Status.RATED
    rating = Rating.objects.get(case=case)
    assert rating.result == "satisfied" and rating.comment == "很快就修好了" and not rating.recorded_by_staff
    html = html_of(client.get(response["Location"]))
    assert "感谢您的评价" in html and "已评价" in html and 'name="result"' not in html


def test_a_first_unsatisfied_rating_sends_the_case_back_and_a_second_escalates_it(client, tree, driver):
    case = driver.to_closed(reported_case(client, tree))
    response = rate(client, case, "unsatisfied", "路灯还是不亮")
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and case.rework_count == 1
    assert "已退回承办单位重新办理" in html_of(client.get(response["Location"]))

    case = driver.to_closed(case)
    response = rate(client, case, "unsatisfied", "又坏了")
    case.refresh_from_db()
    assert case.status == Status.ESCALATED
    html = html_of(client.get(response["Location"]))
    assert "已提交会议研究解决" in html and "已提交会议研究" in html


def test_a_stale_rating_gets_a_friendly_message_and_changes_nothing(client, tree, driver):
    case = driver.to_closed(reported_case(client, tree))
    response = rate(client, case, "satisfied", version=case.version - 1)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED and not Rating.objects.exists()
    assert "有了新的进展" in html_of(client.get(response["Location"]))


def test_a_rating_without_a_choice_is_explained(client, tree, driver):
    case = driver.to_closed(reported_case(client, tree))
    response = rate(client, case, "")
    html = html_of(response)
    assert response.status_code == 200 and "请选择满意、基本满意或不满意" in html and "错误：" in html
    assert Case.objects.get().status == Status.CLOSED


def test_a_rating_too_long_is_refused_by_the_service_with_its_message(client, tree, driver):
    case = driver.to_closed(reported_case(client, tree))
    html = html_of(rate(client, case, "satisfied", "好" * 2001))
    assert "评价意见不能超过 2000 个字" in html
    assert Case.objects.get().status == Status.CLOSED


def test_rating_a_case_that_awaits_no_rating_is_refused_politely(client, tree):
    case = reported_case(client, tree)
    response = rate(client, case, "satisfied")
    assert response.status_code == 302
    assert "该事项当前不需要评价" in html_of(client.get(response["Location"]))
    assert not Rating.objects.exists()


def test_rating_an_unknown_code_finds_nothing(client, tree):
    response = client.post(reverse("portal:rate", args=["ABCDEFGHJK"]), {"result": "satisfied", "version": 1})
    assert "未找到该查询码" in html_of(response)


# ------------------------------------------------------------------------------------------------
# My cases, the large-font mode
# ------------------------------------------------------------------------------------------------


def test_my_cases_lists_only_my_own(client, tree, users):
    mine, _ = case_submit(
        actor=users["resident"], channel=Channel.WEB, kind=Kind.PROBLEM, title="楼道灯坏了",
        description="二单元楼道灯不亮", region=tree.east, contact_phone=PHONE,
    )
    others, _ = case_submit(
        actor=None, channel=Channel.WEB, kind=Kind.PROBLEM, title="别人的事项", description="内容",
        region=tree.east, contact_phone="13800001234",
    )
    assert client.get(MINE).status_code == 302  # sign in first
    client.login(username="resident", password=PASSWORD)
    html = html_of(client.get(MINE))
    assert "楼道灯坏了" in html and mine.tracking_code in html and "已受理" in html
    assert f"{TRACK}?code={mine.tracking_code}" in html
    assert "别人的事项" not in html and others.tracking_code not in html


def test_the_large_font_mode_is_remembered_without_scripts(client):
    html = html_of(client.get(HOME))
    assert '<html lang="zh-Hans">' in html and 'aria-pressed="false"' in html
    response = client.get(reverse("portal:text_size"), {"size": "large", "next": REPORT})
    assert response.status_code == 302 and response["Location"] == REPORT
    assert response.cookies["portal_text"].value == "large"
    html = html_of(client.get(HOME))
    assert '<html lang="zh-Hans" class="large-text">' in html and 'aria-pressed="true"' in html
    response = client.get(reverse("portal:text_size"), {"size": "normal", "next": "https://evil.example/"})
    assert response["Location"] == HOME
    assert 'class="large-text"' not in html_of(client.get(HOME))


def test_the_sign_in_page_keeps_the_large_font_mode_and_leads_back_to_the_portal(client):
    client.get(reverse("portal:text_size"), {"size": "large", "next": REPORT})
    html = html_of(client.get(reverse("accounts:login")))
    assert '<html lang="zh-Hans" class="large-text">' in html
    assert f'href="{HOME}"' in html and "返回居民服务首页" in html
    client.get(reverse("portal:text_size"), {"size": "normal", "next": REPORT})
    assert 'class="large-text"' not in html_of(client.get(reverse("accounts:login")))


def test_a_merged_case_is_followed_with_its_own_code_and_shows_nobody_elses_report(client, tree, users):
    survivor = reported_case(client, tree, title="东街路灯成片不亮", contact_name="李建国", contact_phone="13700001111")
    duplicate = reported_case(client, tree, title="3号楼前路灯坏了")
    case_merge(case=duplicate, actor=users["community"], expected_version=duplicate.version, survivor=survivor)
    html = html_of(client.get(TRACK, {"code": duplicate.tracking_code}))
    assert "3号楼前路灯坏了" in html and "已合并办理" in html
    assert "东街路灯成片不亮" not in html and "李建国" not in html and "13700001111" not in html
    assert NAME not in html and PHONE not in html
    # The other case's code is that resident's key: the notice does not name it.
    assert survivor.tracking_code not in html


def test_reports_from_one_address_are_limited_and_the_form_keeps_what_was_typed(client, tree, settings):
    settings.REPORT_RATE_LIMIT = 2
    for _ in range(2):
        assert post_report(client, tree).status_code == 302
    response = post_report(client, tree, title="第三次反映的路灯", description="还是那盏路灯，第三次反映。")
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 600
    html = html_of(response)
    assert "提交次数过多" in html and "您填写的内容已保留" in html
    assert "第三次反映的路灯" in html and "还是那盏路灯，第三次反映。" in html
    assert Case.objects.count() == 2
    # Another address is not held back.
    assert client.post(REPORT, report_data(tree), REMOTE_ADDR="10.0.0.9").status_code == 302


def test_the_default_limit_is_twenty_reports_in_ten_minutes(client, tree, settings):
    del settings.REPORT_RATE_LIMIT
    assert (report_limit().count, report_limit().window_seconds) == (20, 600)
