"""Forms of the task pages. They parse and offer only what the reader may name; every rule is checked again by
`tasks.services`, whose errors show next to the fields."""

from __future__ import annotations

from django import forms

STALE_PAGE = "页面已过期，请刷新后重试"
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DecideForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31,
                                 error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE})
    reason = forms.CharField(label="审核意见", required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}), help_text="不予准入、退回补充时必填")


class LedgerForm(forms.Form):
    community = forms.ChoiceField(label="社区")
    kind = forms.ChoiceField(label="类型")
    # Money is typed as text and read as Decimal by the service: never through a float.
    amount = forms.CharField(label="金额（元）", max_length=20, help_text="最多两位小数，如 1200.50",
                             error_messages={"required": "请填写金额"})
    on = forms.DateField(label="日期", required=False, widget=DATE_INPUT, help_text="不填为今天",
                         error_messages={"invalid": "请按“年-月-日”填写日期"})
    note = forms.CharField(label="说明", required=False, max_length=200)

    def __init__(self, *args, communities=(), kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.code, c.name) for c in communities]
        self.fields["kind"].choices = list(kinds)
