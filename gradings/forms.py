"""Forms of the grading pages; every rule is checked again by `gradings.services`."""

from __future__ import annotations

from django import forms

from .models import Grade


class ProposeForm(forms.Form):
    proposal = forms.ChoiceField(label="评定建议", choices=Grade.choices)
    opinion = forms.CharField(label="评价意见", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"required": "请填写评价意见"})


class DecideForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31,
                                 error_messages={"required": "页面已过期，请刷新后重试"})
    result = forms.ChoiceField(label="县级评定结果", choices=Grade.choices)
    result_reason = forms.CharField(label="与社区建议不一致的理由", required=False, max_length=2000,
                                    widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text="社区评定建议是重要依据；结果不一致时必填")


class WeightsForm(forms.Form):
    response = forms.IntegerField(label="响应权重", min_value=0, max_value=100)
    resolution = forms.IntegerField(label="解决权重", min_value=0, max_value=100)
    satisfaction = forms.IntegerField(label="满意权重", min_value=0, max_value=100)
