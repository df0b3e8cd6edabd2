"""Photos attached to a case: sniffed, re-encoded, and written to storage only after the commit."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..images import ImageRefused, reencode_image
from ..models import (
    Assignment,
    Attachment,
    Case,
)
from ._base import MAX_PHOTO_BYTES, MAX_PHOTOS_PER_CASE, _new_files


def sniff_image(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a JPEG, PNG or WebP image judged by its first bytes, else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


@dataclass(frozen=True)
class CleanPhoto:
    """An uploaded photo as it will be stored: its pixels drawn afresh, and the type its bytes show."""

    content: bytes
    content_type: str
    extension: str



def read_photo(upload: Any) -> CleanPhoto:
    """The photo `upload` re-encoded (≤ 5 MB, JPEG, PNG or WebP by its first bytes, without EXIF, comments or
    trailing bytes); ImageRefused with a Chinese message that follows 「照片」 otherwise."""
    if hasattr(upload, "seek"):
        upload.seek(0)
    content = upload.read(MAX_PHOTO_BYTES + 1)
    if len(content) > MAX_PHOTO_BYTES:
        raise ImageRefused("超过 5 MB，请压缩后再上传")
    kind = sniff_image(content[:16])
    if kind is None:
        raise ImageRefused("不是 JPEG、PNG 或 WebP 格式的图片")
    # Stored is the picture drawn afresh: no EXIF (GPS position), comments or trailing bytes.
    clean = reencode_image(content, kind[0])
    return CleanPhoto(clean.content, *kind)


def _read_photos(errors: dict[str, str], photos: Sequence[Any], *, already: int = 0) -> list[CleanPhoto]:
    photos = list(photos or ())
    if not photos:
        return []
    if already + len(photos) > MAX_PHOTOS_PER_CASE:
        errors["photos"] = f"每个事项最多上传 {MAX_PHOTOS_PER_CASE} 张照片"
        return []
    result: list[CleanPhoto] = []
    for number, upload in enumerate(photos, start=1):
        try:
            result.append(read_photo(upload))
        except ImageRefused as exc:
            errors["photos"] = f"第 {number} 张照片{exc}"
            return []
    return result


def _store_photos(case: Case, photos: list[CleanPhoto], *, actor, now: dt.datetime,
                  assignment: Assignment | None = None) -> list[Attachment]:
    stored = []
    written = _new_files.get()
    for photo in photos:
        attachment = Attachment(
            case=case, content_type=photo.content_type, size=len(photo.content), created_at=now,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None, assignment=assignment,
        )
        attachment.file.name = attachment.file.field.generate_filename(
            attachment, f"{uuid.uuid4().hex}.{photo.extension}"
        )
        if written is None:
            raise RuntimeError("photos are stored only inside a case service")
        written.append((attachment.file.name, photo.content))
        attachment.save()
        stored.append(attachment)
    return stored


