"""Reads back the QR codes a page shows, as a phone would: the image decoded, not compared to our drawing."""

from __future__ import annotations

import base64
import io
import re

import zxingcpp
from PIL import Image

_QR_IMAGE = re.compile(r'<img[^>]*src="data:image/png;base64,([^"]+)"')


def decoded_qr(html: str) -> list[str]:
    """The text of every QR code image in `html`."""
    texts = []
    for data in _QR_IMAGE.findall(html):
        image = Image.open(io.BytesIO(base64.b64decode(data))).convert("L")
        texts += [found.text for found in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    return texts
