"""Filters of the service pages: an applicant's name is personal data, shown masked."""

from django import template

from core.pii import mask_name

register = template.Library()


@register.filter
def masked_name(value: str) -> str:
    return mask_name(value or "")
