"""Forms of the consultation pages, staff and residents. They parse and offer only what the reader may
name; every rule is checked again by `consultations.services`, whose errors show next to the fields."""

from __future__ import annotations

from typing import Any

from django import forms

from meetings.forms import DATETIME_INPUT_FORMATS, STALE_PAGE, RecordChoiceField, ServiceErrorsMixin

from .models import Opinion

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": "请按“年-月-日”填写日期"}


def _version_field() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": STALE_PAGE,
                                                                         "invalid": STALE_PAGE})


class ConsultationForm(ServiceErrorsMixin, forms.Form):
    region = RecordChoiceField(label="社区", label_of=lambda r: r.name)
    facility = RecordChoiceField(label="相关阵地", required=False, empty_label="（不涉及具体阵地）",
                                 label_of=lambda f: f"{f.name}（{f.region.name}）")
    title = forms.CharField(label="征求意见事项", max_length=150, error_messages={"required": "请填写征求意见事项"},
                            help_text="例如：东街社区党群服务中心布局调整方案")
    plan = forms.CharField(label="方案内容", widget=forms.Textarea(attrs={"rows": 8}),
                           error_messages={"required": "请填写方案内容"},
                           help_text="将在居民端公开，请勿填写电话、身份证号等个人信息")
    opens_on = forms.DateField(label="开始日期", required=False, widget=DATE_INPUT, error_messages=DATE_ERRORS,
                               help_text="不填为今天")
    closes_on = forms.DateField(label="截止日期", required=False, widget=DATE_INPUT, error_messages=DATE_ERRORS,
                                help_text="不填为开始后 30 天")
    short_reason = forms.CharField(label="缩短征求期的理由", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                   help_text="征求期少于 30 天时必填")
    photo = forms.FileField(label="方案图", required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
                            help_text="平面图或效果图，JPEG、PNG 或 WebP，不超过 5 MB；出错时须重新选择")

    def __init__(self, data=None, files=None, *, regions, facilities, **kwargs):
        super().__init__(data, files, **kwargs)
        self.fields["region"].set_records(regions)
        self.fields["facility"].set_records(facilities)
        if len(self.fields["region"].records) == 1 and not self.is_bound:
            self.initial["region"] = next(iter(self.fields["region"].records))


class ActionForm(ServiceErrorsMixin, forms.Form):
    """One move of a consultation, at the version the page showed, with what the move needs."""

    version = _version_field()

    def __init__(self, data=None, *, consultation, action: str, bodies=(), meetings=(), initial: dict | None = None,
                 **kwargs):
        super().__init__(data, initial={"version": consultation.version, **(initial or {})}, prefix=action, **kwargs)
        self.action = action
        if action == "close":
            self.fields["reason"] = forms.CharField(
                label="提前结束的理由", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                help_text=f"征求期至 {consultation.closes_on:%Y-%m-%d} 截止；此前结束须填写理由")
        elif action == "review":
            meeting = RecordChoiceField(label="已通知的评审会议", required=False, empty_label="（另行安排会议）",
                                        label_of=lambda m: f"{m.title}（{m.scheduled_at:%Y-%m-%d %H:%M}）")
            meeting.set_records(meetings)
            body = RecordChoiceField(label="或：安排会议的议事机构", required=False, empty_label="请选择",
                                     label_of=lambda b: f"{b.name}（{b.get_kind_display()}）",
                                     help_text="居民代表会议或民情议事会；会议通知发给其全体成员")
            body.set_records(bodies)
            self.fields["meeting"], self.fields["body"] = meeting, body
            self.fields["scheduled_at"] = forms.DateTimeField(
                label="会议时间", required=False, input_formats=DATETIME_INPUT_FORMATS,
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                error_messages={"invalid": "请按“年-月-日 时:分”填写时间"})
            self.fields["place"] = forms.CharField(label="地点", max_length=150, required=False)
        elif action == "publish":
            self.fields["outcome"] = forms.CharField(
                label="结果说明", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                help_text="与各条意见的处理结果一并在居民端公布")

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in ("reason", "meeting", "body", "scheduled_at", "place", "outcome")
                if name in self.fields}


class ModerationForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请填写理由"})

    def __init__(self, data=None, *, comment, **kwargs):
        super().__init__(data, prefix=f"moderate-{comment.pk}", **kwargs)
        self.comment = comment


class OpinionForm(ServiceErrorsMixin, forms.Form):
    """The outcome of one opinion: the comments it answers (one, or several saying the same thing)."""

    comments = forms.MultipleChoiceField(label="意见", widget=forms.CheckboxSelectMultiple,
                                         error_messages={"required": "请选择要处理的意见",
                                                         "invalid_choice": "所选意见已失效，请刷新页面后重试"})
    summary = forms.CharField(label="意见归纳", max_length=200, required=False,
                              help_text="多条意见内容相同时，可归纳为一条")
    outcome = forms.ChoiceField(label="处理结果", choices=Opinion.Outcome.choices, widget=forms.RadioSelect,
                                error_messages={"required": "请选择处理结果：采纳或不予采纳"})
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请填写采纳或不予采纳的理由"},
                             help_text="将与结果一并向居民公布")

    def __init__(self, data=None, *, comments, **kwargs):
        super().__init__(data, prefix="opinion", **kwargs)
        self.records = {str(comment.pk): comment for comment in comments}
        self.fields["comments"].choices = [(key, f"{c.display_name}：{c.text[:60]}") for key, c in self.records.items()]

    def chosen(self) -> list:
        return [self.records[key] for key in self.cleaned_data["comments"]]

