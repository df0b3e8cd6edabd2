"""Helpers shared by the forms of every app."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting

from .text import ascii_digits


class FieldRenderer(TemplatesSetting):
    """The project's form renderer (FORM_RENDERER): `{{ field.as_field_group }}` and `{{ form }}` draw
    each field with templates/includes/field.html, the one field template, like the include does."""

    field_template_name = "includes/field.html"


class NumberTextField(forms.CharField):
    """A phone or ID number typed as text: full-width digits and forms (１３９…, typed with a Chinese input
    method) read as ASCII before any validator sees them, so they are accepted and stored as ASCII."""

    def to_python(self, value):
        return super().to_python(ascii_digits(value) if isinstance(value, str) else value)


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


class RevealForm(forms.Form):
    """The reason asked before masked personal data is shown whole (the reveal is logged with it)."""

    reason = forms.CharField(label="查看事由", max_length=200, error_messages={"required": "请填写查看事由"})
