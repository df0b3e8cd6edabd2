"""Forms of the hall pages: they parse and offer only what the reader may name; every rule is checked
again by `halls.services`, whose errors are shown next to the fields they name."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from core.forms import NumberTextField, add_service_errors

from .models import Mediation, QueueTicket
from .workflow import WindowKind

STALE_PAGE = "页面已过期，请刷新后重试"
DURATIONS = [("30", "半小时"), ("60", "1 小时"), ("90", "1.5 小时"), ("120", "2 小时")]


def _version_field() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1,
                              error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE})


class ServiceErrorsForm(forms.Form):
    def add_service_errors(self, error) -> None:
        add_service_errors(self, error)


class TakeForm(ServiceErrorsForm):
    """取号: which business the resident came for, among the kinds the hall has windows of."""

    kind = forms.ChoiceField(label="办理业务", widget=forms.RadioSelect,
                             error_messages={"required": "请选择办理业务", "invalid_choice": "请选择办理业务"})
    channel = forms.ChoiceField(choices=QueueTicket.Channel.choices, widget=forms.HiddenInput, required=False)

    def __init__(self, data=None, *, kinds, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["kind"].choices = [(kind, WindowKind(kind).label) for kind in kinds]


class VersionForm(forms.Form):
    version = _version_field()


class BookingForm(ServiceErrorsForm):
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                          error_messages={"required": "请选择日期", "invalid": "请按 年-月-日 填写日期"})
    start = forms.TimeField(label="开始时间",
                            widget=forms.TimeInput(attrs={"type": "time", "step": 1800}, format="%H:%M"),
                            error_messages={"required": "请选择开始时间", "invalid": "请按 时:分 填写时间"})
    duration = forms.ChoiceField(label="使用时长", choices=DURATIONS, initial="60",
                                 error_messages={"invalid_choice": "请选择使用时长", "required": "请选择使用时长"})
    contact_name = forms.CharField(label="联系人", max_length=50, error_messages={"required": "请填写联系人"})
    contact_phone = NumberTextField(label="联系电话", max_length=20, required=False,
                                    widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    purpose = forms.CharField(label="用途", max_length=200, error_messages={"required": "请填写用途"})

    def times(self) -> tuple[dt.datetime, dt.datetime]:
        data = self.cleaned_data
        start = timezone.make_aware(dt.datetime.combine(data["day"], data["start"]))
        return start, start + dt.timedelta(minutes=int(data["duration"]))


class BookingActionForm(ServiceErrorsForm):
    version = _version_field()
    note = forms.CharField(label="意见", max_length=200, required=False)


class MediationForm(ServiceErrorsForm):
    title = forms.CharField(label="纠纷名称", max_length=100, error_messages={"required": "请填写纠纷名称"})
    applicant_name = forms.CharField(label="申请人姓名", max_length=50, error_messages={"required": "请填写申请人姓名"})
    applicant_phone = NumberTextField(label="申请人电话", max_length=20, required=False)
    respondent_name = forms.CharField(label="被申请人姓名", max_length=50,
                                      error_messages={"required": "请填写被申请人姓名"})
    respondent_phone = NumberTextField(label="被申请人电话", max_length=20, required=False)
    facts = forms.CharField(label="纠纷事实", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
                            error_messages={"required": "请填写纠纷事实"})
    disputed_points = forms.CharField(label="争议焦点", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                                      error_messages={"required": "请填写争议焦点"})
    region = forms.ChoiceField(label="社区", error_messages={"required": "请选择社区",
                                                            "invalid_choice": "所选社区已失效，请刷新页面后重试"})

    def __init__(self, data=None, *, regions, **kwargs):
        super().__init__(data, **kwargs)
        self.regions = {str(region.pk): region for region in regions}
        self.fields["region"].choices = [("", "请选择"), *((k, r.name) for k, r in self.regions.items())]


class MediationActionForm(ServiceErrorsForm):
    """One step of the mediation table; the fields shown depend on the step."""

    FIELDS = {
        "session": ("held_on", "note", "signed"),
        "agree": ("held_on", "agreement_form", "agreement_terms", "perform_by", "note"),
        "follow_up": ("held_on", "note"),
        "close": ("held_on", "note"),
        "refer": ("held_on", "referred_to", "note"),
    }
    NOTE_LABELS = {"session": "调解笔录", "agree": "调解员记录", "follow_up": "回访情况", "close": "结案说明",
                   "refer": "转交理由"}

    version = _version_field()
    held_on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              required=False,
                              error_messages={"invalid": "请按 年-月-日 填写日期"})
    note = forms.CharField(label="记录", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                           error_messages={"required": "请填写记录"})
    signed = forms.BooleanField(label="当事人已在笔录上签字", required=False)
    agreement_form = forms.ChoiceField(label="协议形式", choices=[("", "请选择"), *Mediation.AgreementForm.choices],
                                       required=False)
    agreement_terms = forms.CharField(label="协议内容（约定事项）", widget=forms.Textarea(attrs={"rows": 3}),
                                      max_length=5000, required=False)
    perform_by = forms.DateField(label="履行期限", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                 required=False,
                                 error_messages={"invalid": "请按 年-月-日 填写日期"})
    referred_to = forms.CharField(label="转交单位", max_length=100, required=False)

    def __init__(self, data=None, *, action: str, **kwargs):
        super().__init__(data, prefix=action, **kwargs)
        self.action = action
        keep = {"version", *self.FIELDS.get(action, ())}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "note" in self.fields:
            self.fields["note"].label = self.NOTE_LABELS.get(action, "记录")
