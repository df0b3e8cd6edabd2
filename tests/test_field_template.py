"""One field template (templates/includes/field.html) for every form: the include, `as_field_group` and the
residents' portal, whose larger-text variant is the same file with `resident`."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template import Context, Template, TemplateDoesNotExist
from django.template.loader import get_template
from django.test import Client

from conftest import PASSWORD
from tests.test_described_by import _dangling

pytestmark = pytest.mark.django_db


class _NameForm(forms.Form):
    name = forms.CharField(label="姓名", help_text="不超过 50 字", max_length=50)
    groups = forms.MultipleChoiceField(label="分组", choices=[("a", "甲"), ("b", "乙")], help_text="可多选",
                                       widget=forms.CheckboxSelectMultiple)


def test_as_field_group_draws_the_project_template_with_the_ids_django_describes_by():
    form = _NameForm(data={"name": ""})
    html = Template("{{ form.name.as_field_group }}{{ form.groups.as_field_group }}").render(Context({"form": form}))
    assert '<div class="field has-error">' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'id="id_name_helptext"' in html and 'id="id_name_error"' in html
    # A group of checkboxes is a fieldset that carries the description itself.
    assert re.search(r'<fieldset class="field choices has-error" aria-describedby="id_groups_helptext id_groups_error">'
                     r'\s*<legend>分组', html)
    assert _dangling(html) == []


def test_the_copies_are_gone():
    get_template("includes/field.html")
    for name in ("cases/_field.html", "portal/_field.html", "portal/_radios.html"):
        with pytest.raises(TemplateDoesNotExist):
            get_template(name)


def test_a_staff_form_with_errors_describes_each_control_by_its_error(users):
    client = Client()
    assert client.login(username="community", password=PASSWORD)
    html = client.post("/cases/new/", {}).content.decode()
    assert 'role="alert"' in html and 'class="error"' in html
    assert re.search(r'<input[^>]*aria-describedby="[^"]*id_title_error"', html)
    assert _dangling(html) == []


def test_the_portal_keeps_its_large_text_parts(db):
    client = Client()
    blank = client.get("/public/report/").content.decode()
    assert '<span class="required-text">（必填）</span>' in blank
    assert '<span class="optional-text">（选填）</span>' in blank
    assert '<span class="required-text">（申请帮助时必填）</span>' in blank
    assert 'class="counter" data-counter-for="id_description"' in blank
    assert re.search(r'<div class="check">\s*<input type="checkbox"[^>]*>\s*<label for="id_public_anonymous">', blank)
    assert re.search(r'<fieldset class="field choice-group big-choices">\s*<legend>您要办理的事项', blank)
    assert 'class="choice" for="id_kind_0"' in blank
    assert '<span class="required" aria-hidden="true">*</span>' not in blank  # the staff asterisk stays out
    invalid = client.post("/public/report/", {"kind": "problem"}).content.decode()
    assert '<span class="error-mark" aria-hidden="true">!</span>错误：' in invalid
    assert re.search(r'<textarea[^>]*aria-describedby="[^"]*id_description_error"', invalid)
    assert _dangling(invalid) == []
