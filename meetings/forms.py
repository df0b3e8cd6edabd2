"""Forms of the staff meeting pages: they parse and offer only what the reader may name; every rule is
checked again by `meetings.services`, whose errors are shown next to the fields they name.

Forms that change a meeting or a matter carry its `version`, so a page read before someone else's
change is refused with a 409 instead of overwriting it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from cases.forms import MultipleFileField
from core.forms import add_service_errors
from core.pii import mask_text

from .models import Attendance, Matter, Meeting
from .selectors import TASK_FILTERS
from .workflow import DISCLOSURE_ACTIONS, BodyKind, MeetingStatus

AGENDA_ROWS = 5
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
STALE_PAGE = "页面已过期，请刷新后重试"
PHOTO_HELP = "JPEG、PNG 或 WebP 图片，每张不超过 5 MB，可一次选择多张；保存时去除拍摄位置等信息"


class RecordChoiceField(forms.ChoiceField):
    """A choice among records handed over by the view; cleans to the record."""

    def __init__(self, *, label_of=str, empty_label: str = "请选择", **kwargs):
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("invalid_choice", "所选项目已失效，请刷新页面后重试")
        kwargs["error_messages"].setdefault("required", "请选择")
        super().__init__(**kwargs)
        self.label_of, self.empty_label = label_of, empty_label
        self.records: dict[str, Any] = {}

    def set_records(self, records) -> None:
        self.records = {str(record.pk): record for record in records}
        self.choices = [("", self.empty_label), *((key, self.label_of(r)) for key, r in self.records.items())]

    def clean(self, value):
        value = super().clean(value)
        return self.records.get(value) if value else None


class ServiceErrorsMixin:
    """The service's ValidationError next to the fields it names (`service_fields` renames keys)."""

    service_fields: dict[str, str] = {}

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            renamed: dict[str, list] = {}
            for name, messages in error.message_dict.items():
                renamed.setdefault(self.service_fields.get(name, name), []).extend(messages)
            error = ValidationError(renamed)
        add_service_errors(self, error)


def _version_field() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": STALE_PAGE,
                                                                         "invalid": STALE_PAGE})


# --------------------------------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------------------------------


class MeetingFilterForm(forms.Form):
    body = RecordChoiceField(label="议事机构", required=False, empty_label="全部")
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *MeetingStatus.choices])

    def __init__(self, data=None, *, bodies, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["body"].set_records(bodies)


# --------------------------------------------------------------------------------------------------
# 会议通知
# --------------------------------------------------------------------------------------------------


class MeetingNoticeForm(ServiceErrorsMixin, forms.Form):
    """A meeting with up to AGENDA_ROWS agenda items, each with an optional matter."""

    body = RecordChoiceField(label="议事机构", label_of=lambda b: f"{b.name}（{b.get_kind_display()}）")
    title = forms.CharField(label="会议名称", max_length=150, error_messages={"required": "请填写会议名称"})
    scheduled_at = forms.DateTimeField(
        label="会议时间", input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "请按“年-月-日 时:分”填写时间", "required": "请填写会议时间"},
    )
    place = forms.CharField(label="地点", max_length=150, required=False)

    def __init__(self, data=None, *, bodies, matters, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["body"].set_records(bodies)
        days = getattr(settings, "MEETING_NOTICE_DAYS", {})
        self.fields["scheduled_at"].help_text = "；".join(
            f"{BodyKind(kind).label}须至少提前 {n} 天通知" for kind, n in days.items() if kind in BodyKind.values and n
        )
        for n in range(1, AGENDA_ROWS + 1):
            self.fields[f"agenda_{n}_title"] = forms.CharField(
                label=f"议题 {n}", max_length=150, required=n == 1,
                error_messages={"required": "请至少填写一项议题"},
            )
            field = RecordChoiceField(label=f"议题 {n} 所议重大事项", required=False, empty_label="（不涉及重大事项）",
                                      label_of=lambda m: f"{mask_text(m.title)}（{m.get_stage_display()}）")
            field.set_records(matters)
            self.fields[f"agenda_{n}_matter"] = field
            self.service_fields = {**self.service_fields, f"agenda.{n - 1}.title": f"agenda_{n}_title",
                                   f"agenda.{n - 1}.matter": f"agenda_{n}_matter"}

    def clean(self):
        data = super().clean()
        for n in range(2, AGENDA_ROWS + 1):
            if data.get(f"agenda_{n}_matter") and not data.get(f"agenda_{n}_title"):
                self.add_error(f"agenda_{n}_title", "选择了重大事项，请填写议题")
        return data

    def agenda(self) -> list[tuple[str, Matter | None]]:
        """The filled agenda rows, in order: (title, matter)."""
        rows = []
        for n in range(1, AGENDA_ROWS + 1):
            title = self.cleaned_data.get(f"agenda_{n}_title") or ""
            if title:
                rows.append((title, self.cleaned_data.get(f"agenda_{n}_matter")))
        return rows


# --------------------------------------------------------------------------------------------------
# A meeting: its moves, attendance and votes
# --------------------------------------------------------------------------------------------------


class MeetingActionForm(ServiceErrorsMixin, forms.Form):
    """开会签到, 散会 (with the minutes) or 取消会议, at the version the page showed."""

    version = _version_field()

    def __init__(self, data=None, *, meeting: Meeting, action: str, initial: dict | None = None, **kwargs):
        super().__init__(data, initial={"version": meeting.version, **(initial or {})}, prefix=action, **kwargs)
        self.action = action
        if action == "close":
            self.fields["minutes"] = forms.CharField(
                label="会议记录", widget=forms.Textarea(attrs={"rows": 6}),
                error_messages={"required": "请填写会议记录"}, help_text="散会前须填写会议记录",
            )
            self.fields["public_summary"] = forms.CharField(
                label="公开摘要", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                help_text="议事机构的会议纪要公开时，居民端显示此摘要",
            )

    def service_kwargs(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in ("minutes", "public_summary") if name in self.cleaned_data}


class AttendanceForm(ServiceErrorsMixin, forms.Form):
    """One seat of the frozen roll ticked by the recorder; the button pressed is the status."""

    seat = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=Attendance.Status.choices, error_messages={"required": "请选择出席情况",
                                                                                 "invalid_choice": "请选择出席情况"})


class VoteForm(ServiceErrorsMixin, forms.Form):
    """The show of hands on one agenda item."""

    version = _version_field()
    in_favour = forms.IntegerField(label="赞成", min_value=0, error_messages={
        "required": "请填写赞成票数", "invalid": "票数须为整数", "min_value": "票数须为不小于 0 的整数"})
    against = forms.IntegerField(label="反对", min_value=0, initial=0, error_messages={
        "required": "请填写反对票数", "invalid": "票数须为整数", "min_value": "票数须为不小于 0 的整数"})
    abstained = forms.IntegerField(label="弃权", min_value=0, initial=0, error_messages={
        "required": "请填写弃权票数", "invalid": "票数须为整数", "min_value": "票数须为不小于 0 的整数"})
    resolution = forms.CharField(label="决议", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    def __init__(self, data=None, *, meeting: Meeting, item, initial: dict | None = None, **kwargs):
        super().__init__(data, initial={"version": meeting.version, **(initial or {})}, prefix=f"vote-{item.pk}",
                         **kwargs)
        self.item = item


# --------------------------------------------------------------------------------------------------
# 决议任务
# --------------------------------------------------------------------------------------------------


class TaskFilterForm(forms.Form):
    show = forms.ChoiceField(label="完成情况", required=False, choices=[("", "全部"), *TASK_FILTERS.items()])


class TaskProgressForm(ServiceErrorsMixin, forms.Form):
    """One dated progress report of a resolution task, at the version the page showed. The range of the
    percentage is the service's rule, so its message is the one shown."""

    version = _version_field()
    progress = forms.IntegerField(label="完成进度（%）", help_text="0 到 100 之间的整数；达到 100% 即为完成",
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                                  error_messages={"required": "请填写完成进度",
                                                  "invalid": "进度须为 0 到 100 之间的整数"})
    note = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="本次进展，按报告时间记为一个节点",
                           error_messages={"required": "请填写进展情况"})

    def __init__(self, data=None, *, task, initial: dict | None = None, **kwargs):
        super().__init__(data, initial={"version": task.version, **(initial or {})}, **kwargs)


# --------------------------------------------------------------------------------------------------
# 重大事项
# --------------------------------------------------------------------------------------------------


class MatterRegisterForm(ServiceErrorsMixin, forms.Form):
    region = RecordChoiceField(label="社区", label_of=lambda r: r.name)
    title = forms.CharField(label="事项名称", max_length=150, error_messages={"required": "请填写事项名称"})
    description = forms.CharField(label="事项内容", widget=forms.Textarea(attrs={"rows": 5}),
                                  error_messages={"required": "请填写事项内容"},
                                  help_text="将在决议公开时向居民公示，请勿填写电话、身份证号等个人信息")

    def __init__(self, data=None, *, regions, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["region"].set_records(regions)
        if len(self.fields["region"].records) == 1 and not self.is_bound:
            self.initial["region"] = next(iter(self.fields["region"].records))


def meeting_label(meeting: Meeting) -> str:
    counts = getattr(meeting, "counts_label", "")
    return f"{meeting.title}（{meeting.body.name}，{meeting.scheduled_at:%Y-%m-%d}）{counts}"


class MatterStepForm(ServiceErrorsMixin, forms.Form):
    """The next step of 四议两公开: the meeting that voted on it, the note or 公开内容, 一肩挑 for 提议."""

    version = _version_field()

    def __init__(self, data=None, files=None, *, matter: Matter, action: str, needs_meeting: bool, meetings=(),
                 initial: dict | None = None, **kwargs):
        super().__init__(data, files, initial={"version": matter.version, **(initial or {})}, prefix=action,
                         **kwargs)
        self.action = action
        if needs_meeting:
            field = RecordChoiceField(label="会议", label_of=meeting_label, help_text=(
                "已散会、并对本事项进行了表决的会议；未达法定人数的会议不能据此推进，请另行召开"),
                empty_label="请选择会议")
            field.error_messages["required"] = "请选择会议"
            field.set_records(meetings)
            self.fields["meeting"] = field
        disclosure = action in DISCLOSURE_ACTIONS
        self.fields["note"] = forms.CharField(
            label="公开内容" if disclosure else "说明", required=disclosure, widget=forms.Textarea(attrs={"rows": 4}),
            error_messages={"required": "请填写公开内容"},
            help_text="将在居民端公示 30 天" if disclosure else "",
        )
        if disclosure:
            self.fields["photos"] = MultipleFileField(
                label="公开照片", help_text=f"可选，最多 6 张，与公开内容一并在居民端公示。{PHOTO_HELP}")
        if action == "propose":
            self.fields["merged"] = forms.BooleanField(
                label="书记、主任“一肩挑”：提议与两委会商议一并进行", required=False,
            )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs: dict[str, Any] = {"note": data.get("note", "")}
        if "meeting" in self.fields:
            kwargs["meeting"] = data.get("meeting")
        if "merged" in self.fields:
            kwargs["merged"] = bool(data.get("merged"))
        if "photos" in self.fields:
            kwargs["photos"] = data.get("photos") or []
        return kwargs

    @property
    def multipart(self) -> bool:
        return "photos" in self.fields


class MeetingPhotoForm(ServiceErrorsMixin, forms.Form):
    """Photos for the meeting (the paper sign-in sheet, the meeting in session) and one caption for them."""

    photos = MultipleFileField(label="会议照片", help_text=f"每场会议最多 10 张。{PHOTO_HELP}")
    caption = forms.CharField(label="照片说明", required=False, max_length=100,
                              error_messages={"max_length": "照片说明不能超过 100 个字"},
                              help_text="例如：纸质签到表、会议现场")

    def __init__(self, data=None, files=None, **kwargs):
        super().__init__(data, files, prefix="photo", **kwargs)


def typed_values(form: forms.Form) -> dict[str, Any]:
    """What the user typed into `form`, as initial values for a fresh one (the version left out)."""
    return {name: field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
            for name, field in form.fields.items() if name != "version"}

