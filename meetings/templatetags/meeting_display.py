"""Template filters of the meeting pages."""

from __future__ import annotations

from django import template

from core.pii import mask_text

register = template.Library()


@register.filter
def masked(text: str) -> str:
    """Free text (a matter's content, a note, the minutes) with phone and ID numbers masked: people type
    them anywhere, and these pages are printed and shown at meetings."""
    return mask_text(text or "")
