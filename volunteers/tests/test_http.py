"""Volunteering over HTTP: the pages and the API, the unit's quarterly .xlsx, and the figures."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from api.tests.conftest import Api
from cases.tests.images import image_bytes
from volunteers import services
from volunteers.models import Registration, SignUp, Wish

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def post_json(api: Api, user: str, url: str, body: dict):
    return api.client.post(url, json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {api.token(user)}")


def test_a_member_registers_online_and_the_community_confirms_on_the_pages(client, vol):
    client.force_login(vol.new_user)
    page = client.get("/volunteers/")
    assert page.status_code == 200 and "尚未到居住地社区报到" in page.content.decode()
    bad = client.post("/volunteers/register/", {"community": "999"})
    assert bad.status_code == 400 and "请从列表中选择社区" in bad.content.decode()
    assert client.post("/volunteers/register/", {"community": vol.tree.east.code}).status_code == 302
    registration = Registration.objects.get(member=vol.new_member)
    client.force_login(vol.staff)
    overview = client.get("/volunteers/").content.decode()
    assert "党员丁" in overview and "待确认的报到（1）" in overview
    stale = client.post(f"/volunteers/registrations/{registration.pk}/confirm/", {"version": "9"})
    assert stale.status_code == 409
    done = client.post(f"/volunteers/registrations/{registration.pk}/confirm/", {"version": "1"})
    assert done.status_code == 302
    vol.new_member.refresh_from_db()
    assert vol.new_member.registered_community == vol.tree.east


def test_unregistered_members_are_listed_and_flagged_for_their_unit(client, vol):
    client.force_login(vol.users["dept"])
    page = client.get(f"/volunteers/units/{vol.tree.agency_branch.pk}/").content.decode()
    assert "未报到党员（1）" in page and "党员丁" in page and "无记录" in page
    response = client.get(f"/volunteers/units/{vol.tree.agency_branch.pk}/record.xlsx?year=2026&quarter=9")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["党员丁"][1] == "未报到" and rows["党员丁"][-1] == "无记录"


def test_the_activity_page_shows_the_organisers_qr_code_and_the_check_page_refuses_clearly(client, vol):
    activity = vol.activity()
    client.force_login(vol.staff)
    page = client.get(f"/volunteers/activities/{activity.pk}/").content.decode()
    assert "data:image/png;base64," in page and activity.check_code in page
    client.force_login(vol.member_user)
    assert activity.check_code not in client.get(f"/volunteers/activities/{activity.pk}/").content.decode()
    assert client.post(f"/volunteers/activities/{activity.pk}/signup/").status_code == 302
    url = f"/volunteers/activities/{activity.pk}/check/"
    early = client.post(url, {"action": "check_out", "code": activity.check_code})
    assert early.status_code == 400 and "您尚未签到，不能签退" in early.content.decode()
    assert client.post(url, {"action": "check_in", "code": activity.check_code}).status_code == 302
    again = client.post(url, {"action": "check_in", "code": activity.check_code})
    assert again.status_code == 400 and "不能重复签到" in again.content.decode()
    assert client.post(url, {"action": "check_out", "code": activity.check_code}).status_code == 302
    signup = SignUp.objects.get(activity=activity)
    client.force_login(vol.staff)
    over = client.post(f"/volunteers/signups/{signup.pk}/confirm/", {"version": signup.version, "minutes": "500"})
    assert over.status_code == 400 and "超过了活动时长 120 分钟" in over.content.decode()
    assert client.post(f"/volunteers/signups/{signup.pk}/confirm/",
                       {"version": signup.version, "minutes": "90"}).status_code == 302
    signup.refresh_from_db()
    assert signup.credited_minutes == 90


def test_bad_input_on_the_forms_keeps_what_was_typed(client, vol):
    client.force_login(vol.staff)
    response = client.post("/volunteers/activities/", {"title": "红领巾助老", "capacity": "many"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="红领巾助老"' in body and "招募人数须为整数" in body
    response = client.post("/volunteers/posts/", {"title": "楼道巡查", "head_count": "0"})
    assert response.status_code == 400 and 'value="楼道巡查"' in response.content.decode()


def test_the_api_signs_up_checks_in_and_out_and_reads_the_service_record(api, vol):
    start = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    end = (timezone.now() + dt.timedelta(minutes=55)).isoformat()
    created = post_json(api, "community", "/api/v1/volunteer-activities", {
        "community": vol.tree.east.code, "title": "红领巾助老", "place": "东街广场", "starts_at": start, "ends_at": end,
        "capacity": 3})
    assert created.status_code == 201, created.content.decode()
    activity_id = created.json()["id"]
    code = post_json(api, "member", f"/api/v1/volunteer-activities/{activity_id}/check",
                     {"action": "check_in", "code": "x"})
    assert code.status_code == 400  # not signed up
    signed = post_json(api, "member", f"/api/v1/volunteer-activities/{activity_id}/signups", {})
    assert signed.status_code == 201 and signed.json()["status"] == "signed_up"
    check_code = services.Activity.objects.get(pk=activity_id).check_code
    out = post_json(api, "member", f"/api/v1/volunteer-activities/{activity_id}/check",
                    {"action": "check_out", "code": check_code})
    assert out.status_code == 400 and out.json()["error"]["code"] == "transition_not_allowed"
    assert "尚未签到" in out.json()["error"]["message"]
    assert post_json(api, "member", f"/api/v1/volunteer-activities/{activity_id}/check",
                     {"action": "check_in", "code": check_code}).status_code == 200
    done = post_json(api, "member", f"/api/v1/volunteer-activities/{activity_id}/check",
                     {"action": "check_out", "code": check_code}).json()
    over = post_json(api, "community", f"/api/v1/volunteer-activities/{activity_id}/signups/{done['id']}/transitions",
                     {"action": "confirm", "version": done["version"], "minutes": 61})
    assert over.status_code == 400 and "minutes" in over.json()["error"]["fields"]
    confirmed = post_json(api, "community",
                          f"/api/v1/volunteer-activities/{activity_id}/signups/{done['id']}/transitions",
                          {"action": "confirm", "version": done["version"], "minutes": 60})
    assert confirmed.status_code == 200 and confirmed.json()["credited_minutes"] == 60
    record = api.ok("member", f"/api/v1/party-members/{vol.member.pk}/service-record")
    assert record["credited_minutes"] == 60 and record["activities"][0]["activity"] == activity_id
    assert api.get("member", f"/api/v1/party-members/{vol.new_member.pk}/service-record").status_code == 404
    assert api.get("member", f"/api/v1/party-members/{2**63}/service-record").status_code == 400
    assert api.get("community2", f"/api/v1/party-members/{vol.member.pk}/service-record").status_code == 404
    page = api.ok("community", "/api/v1/volunteer-activities", limit=1)
    assert len(page["items"]) == 1


def test_a_wish_is_posted_through_the_api_and_listed_masked(api, vol):
    posted = post_json(api, "resident", "/api/v1/wishes", {
        "community": vol.tree.east.code, "title": "修自行车", "text": "自行车坏了，请打13912345678"})
    assert posted.status_code == 201 and "13912345678" not in posted.content.decode()
    wish = Wish.objects.get(pk=posted.json()["id"])
    services.wish_transition(actor=vol.staff, wish=wish, action="publish", expected_version=1)
    listed = api.ok("member", "/api/v1/wishes")["items"]
    assert [w["text"] for w in listed] == ["自行车坏了，请打139****5678"]
    refused = post_json(api, "member", "/api/v1/wishes", {"community": vol.tree.east.code, "title": "x", "text": "y"})
    assert refused.status_code == 403


def test_a_phone_or_id_number_in_a_wishs_title_is_masked_on_the_api_and_on_every_page(api, vol):
    phone, id_number = "13912345678", "610424199001011234"
    posted = post_json(api, "resident", "/api/v1/wishes", {
        "community": vol.tree.east.code, "title": f"修自行车请打{phone}", "text": f"身份证{id_number}"})
    assert posted.status_code == 201 and posted.json()["title"] == "修自行车请打139****5678"
    wish = Wish.objects.get(pk=posted.json()["id"])
    client = api.client
    client.force_login(vol.staff)
    for url in ("/volunteers/", "/volunteers/wishes/"):
        body = client.get(url).content.decode()
        assert "修自行车请打139****5678" in body and phone not in body
    assert client.post(f"/volunteers/wishes/{wish.pk}/publish/", {"version": "1"}).status_code == 302
    wish.refresh_from_db()
    assert wish.title == f"修自行车请打{phone}", "the resident's words are kept; only what others read is masked"
    listed = api.ok("member", "/api/v1/wishes")["items"]
    assert [(w["title"], w["text"]) for w in listed] == [("修自行车请打139****5678", "身份证610424********1234")]
    client.force_login(vol.member_user)
    for url in ("/volunteers/", "/volunteers/wishes/"):
        body = client.get(url).content.decode()
        assert "修自行车请打139****5678" in body and phone not in body and id_number not in body
    client.force_login(vol.users["resident"])
    body = client.get("/volunteers/wishes/").content.decode()
    assert "修自行车请打139****5678" in body and phone not in body


def test_the_figures_endpoint_gains_one_deed_when_one_more_wish_is_fulfilled(api, vol, scratch_media_and_cache):
    def figures():
        return api.ok("county", "/api/v1/reports/figures")

    before = figures()
    wish = vol.wish()
    for actor, action in [(vol.staff, "publish"), (vol.member_user, "claim")]:
        wish = services.wish_transition(actor=actor, wish=wish, action=action, expected_version=wish.version)
    assert figures()["deeds_done"] == before["deeds_done"]
    services.wish_transition(actor=vol.member_user, wish=wish, action="fulfil", expected_version=wish.version,
                             proof=SimpleUploadedFile("p.png", image_bytes("PNG"), content_type="image/png"))
    after = figures()
    assert after["deeds_done"] == before["deeds_done"] + 1
    assert {k: v for k, v in after.items() if k != "deeds_done"} == {
        k: v for k, v in before.items() if k != "deeds_done"}


def test_a_finished_red_scarf_activity_with_hours_confirmed_is_one_service(api, vol):
    before = api.ok("county", "/api/v1/reports/figures")["red_scarf_volunteer_services"]
    activity = vol.activity()
    signup = services.signup_create(actor=vol.member_user, activity=activity)
    for action in ("check_in", "check_out"):
        signup = services.signup_check(actor=vol.member_user, activity=activity, code=activity.check_code,
                                       action=action)
    services.signup_transition(actor=vol.staff, signup=signup, action="confirm", expected_version=signup.version,
                               minutes=30)
    activity.refresh_from_db()
    services.activity_transition(actor=vol.staff, activity=activity, action="finish",
                                 expected_version=activity.version)
    assert api.ok("county", "/api/v1/reports/figures")["red_scarf_volunteer_services"] == before + 1


def test_the_certificate_masks_the_id_number_and_prints_hours_issuer_number_and_date(client, vol):
    activity = vol.activity()
    signup = services.signup_create(actor=vol.member_user, activity=activity)
    for action in ("check_in", "check_out"):
        signup = services.signup_check(actor=vol.member_user, activity=activity, code=activity.check_code,
                                       action=action)
    services.signup_transition(actor=vol.staff, signup=signup, action="confirm", expected_version=signup.version,
                               minutes=90)
    client.force_login(vol.member_user)
    body = client.get(f"/volunteers/members/{vol.member.pk}/certificate/").content.decode()
    assert "610424199001011234" not in body and "610424********1234" in body
    assert "1.5</strong> 小时" in body and "红领巾助老" in body and "出具单位：东街社区" in body
    assert f"ZYFW-{timezone.localdate():%Y%m%d}-{vol.member.pk:06d}" in body
    assert client.get(f"/volunteers/members/{vol.new_member.pk}/certificate/").status_code == 404
