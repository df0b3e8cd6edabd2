"""Helpers shared by the console's forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a ValidationError raised by a service on the form: on its field when the form has one.

    Services validate the model as a last line of defence, so their messages name model fields; a
    field the form does not show becomes an error of the whole form instead of a crash.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        field = name if name in form.fields else None
        for message in messages:
            form.add_error(field, message)
