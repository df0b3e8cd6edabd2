"""Case photos, served by the application to those who may open the case and to no one else.

Uploaded files are never published under MEDIA_URL: a photo shows a resident's home, street or face,
so every request goes through `cases_visible_to` like the case itself. What is stored was re-encoded
at upload (`cases.images`: pixels only, no EXIF or trailing bytes). The type sent is the one the
file's own first bytes show (JPEG, PNG or WebP), never a name's extension, and the browser is told
not to guess another.
"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from .models import Attachment
from .selectors import cases_visible_to
from .services import sniff_image

logger = logging.getLogger("gongzhi.cases")

# Bytes read to recognise an image by its signature (WebP needs the first twelve).
SIGNATURE_BYTES = 16


@login_required
@require_safe
def attachment_view(request: HttpRequest, pk: int) -> FileResponse:
    """Stream photo `pk` inline if its case is visible to the user; 404 otherwise (absent or out of scope alike)."""
    attachment = (
        Attachment.objects.filter(pk=pk, case__in=cases_visible_to(request.user).values("pk"))
        .only("pk", "file", "content_type").first()
    )
    if attachment is None:
        raise Http404("照片不存在或无权查看")
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("照片不存在或无权查看") from exc
    kind = sniff_image(handle.read(SIGNATURE_BYTES))
    if kind is None or kind[0] != attachment.content_type:
        handle.close()
        logger.warning("照片 %s 的内容与登记的类型 %s 不符，拒绝发送", attachment.pk, attachment.content_type)
        raise Http404("照片不存在或无权查看")
    handle.seek(0)
    content_type, extension = kind
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="photo-{attachment.pk}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
