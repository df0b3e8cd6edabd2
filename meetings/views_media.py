"""Photos of meetings and of the two 公开, sent by the application, never published under MEDIA_URL.

Each view finds the photo through its meeting or 公开 first (a scoped selector, or the 公开 still on
show), so a photo out of scope or past its period is simply not found. What is stored was re-encoded at
upload; the type sent is the one the file's own first bytes show, and the browser is told not to guess.
"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from cases.services import sniff_image

from .models import DisclosurePhoto
from .views import visible_matter, visible_meeting

logger = logging.getLogger("gongzhi.meetings")

# Bytes read to recognise an image by its signature (WebP needs the first twelve).
SIGNATURE_BYTES = 16
NOT_FOUND = "照片不存在或无权查看"


def photo_response(row, *, filename: str, private: bool = True) -> FileResponse:
    """Stream the photo of `row` (a `file` and its registered `content_type`) inline; 404 if the file is
    missing or its bytes are not the image type registered for it."""
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(NOT_FOUND) from exc
    kind = sniff_image(handle.read(SIGNATURE_BYTES))
    if kind is None or kind[0] != row.content_type:
        handle.close()
        logger.warning("照片 %s 的内容与登记的类型 %s 不符，拒绝发送", row.file.name, row.content_type)
        raise Http404(NOT_FOUND)
    handle.seek(0)
    content_type, extension = kind
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    if private:
        response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def meeting_photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """A photo attached to meeting `pk`, for staff who may open the meeting; 404 otherwise."""
    meeting = visible_meeting(request.user, pk)
    row = meeting.attachments.filter(pk=photo_pk).first()
    if row is None:
        raise Http404(NOT_FOUND)
    return photo_response(row, filename=f"meeting-{meeting.pk}-photo-{row.pk}")


@login_required
@require_safe
def matter_photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """A photo of one of matter `pk`'s 公开, for staff who may open the matter, also once the 公开 has left
    the public pages; 404 otherwise."""
    matter = visible_matter(request.user, pk)
    row = DisclosurePhoto.objects.filter(pk=photo_pk, step__matter=matter).first()
    if row is None:
        raise Http404(NOT_FOUND)
    return photo_response(row, filename=f"disclosure-{row.step_id}-photo-{row.pk}")
