"""Photos attached to a meeting (the paper sign-in sheet, the meeting in session) over HTTP: re-encoded,
listed on the meeting page and the printable minutes, served only to staff in scope, and refused in
Chinese with nothing stored when they are not images, too large or too many."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.tests.images import PNG, phone_jpeg
from core.models import AuditEvent
from meetings import services
from meetings.models import DisclosurePhoto, Matter, MatterStep, MeetingAttachment
from meetings.tests.test_pages import opened, scheduled
from meetings.workflow import BodyKind, Stage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scratch_media_and_cache")]


@pytest.fixture
def staff(client, council):
    client.force_login(council.staff)
    return client


def jpeg(name: str = "sheet.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, phone_jpeg(), content_type="image/jpeg")


def png(name: str = "hall.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def upload(client, meeting, *photos, caption: str = ""):
    return client.post(f"/meetings/{meeting.pk}/photos/", {"photo-photos": list(photos), "photo-caption": caption})


def test_the_recorder_attaches_the_sign_in_sheet_and_staff_see_it_re_encoded_without_its_position(staff, council,
                                                                                                   settings):
    meeting = opened(council)
    response = upload(staff, meeting, jpeg(), caption="纸质签到表")
    assert response.status_code == 302 and response["Location"].endswith(f"/meetings/{meeting.pk}/#photos-heading")
    photo = MeetingAttachment.objects.get(meeting=meeting)
    assert photo.caption == "纸质签到表" and photo.content_type == "image/jpeg" and photo.uploaded_by == council.staff
    assert photo.file.name.endswith(".jpg") and "sheet" not in photo.file.name
    url = f"/meetings/{meeting.pk}/photos/{photo.pk}/"
    served = staff.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff" and "no-store" in served["Cache-Control"]
    content = b"".join(served.streaming_content)
    assert content.startswith(b"\xff\xd8\xff")
    assert b"taken at home" not in content and b"TestPhone" not in content
    html = staff.get(f"/meetings/{meeting.pk}/").content.decode()
    assert f'src="{url}"' in html and "纸质签到表" in html and "已上传 1 张会议照片" in html
    minutes = staff.get(f"/meetings/{meeting.pk}/minutes/").content.decode()
    assert f'src="{url}"' in minutes and "1. 纸质签到表" in minutes
    event = AuditEvent.objects.filter(reason="上传会议照片").get()
    assert event.actor == council.staff and photo.file.name in str(event.changes)


def test_several_photos_go_up_at_once_and_a_closed_meeting_still_takes_them(staff, council):
    meeting = council.held(BodyKind.PARTY_MEMBERS)
    assert upload(staff, meeting, jpeg(), png(), caption="会议现场").status_code == 302
    assert MeetingAttachment.objects.filter(meeting=meeting, caption="会议现场").count() == 2
    png_photo = MeetingAttachment.objects.get(meeting=meeting, content_type="image/png")
    assert staff.get(f"/meetings/{meeting.pk}/photos/{png_photo.pk}/")["Content-Type"] == "image/png"


def test_a_file_that_is_not_an_image_is_refused_in_chinese_and_nothing_is_stored(staff, council, settings):
    meeting = opened(council)
    fake = SimpleUploadedFile("sheet.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")
    response = upload(staff, meeting, jpeg(), fake, caption="纸质签到表")
    html = response.content.decode()
    assert response.status_code == 200
    assert "第 2 张照片不是 JPEG、PNG 或 WebP 格式的图片" in html
    assert 'value="纸质签到表"' in html  # the caption typed is kept
    assert not MeetingAttachment.objects.exists() and stored_files(settings) == []
    assert not AuditEvent.objects.filter(reason="上传会议照片").exists()


def test_a_photo_over_5_mb_is_refused_and_nothing_is_stored(staff, council, settings):
    meeting = opened(council)
    huge = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\0" * (5 * 1024 * 1024), content_type="image/jpeg")
    response = upload(staff, meeting, huge)
    assert response.status_code == 200 and "第 1 张照片超过 5 MB，请压缩后再上传" in response.content.decode()
    assert not MeetingAttachment.objects.exists() and stored_files(settings) == []


def test_an_upload_without_a_photo_asks_for_one(staff, council):
    meeting = opened(council)
    response = upload(staff, meeting, caption="会议现场")
    assert response.status_code == 200 and "请选择要上传的照片" in response.content.decode()


def test_a_meeting_holds_at_most_ten_photos(staff, council, settings):
    meeting = opened(council)
    services.meeting_attachment_add(actor=council.staff, meeting=meeting, photos=[png() for _ in range(9)])
    response = upload(staff, meeting, png(), png())
    assert "每场会议最多 10 张照片，已有 9 张，本次选择了 2 张" in response.content.decode()
    assert MeetingAttachment.objects.filter(meeting=meeting).count() == 9 and len(stored_files(settings)) == 9
    assert upload(staff, meeting, png()).status_code == 302
    html = staff.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "已达每场会议 10 张照片的上限" in html and 'name="photo-photos"' not in html


def test_a_meeting_not_yet_opened_or_cancelled_takes_no_photos(staff, council):
    meeting = scheduled(council)
    assert 'name="photo-photos"' not in staff.get(f"/meetings/{meeting.pk}/").content.decode()
    response = upload(staff, meeting, png())
    assert "会议当前为“已通知”，开会签到后或散会后才能上传照片" in response.content.decode()
    meeting = services.meeting_transition(actor=council.staff, meeting=meeting, action="cancel",
                                          expected_version=meeting.version)
    response = upload(staff, meeting, png())
    assert "会议当前为“已取消”" in response.content.decode()
    assert not MeetingAttachment.objects.exists()


def test_photos_of_a_meeting_out_of_scope_answer_404_and_take_nothing(client, council, users, settings):
    meeting = opened(council)
    [photo] = services.meeting_attachment_add(actor=council.staff, meeting=meeting, photos=[png()])
    url = f"/meetings/{meeting.pk}/photos/{photo.pk}/"
    client.force_login(users["community2"])
    assert client.get(url).status_code == 404
    assert upload(client, meeting, png()).status_code == 404
    client.force_login(users["resident"])
    assert client.get(url).status_code == 404
    assert MeetingAttachment.objects.count() == 1 and len(stored_files(settings)) == 1
    # A photo asked for under another meeting, even one in scope, is not found either.
    other = opened(council, BodyKind.TWO_COMMITTEES)
    client.force_login(council.staff)
    assert client.get(f"/meetings/{other.pk}/photos/{photo.pk}/").status_code == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --------------------------------------------------------------------------------------------------
# Photos of the two 公开 (决议公开, 实施结果公开)
# --------------------------------------------------------------------------------------------------

DISCLOSE = "disclose_resolution"


def disclose(client, matter, *photos, note: str = "经居民代表会议表决通过，3号楼加装电梯。", action: str = DISCLOSE):
    return client.post(f"/meetings/matters/{matter.pk}/act/{action}/", {
        f"{action}-version": matter.version, f"{action}-note": note, f"{action}-photos": list(photos),
    })


def test_a_resolution_is_disclosed_with_a_photo_residents_see_without_its_position(staff, council, client):
    matter = council.matter(stage=Stage.RESOLVED)
    assert 'enctype="multipart/form-data"' in staff.get(f"/meetings/matters/{matter.pk}/").content.decode()
    assert disclose(staff, matter, jpeg("notice-board.jpg")).status_code == 302
    step = MatterStep.objects.get(matter=matter, action=DISCLOSE)
    photo = DisclosurePhoto.objects.get(step=step)
    assert photo.content_type == "image/jpeg" and "notice-board" not in photo.file.name
    assert photo.file.name in str(AuditEvent.objects.filter(reason="决议公开").get().changes)
    public_url = f"/public/disclosures/{step.pk}/photos/{photo.pk}/"
    client.logout()
    served = client.get(public_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    content = b"".join(served.streaming_content)
    assert b"taken at home" not in content and b"TestPhone" not in content
    assert f'src="{public_url}"' in client.get(f"/public/disclosures/{step.pk}/").content.decode()
    assert f'src="{public_url}"' in client.get(f"/public/disclosures/{step.pk}/poster/").content.decode()
    staff_url = f"/meetings/matters/{matter.pk}/photos/{photo.pk}/"
    client.force_login(council.staff)
    assert f'src="{staff_url}"' in client.get(f"/meetings/matters/{matter.pk}/").content.decode()
    assert client.get(staff_url)["Content-Type"] == "image/jpeg"


def test_a_result_is_disclosed_without_photos_as_before(staff, council, client):
    matter = council.matter(stage=Stage.RESOLUTION_DISCLOSED)
    assert disclose(staff, matter, action="disclose_result", note="电梯已安装完毕并通过验收").status_code == 302
    step = MatterStep.objects.get(matter=matter, action="disclose_result")
    assert not step.photos.exists()
    html = client.get(f"/public/disclosures/{step.pk}/").content.decode()
    assert "电梯已安装完毕" in html and "data-disclosure-photo" not in html


@pytest.mark.parametrize(("upload_", "message"), [
    (lambda: SimpleUploadedFile("a.jpg", b"GIF89a not really", content_type="image/jpeg"),
     "第 1 张照片不是 JPEG、PNG 或 WebP 格式的图片"),
    (lambda: SimpleUploadedFile("a.jpg", b"\xff\xd8\xff" + b"\0" * (5 * 1024 * 1024), content_type="image/jpeg"),
     "第 1 张照片超过 5 MB，请压缩后再上传"),
])
def test_a_refused_photo_leaves_the_matter_where_it_was_and_stores_nothing(staff, council, settings, upload_,
                                                                         message):
    matter = council.matter(stage=Stage.RESOLVED)
    response = disclose(staff, matter, upload_(), note="决议内容：加装电梯")
    html = response.content.decode()
    assert response.status_code == 200 and message in html and "决议内容：加装电梯" in html
    matter.refresh_from_db()
    assert matter.stage == Stage.RESOLVED and not matter.steps.filter(action=DISCLOSE).exists()
    assert not DisclosurePhoto.objects.exists() and stored_files(settings) == []


def test_a_disclosure_holds_at_most_six_photos(staff, council):
    matter = council.matter(stage=Stage.RESOLVED)
    response = disclose(staff, matter, *[png() for _ in range(7)])
    assert "每次公开最多 6 张照片，已有 0 张，本次选择了 7 张" in response.content.decode()
    matter.refresh_from_db()
    assert matter.stage == Stage.RESOLVED


def test_only_the_two_disclosures_take_photos(council):
    matter = council.matter()
    with pytest.raises(ValidationError, match="只有决议公开和实施结果公开可以附照片"):
        services.matter_transition(actor=council.staff, matter=matter, action="propose",
                                   expected_version=matter.version, photos=[png()])
    matter.refresh_from_db()
    assert matter.stage == Stage.REGISTERED


def test_the_poster_prints_at_most_two_photos_and_the_page_shows_them_all(staff, council, client):
    matter = council.matter(stage=Stage.RESOLVED)
    assert disclose(staff, matter, png(), png(), png()).status_code == 302
    step = MatterStep.objects.get(matter=matter, action=DISCLOSE)
    page = client.get(f"/public/disclosures/{step.pk}/").content.decode()
    poster = client.get(f"/public/disclosures/{step.pk}/poster/").content.decode()
    assert page.count("data-disclosure-photo") == 3
    assert poster.count(f"/public/disclosures/{step.pk}/photos/") == 2


def test_a_disclosure_photo_is_public_only_while_the_disclosure_is_shown(staff, council, client):
    matter = council.matter(stage=Stage.RESOLVED)
    disclose(staff, matter, png())
    step = MatterStep.objects.get(matter=matter, action=DISCLOSE)
    photo = step.photos.get()
    public_url = f"/public/disclosures/{step.pk}/photos/{photo.pk}/"
    assert client.get(public_url).status_code == 200
    # Another 公开's photo id under this 公开 is not found.
    assert client.get(f"/public/disclosures/{step.pk}/photos/{photo.pk + 1000}/").status_code == 404
    MatterStep.objects.filter(pk=step.pk).update(public_until=timezone.localdate() - dt.timedelta(days=1))
    assert client.get(public_url).status_code == 404
    # Staff still see it on the matter's page once the period is over.
    assert staff.get(f"/meetings/matters/{matter.pk}/photos/{photo.pk}/").status_code == 200
    MatterStep.objects.filter(pk=step.pk).update(public_until=timezone.localdate() + dt.timedelta(days=1))
    assert client.get(public_url).status_code == 200
    Matter.objects.filter(pk=matter.pk).update(archived_at=timezone.now())
    assert client.get(public_url).status_code == 404


def test_disclosure_photos_out_of_scope_answer_404_for_staff(client, council, users):
    matter = council.matter(stage=Stage.RESOLVED)
    client.force_login(council.staff)
    disclose(client, matter, png())
    photo = DisclosurePhoto.objects.get()
    client.force_login(users["community2"])
    assert client.get(f"/meetings/matters/{matter.pk}/photos/{photo.pk}/").status_code == 404
    matter.refresh_from_db()
    other = council.matter(title="东街小区改造", stage=Stage.RESOLVED)
    assert disclose(client, other, png()).status_code == 404
    assert DisclosurePhoto.objects.count() == 1
