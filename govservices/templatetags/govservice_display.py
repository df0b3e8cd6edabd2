"""Filters of the service pages: an applicant's name and a provider's phone are personal data, shown masked."""

from django import template

from core.pii import mask_name, mask_phone

register = template.Library()


@register.filter
def masked_name(value: str) -> str:
    return mask_name(value or "")


@register.filter
def masked_phone(value: str) -> str:
    """138****1234: a provider's phone may be someone's own mobile."""
    return mask_phone(value or "")
