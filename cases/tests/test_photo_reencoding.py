"""Photos are stored re-encoded: through every intake that takes photos (the staff counter, the residents'
portal, a department's reply) a phone JPEG with GPS EXIF comes back from the photo URL as a whole image,
upright, with no metadata; crafted files are refused or neutralised and leave nothing stored."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from cases.images import MAX_PHOTO_PIXELS
from cases.models import Attachment, Case, CaseEvent
from cases.workflow import Status
from conftest import PASSWORD
from core.models import AuditEvent

from .images import image_bytes, opened, phone_jpeg

pytestmark = pytest.mark.django_db

SCRIPT = b"<script>alert(document.cookie)</script>"


def upload(content: bytes, name: str = "IMG_0001.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def served(client, attachment: Attachment, username: str = "community") -> bytes:
    client.login(username=username, password=PASSWORD)
    response = client.get(reverse("cases:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def assert_clean_and_upright(content: bytes) -> None:
    """No EXIF, GPS, comment, XMP or profile; turned as the phone's orientation tag said (40×20 → 20×40,
    the red left half now on top)."""
    assert b"Exif" not in content and b"TestPhone" not in content and b"taken at home" not in content
    image = opened(content)
    assert image.format == "JPEG"
    assert not image.getexif() and not image.getexif().get_ifd(0x8825)
    assert not {"exif", "xmp", "comment", "icc_profile"} & set(image.info)
    assert image.size == (20, 40)
    top, bottom = image.convert("RGB").getpixel((10, 5)), image.convert("RGB").getpixel((10, 35))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]


def test_the_phone_photo_really_carries_gps_and_a_turn():
    original = opened(phone_jpeg())
    assert original.size == (40, 20)
    assert original.getexif()[0x0112] == 6 and original.getexif().get_ifd(0x8825)


def test_a_counter_intake_stores_the_photo_without_exif_and_upright(client, world):
    client.login(username="community", password=PASSWORD)
    response = client.post(reverse("cases:intake"), {
        "kind": "problem", "request_type": "complaint", "channel": "opinion_window",
        "region": world.tree.east_grid1.pk, "address": "东街3号楼前", "lat": "", "long": "", "title": "井盖缺失",
        "description": "东街3号楼前的井盖丢了", "contact_name": "张大爷", "contact_phone": "13912345678",
        "target_group": "", "category": "", "idempotency_key": "key-photo-1", "photos": [upload(phone_jpeg())],
    })
    assert response.status_code == 302
    attachment = Case.objects.get().attachments.get()
    content = served(client, attachment)
    assert_clean_and_upright(content)
    assert attachment.size == len(content) and attachment.content_type == "image/jpeg"


def test_a_portal_report_stores_the_photo_without_exif_and_upright(client, world):
    response = client.post(reverse("portal:report"), {
        "kind": "problem", "community": world.tree.east.code, "place": "", "address": "东街小区 3 号楼门口",
        "title": "路灯不亮", "description": "3 号楼门口的路灯坏了一个星期。", "contact_name": "王秀英",
        "contact_phone": "13912345678", "idempotency_key": uuid.uuid4().hex, "request_type": "", "category": "",
        "target_group": "", "photos": upload(phone_jpeg()),
    })
    assert response.status_code == 302
    assert_clean_and_upright(served(client, Case.objects.get().attachments.get()))


def test_a_reply_photo_is_stored_without_exif_and_upright(client, flow):
    case = flow.reach(Status.IN_PROGRESS)
    client.login(username="dept", password=PASSWORD)
    response = client.post(reverse("cases:transition", args=[case.pk, "reply"]), {
        "reply-version": case.version, "reply-assignment": flow.lead(case).pk, "reply-reply": "已更换井盖",
        "reply-photos": [upload(phone_jpeg())],
    })
    assert response.status_code == 302
    assert_clean_and_upright(served(client, case.attachments.get(), username="dept"))


def test_html_after_the_image_data_or_in_a_text_chunk_is_not_stored(flow):
    png = io.BytesIO()
    text = PngInfo()
    text.add_text("Comment", SCRIPT.decode())
    Image.new("RGB", (6, 6), (10, 200, 10)).save(png, "PNG", pnginfo=text)
    assert SCRIPT in png.getvalue()
    case = flow.submit(photos=[
        upload(image_bytes("JPEG") + b"<html><body>" + SCRIPT + b"</body></html>"),
        upload(png.getvalue(), "a.png", "image/png"),
        upload(image_bytes("WEBP") + SCRIPT, "b.webp", "image/webp"),
    ])
    for attachment in case.attachments.all():
        with attachment.file.open("rb") as handle:
            content = handle.read()
        assert b"<script" not in content and b"<html" not in content
        assert opened(content).get_format_mimetype() == attachment.content_type


@pytest.mark.parametrize("content, message", [
    (b"\xff\xd8\xff\xe0<html><body>" + SCRIPT + b"</body></html>", "第 1 张照片已损坏或不完整"),
    (image_bytes("JPEG", (200, 200))[:300], "第 1 张照片已损坏或不完整"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "第 1 张照片已损坏或不完整"),
    # 8,000 × 8,000 pixels in about 8 KB: decoded it would take 64 million pixels of memory.
    (image_bytes("PNG", (8000, 8000), mode="1"), f"像素过多（超过 {MAX_PHOTO_PIXELS // 10_000} 万像素）"),
], ids=["html-behind-a-jpeg-signature", "truncated-jpeg", "png-signature-only", "decompression-bomb"])
def test_a_file_that_is_not_a_whole_sensible_image_is_refused_in_chinese(client, world, media_root, content,
                                                                        message):
    assert len(content) < 5 * 1024 * 1024
    client.login(username="community", password=PASSWORD)
    response = client.post(reverse("cases:intake"), {
        "kind": "problem", "request_type": "complaint", "channel": "opinion_window",
        "region": world.tree.east_grid1.pk, "address": "", "lat": "", "long": "", "title": "井盖缺失",
        "description": "井盖丢了", "contact_name": "张大爷", "contact_phone": "13912345678", "target_group": "",
        "category": "", "idempotency_key": "key-bad-photo", "photos": [upload(content)],
    })
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Case.objects.exists() and not CaseEvent.objects.exists() and not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(target_type="cases.case").exists()
    assert not list(media_root.rglob("*.*"))
