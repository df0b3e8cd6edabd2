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


class ConsentForm(forms.Form):
    """The community's decision on a candidate for a team's head (征得同意权): consent or refusal, with its date,
    signatories and reasons."""

    candidate = forms.ChoiceField(label="拟任人选", error_messages={"invalid_choice": "请从列表中选择拟任人选",
                                                                 "required": "请选择拟任人选"})
    decision = forms.ChoiceField(label="社区意见", choices=[("consent", "同意"), ("refuse", "不同意")],
                                 widget=forms.RadioSelect, error_messages={"required": "请选择同意或不同意"})
    decided_on = forms.DateField(label="决定日期", widget=DATE_INPUT,
                                 error_messages={"required": "请填写决定日期", "invalid": "请按“年-月-日”填写日期"})
    signatories = forms.CharField(label="签字人", max_length=300, help_text="如：社区党委书记、居委会主任",
                                  error_messages={"required": "请填写签字人"})
    reasons = forms.CharField(label="理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"required": "请填写理由（不同意也须写明）"})

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidate"].choices = [("", "请选择")] + [(str(p.pk), p.name) for p in candidates]


class AppointForm(forms.Form):
    """Appoint the head of a team: the seat (a current position in the community's organisations) whose holder
    the community has consented to."""

    seat = forms.ChoiceField(label="负责人席位", help_text="须已征得社区同意",
                             error_messages={"invalid_choice": "请从列表中选择本社区组织中的现任职务",
                                             "required": "请选择负责人席位"})

    def __init__(self, *args, seats=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seat"].choices = [("", "请选择")] + [
            (str(s.pk), f"{s.person.name} · {s.organisation.name} {s.title}") for s in seats]



class RefuseTaskForm(forms.Form):
    """The community refuses a task pushed down without admission, with its reason."""

    reason = forms.CharField(label="拒绝理由", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请填写拒绝理由"})
