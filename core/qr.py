"""QR codes of the addresses a phone opens from paper or a screen (a meeting's sign-in page, a 公示 on
the residents' portal), as PNG data URIs: the page shows and prints them with no request of its own,
no script and nothing from outside (the policy admits `data:` images)."""

from __future__ import annotations

import segno

# Medium error correction survives a crease or a smudge on a printed sheet; 6 px a module is sharp on
# a screen and scales cleanly on paper.
ERROR_LEVEL = "m"
SCALE = 6


def qr_data_uri(text: str, *, scale: int = SCALE) -> str:
    """`data:image/png;base64,…` of the QR code that reads as `text`."""
    return segno.make(text, error=ERROR_LEVEL).png_data_uri(scale=scale, border=4)
