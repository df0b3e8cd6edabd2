"""Forms of the staff case pages: counter intake, the list filters, and one small form per workflow action.

Forms only parse and offer choices limited to what the reader may name; every rule of the workflow is
checked again by `cases.services`, whose errors are shown next to the fields they name. Action forms
carry the case's `version` (optimistic lock) and use the action as their prefix, so the forms of one
page never share an id.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import REGION_STAFF_ROLES, Role, User
from categories.models import Category, UrgencyLevel
from categories.selectors import category_tree
from core.forms import NumberTextField, add_service_errors
from regions.forms import RegionChoiceField, RegionCodeFilterMixin
from regions.models import Level, Region
from regions.selectors import regions_visible_to, scope_root

from . import selectors, services
from .models import (
    Assignment,
    AssignmentRole,
    Case,
    Channel,
    Kind,
    Meeting,
    RatingResult,
    RequestType,
    TargetGroup,
    WhistleReason,
)
from .services import MAX_PHOTO_BYTES, MAX_PHOTOS_PER_CASE, RESUME_DECISIONS, AssigneeSpec
from .workflow import Status

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"
PHOTO_HELP = (
    f"可选，最多 {MAX_PHOTOS_PER_CASE} 张，JPEG、PNG 或 WebP 格式，每张不超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB"
)
STAFF_CHANNELS = (Channel.OPINION_WINDOW, Channel.SERVICE_HALL, Channel.PHONE, Channel.GRID_PATROL, Channel.MEETING)
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
INDENT = "\u3000"


# --------------------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; cleans to a list (empty when none was chosen)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": PHOTO_ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)]


class RecordChoiceField(forms.ChoiceField):
    """A choice among records handed over by the form (assignments, extensions, summons); cleans to the record."""

    def __init__(self, *, label_of=str, **kwargs):
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("invalid_choice", "所选项目已失效，请刷新页面后重试")
        super().__init__(**kwargs)
        self.label_of = label_of
        self.records: dict[str, Any] = {}

    def set_records(self, records: Iterable[Any], *, empty_label: str = "请选择") -> None:
        """Offer `records`; a required choice of exactly one record is preselected (no empty choice)."""
        self.records = {str(record.pk): record for record in records}
        choices = [(key, self.label_of(record)) for key, record in self.records.items()]
        self.choices = choices if len(choices) == 1 and self.required else [("", empty_label), *choices]

    def clean(self, value):
        value = super().clean(value)
        return self.records.get(value) if value else None


def category_choices(*, include_archived: bool = False) -> list[tuple[str, str]]:
    """The category tree as indented choices, in tree order."""
    choices: list[tuple[str, str]] = []

    def walk(nodes, depth: int) -> None:
        for node in nodes:
            choices.append((str(node.category.pk), INDENT * depth + node.category.name))
            walk(node.children, depth + 1)

    walk(category_tree(include_archived=include_archived), 0)
    return choices


def _category(value: str) -> Category | None:
    if not value:
        return None
    return Category.objects.active().filter(pk=value).first()


def assignment_label(assignment: Assignment) -> str:
    return f"{assignment.assignee_name}（{assignment.get_role_display()}，{assignment.get_status_display()}）"


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _datetime_field(label: str, **kwargs) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "请按“年-月-日 时:分”填写时间", "required": f"请填写{label}"}, **kwargs,
    )


# --------------------------------------------------------------------------------------------------
# Counter intake (受理登记)
# --------------------------------------------------------------------------------------------------


def intake_regions(user: User):
    """Places a clerk may file a case at: communities and grids in scope, and buildings once the scope is
    a community or smaller (a county's buildings would make one list too long to use)."""
    levels = [Level.COMMUNITY, Level.GRID]
    root = scope_root(user)
    if root is not None and root.level in (Level.COMMUNITY, Level.GRID, Level.BUILDING):
        levels.append(Level.BUILDING)
    return regions_visible_to(user).filter(level__in=levels).order_by("code")


class IntakeRegionField(RegionChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        indent = INDENT * {Level.GRID: 1, Level.BUILDING: 2}.get(obj.level, 0)
        return f"{indent}{obj.name}（{obj.get_level_display()} {obj.code}）"


class IntakeForm(forms.Form):
    """What a window clerk takes down at the counter; field names are those `case_submit` reports errors on."""

    kind = forms.ChoiceField(
        label="类型", choices=Kind.choices, initial=Kind.PROBLEM, widget=forms.RadioSelect,
        error_messages={"required": "请选择类型：问题或困难"},
    )
    request_type = forms.ChoiceField(
        label="诉求类型", required=False, choices=[("", "请选择"), *RequestType.choices],
    )
    channel = forms.ChoiceField(
        label="来源渠道", choices=[(value, Channel(value).label) for value in STAFF_CHANNELS],
        error_messages={"required": "请选择来源渠道"},
    )
    region = IntakeRegionField(
        label="所在社区、网格或楼栋", queryset=Region.objects.none(), empty_label="请选择",
        error_messages={"required": "请选择事项所在的社区、网格或楼栋",
                        "invalid_choice": "所选区域不在您的辖区内"},
    )
    address = forms.CharField(label="详细地点", required=False, max_length=200, help_text="如：东街3号楼前")
    lat = forms.DecimalField(
        label="纬度", required=False, max_digits=9, decimal_places=6, min_value=-90, max_value=90,
        help_text="可选，与经度同时填写", error_messages={"invalid": "纬度必须是数字"},
    )
    long = forms.DecimalField(
        label="经度", required=False, max_digits=10, decimal_places=6, min_value=-180, max_value=180,
        help_text="可选，与纬度同时填写", error_messages={"invalid": "经度必须是数字"},
    )
    title = forms.CharField(label="标题", max_length=100, error_messages={"required": "请填写标题"})
    description = forms.CharField(
        label="内容", widget=_textarea(6), max_length=4000, error_messages={"required": "请填写内容"},
    )
    contact_name = forms.CharField(label="联系人", max_length=50, error_messages={"required": "请填写联系人"})
    contact_phone = NumberTextField(
        label="联系电话", max_length=20, help_text="11 位手机号，或区号加座机号",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        error_messages={"required": "请填写联系电话，便于答复反映人"},
    )
    public_anonymous = forms.BooleanField(
        label="对外匿名", required=False, help_text="公开页面不显示反映人；工作人员仍可见",
    )
    target_group = forms.ChoiceField(
        label="帮扶对象", required=False, choices=[("", "请选择（困难类事项必填）"), *TargetGroup.choices],
    )
    category = forms.ChoiceField(label="问题分类", required=False, help_text="可选，也可在立案时再分类")
    photos = MultipleFileField(label="照片", help_text=PHOTO_HELP)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["region"].queryset = intake_regions(user)
        self.fields["category"].choices = [("", "暂不分类"), *category_choices()]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
            self.initial.setdefault(
                "channel", Channel.GRID_PATROL if user.role == Role.GRID_WORKER else Channel.OPINION_WINDOW
            )
            if user.region_id and user.region.level in (Level.COMMUNITY, Level.GRID, Level.BUILDING):
                self.initial.setdefault("region", user.region_id)

    def clean_idempotency_key(self) -> str:
        # A form that lost its key (an old page) gets a fresh one: it can still be submitted once.
        return self.cleaned_data["idempotency_key"].strip() or uuid.uuid4().hex

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Kind.DIFFICULTY and not cleaned.get("target_group"):
            self.add_error("target_group", "请选择帮扶对象")
        elif cleaned.get("kind") == Kind.PROBLEM:
            cleaned["target_group"] = ""
        return cleaned

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        return {
            "channel": data["channel"], "kind": data["kind"], "title": data["title"],
            "description": data["description"], "region": data["region"], "request_type": data["request_type"],
            "category": _category(data["category"]), "address": data["address"], "latitude": data["lat"],
            "longitude": data["long"], "contact_name": data["contact_name"], "contact_phone": data["contact_phone"],
            "public_anonymous": data["public_anonymous"], "target_group": data["target_group"],
            "idempotency_key": data["idempotency_key"], "photos": data["photos"],
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """The service's refusals next to their fields; a refused hidden key is replaced by a fresh one."""
        if hasattr(error, "error_dict") and "idempotency_key" in error.error_dict:
            messages = error.message_dict
            messages.pop("idempotency_key")
            self.data = self.data.copy()
            self.data["idempotency_key"] = uuid.uuid4().hex
            self.add_error(None, "本表单的提交标识已被使用，已为您更换，请核对后再次点击“登记”")
            if not messages:
                return
            error = ValidationError(messages)
        add_service_errors(self, error)


# --------------------------------------------------------------------------------------------------
# List filters
# --------------------------------------------------------------------------------------------------


class CaseFilterForm(RegionCodeFilterMixin, forms.Form):
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部类型"), *Kind.choices])
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "办理中（全部）"), *Status.choices])
    category = forms.ChoiceField(label="问题分类", required=False)
    region = forms.CharField(label="区域编码", required=False, max_length=18, help_text="含下级区域")
    q = forms.CharField(label="标题或查询码", required=False, max_length=100)
    overdue = forms.BooleanField(label="只看已超期", required=False)
    mine = forms.BooleanField(label="只看我是首问责任人的", required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["category"].choices = [("", "全部分类"), *category_choices()]

    def filters(self) -> selectors.CaseListFilters:
        """The selector's filters from the cleaned form (nothing filtered when the form is invalid)."""
        if not self.is_valid():
            return selectors.CaseListFilters()
        data = self.cleaned_data
        return selectors.CaseListFilters(
            kind=data["kind"], status=data["status"], region=data["region"], category=_category(data["category"]),
            overdue_only=data["overdue"], owner=self.user if data["mine"] else None, text=data["q"].strip(),
        )

    def used(self) -> dict[str, str]:
        """The filters in use, for the export's audit row."""
        if not self.is_valid():
            return {}
        return {name: str(value) for name, value in self.cleaned_data.items() if value not in (None, "", False)}


# --------------------------------------------------------------------------------------------------
# Action forms (one per edge of the table that people take)
# --------------------------------------------------------------------------------------------------


class ActionForm(forms.Form):
    """Base of the action forms: the hidden `version`, the prefix, and the service's arguments.

    `service_fields` maps a key of the service's ValidationError to the field that shows it.
    """

    action: ClassVar[str] = ""
    multipart: ClassVar[bool] = False
    service_fields: ClassVar[dict[str, str]] = {}

    version = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": "页面已过期，请刷新后重试"})

    def __init__(self, data=None, files=None, *, case: Case, user: User, options: selectors.ActionOptions,
                 initial: dict | None = None, **kwargs):
        initial = {"version": case.version, **(initial or {})}
        super().__init__(data, files, initial=initial, prefix=self.action, **kwargs)
        self.case, self.user, self.options = case, user, options
        self.setup()

    def setup(self) -> None:
        """Fill the choices that depend on the case and the reader."""

    def service_kwargs(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            renamed: dict[str, list] = {}
            for name, messages in error.message_dict.items():
                renamed.setdefault(self.service_fields.get(name, name), []).extend(messages)
            error = ValidationError(renamed)
        add_service_errors(self, error)

    def typed_values(self) -> dict[str, Any]:
        """What the user typed, as initial values for a fresh form (files cannot be kept)."""
        values = {}
        for name, field in self.fields.items():
            if name == "version" or isinstance(field, forms.FileField):
                continue
            values[name] = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
        return values


def _note(label: str = "说明", *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=2000, widget=_textarea(),
        error_messages={"required": f"请填写{label}"},
    )


class ClassifyForm(ActionForm):
    action = "classify"
    category = forms.ChoiceField(label="问题分类", error_messages={"required": "请选择问题分类"})
    urgency = forms.ModelChoiceField(
        label="紧急程度", required=False, queryset=UrgencyLevel.objects.order_by("order", "id"),
        empty_label="按分类的默认紧急程度", error_messages={"invalid_choice": "紧急程度不存在"},
    )
    urgency.label_from_instance = lambda level: level.with_limits
    request_type = forms.ChoiceField(label="诉求类型", required=False, choices=[("", "不变"), *RequestType.choices])
    note = _note()

    def setup(self) -> None:
        self.fields["category"].choices = [("", "请选择"), *category_choices()]
        if self.case.category_id and not self.is_bound:
            self.initial.setdefault("category", str(self.case.category_id))

    def clean_category(self) -> Category:
        category = _category(self.cleaned_data["category"])
        if category is None:
            raise ValidationError("该问题分类不存在或已停用")
        return category


class RejectForm(ActionForm):
    action = "reject"
    reason = _note("不予受理的原因", required=True)


class MergeForm(ActionForm):
    action = "merge"
    survivor = forms.CharField(
        label="合并到（查询码）", max_length=20, help_text="相同事项的查询码",
        error_messages={"required": "请填写要合并到的事项的查询码"},
    )
    note = _note()

    def clean_survivor(self) -> Case:
        survivor = selectors.case_visible_by_code(self.user, self.cleaned_data["survivor"])
        if survivor is None:
            raise ValidationError("未找到该查询码的事项，或该事项不在您的辖区内")
        return survivor


def _body_key(kind: str, pk: int) -> str:
    return f"{kind}:{pk}"


class DispatchForm(ActionForm):
    action = "dispatch"
    service_fields = {"assignees": "lead"}
    lead = forms.ChoiceField(label="主办单位", required=False, help_text="已有主办单位时可不选")
    assisting = forms.MultipleChoiceField(
        label="协办单位", required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "所选协办单位 %(value)s 不可选"},
    )
    note = _note("派遣说明")

    def setup(self) -> None:
        candidates = selectors.dispatch_candidates(self.user, self.case)
        live = [a for a in self.case.assignments.all() if a.is_active]
        taken = {
            _body_key("org", a.organisation_id) if a.organisation_id else
            _body_key("fac", a.facility_id) if a.facility_id else _body_key("pm", a.party_member_id)
            for a in live
        }
        self.bodies: dict[str, dict[str, Any]] = {}
        groups = []
        for group_label, kind, records, label_of in (
            ("单位", "org", candidates.organisations, lambda o: f"{o.name}（{o.get_kind_display()}）"),
            ("服务站点", "fac", candidates.facilities, lambda f: f"{f.name}（{f.get_kind_display()}）"),
            ("帮扶党员", "pm", candidates.party_members,
             lambda m: f"{m.person.name}（{m.grid.name if m.grid_id else '未分网格'}"
                       f"{'，特长：' + m.skills if m.skills else ''}）"),
        ):
            field = {"org": "organisation", "fac": "facility", "pm": "party_member"}[kind]
            options = []
            for record in records:
                key = _body_key(kind, record.pk)
                if key in taken:
                    continue
                self.bodies[key] = {field: record}
                options.append((key, label_of(record)))
            if options:
                groups.append((group_label, options))
        self.fields["lead"].choices = [("", "请选择"), *groups]
        self.fields["assisting"].choices = groups
        has_lead = any(a.role == AssignmentRole.LEAD for a in live)
        suggested = selectors.suggested_assignees(self.case)
        if not self.is_bound and suggested is not None and not has_lead:
            if suggested.lead is not None and _body_key("org", suggested.lead.pk) in self.bodies:
                self.initial.setdefault("lead", _body_key("org", suggested.lead.pk))
            self.initial.setdefault("assisting", [
                _body_key("org", org.pk) for org in suggested.assisting if _body_key("org", org.pk) in self.bodies
            ])
        if not has_lead:
            self.fields["lead"].help_text = "必选；已按问题分类的责任单位预先选好，可修改"

    def clean(self):
        cleaned = super().clean()
        lead, assisting = cleaned.get("lead"), cleaned.get("assisting") or []
        if lead and lead in assisting:
            self.add_error("assisting", "主办单位不能同时作为协办单位")
        if not lead and not assisting and "lead" not in self.errors:
            self.add_error("lead", "请至少指定一个承办对象")
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        specs = []
        if data["lead"]:
            specs.append(AssigneeSpec(role=AssignmentRole.LEAD, **self.bodies[data["lead"]]))
        specs += [AssigneeSpec(role=AssignmentRole.ASSIST, **self.bodies[key]) for key in data["assisting"]]
        return {"assignees": specs, "note": data["note"]}


class _AssignmentActionForm(ActionForm):
    """An action a body takes on its own assignment."""

    records_from: ClassVar[str] = ""
    assignment = RecordChoiceField(
        label="派遣", label_of=assignment_label, error_messages={"required": "请选择派遣"},
    )

    def setup(self) -> None:
        self.fields["assignment"].set_records(getattr(self.options, self.records_from))


class AcceptForm(_AssignmentActionForm):
    action = "accept"
    records_from = "accept"
    note = _note()


class ReturnForm(_AssignmentActionForm):
    action = "return"
    records_from = "return_"
    reason = _note("退回原因", required=True)


class ReplyForm(_AssignmentActionForm):
    action = "reply"
    records_from = "reply"
    multipart = True
    reply = forms.CharField(
        label="答复内容", max_length=4000, widget=_textarea(5), error_messages={"required": "请填写答复内容"},
    )
    photos = MultipleFileField(label="处置照片", help_text=PHOTO_HELP)


class RequestExtensionForm(_AssignmentActionForm):
    action = "request_extension"
    records_from = "request_extension"
    requested_due = _datetime_field("申请延至")
    reason = _note("延期理由", required=True)


class _ExtensionDecisionForm(ActionForm):
    extension = RecordChoiceField(
        label="延期申请",
        label_of=lambda e: f"{e.assignment.assignee_name} 申请延至 {_local(e.requested_due)}（理由：{e.reason[:30]}）",
        error_messages={"required": "请选择延期申请"},
    )

    def setup(self) -> None:
        self.fields["extension"].set_records(self.options.open_extensions)


def _local(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


class GrantExtensionForm(_ExtensionDecisionForm):
    action = "grant_extension"
    note = _note("审批意见")


class RefuseExtensionForm(_ExtensionDecisionForm):
    action = "refuse_extension"
    reason = _note("不同意的理由", required=True)


class NoteForm(ActionForm):
    action = "note"
    note = _note("办理记录", required=True)


class ArbitrateForm(ActionForm):
    action = "arbitrate"
    assignment = RecordChoiceField(
        label="被退回的主办派遣", label_of=lambda a: f"{a.assignee_name}（退回原因：{a.return_reason[:30]}）",
        error_messages={"required": "请选择被退回的主办派遣"},
    )
    organisation = RecordChoiceField(
        label="裁定由以下单位主办", required=False, label_of=lambda o: f"{o.name}（{o.get_kind_display()}）",
        help_text="不选则由退回的单位继续主办",
    )
    note = _note("裁定意见", required=True)

    def setup(self) -> None:
        self.fields["assignment"].set_records(self.options.arbitrate)
        organisations = selectors.dispatch_candidates(self.user, self.case).organisations
        self.fields["organisation"].set_records(organisations, empty_label="退回的单位继续主办")


class VerifyForm(ActionForm):
    action = "verify"
    note = _note("核查意见")


class ReworkForm(ActionForm):
    action = "rework"
    reason = _note("返工原因", required=True)


class CloseForm(ActionForm):
    action = "close"
    note = _note("结案说明")


class RateForm(ActionForm):
    action = "rate"
    result = forms.ChoiceField(
        label="反映人的评价", choices=RatingResult.choices, widget=forms.RadioSelect,
        error_messages={"required": "请选择评价结果：满意、基本满意或不满意"},
    )
    comment = _note("评价意见")


class EscalateForm(ActionForm):
    """提交会议: a meeting not yet held over the case's region (the case goes on its agenda), or, before any
    meeting is set, the kind of meeting."""

    action = "escalate"
    meeting = forms.ChoiceField(
        label="提交会议", choices=[("", "请选择"), *Meeting.choices],
        error_messages={"required": "请选择会议", "invalid_choice": "所选会议已不能提交，请刷新页面后重新选择"},
    )
    note = _note("上会说明")

    def setup(self) -> None:
        meetings = [(str(pk), label) for pk, label in services.escalation_meetings(self.user, self.case)]
        if meetings:
            self.fields["meeting"].choices = [
                ("", "请选择"), ("列入会议议程", meetings), ("尚未确定具体会议，按会议类型", list(Meeting.choices)),
            ]
            self.fields["meeting"].help_text = "选择具体会议时，事项列入该会议议程"


class ResumeForm(ActionForm):
    action = "resume"
    decision = forms.ChoiceField(
        label="会议决定", choices=list(RESUME_DECISIONS.items()), widget=forms.RadioSelect,
        error_messages={"required": "请选择会议决定：重新派遣或继续办理"},
    )
    note = _note("会议决定内容", required=True)


class WhistleForm(ActionForm):
    action = "whistle"
    reasons = forms.MultipleChoiceField(
        label="吹哨原因", choices=WhistleReason.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请选择吹哨原因"},
    )
    organisations = forms.MultipleChoiceField(
        label="召集部门", widget=forms.CheckboxSelectMultiple, error_messages={"required": "请选择要召集的部门"},
    )
    note = _note("吹哨说明")

    def setup(self) -> None:
        organisations = selectors.dispatch_candidates(self.user, self.case).organisations
        self.organisations = {str(org.pk): org for org in organisations}
        self.fields["organisations"].choices = [
            (key, f"{org.name}（{org.get_kind_display()}）") for key, org in self.organisations.items()
        ]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "reasons": data["reasons"], "note": data["note"],
            "organisations": [self.organisations[key] for key in data["organisations"]],
        }


def _summons_label(summons) -> str:
    return f"{summons.organisation.name}（报到期限 {_local(summons.report_in_due)}）"


class ReportInForm(ActionForm):
    action = "report_in"
    summons = RecordChoiceField(
        label="报到部门", label_of=_summons_label, error_messages={"required": "请选择报到部门"},
    )
    note = _note()

    def setup(self) -> None:
        self.fields["summons"].set_records(self.options.report_in)


class ScoreForm(ActionForm):
    action = "score"
    summons = RecordChoiceField(
        label="评分部门", label_of=lambda s: s.organisation.name, error_messages={"required": "请选择评分部门"},
    )
    score = forms.TypedChoiceField(
        label="评分", coerce=int, choices=[("", "请选择"), *((str(n), f"{n} 分") for n in range(5, 0, -1))],
        error_messages={"required": "请选择 1 到 5 分"},
    )
    comment = _note("评价意见")

    def setup(self) -> None:
        self.fields["summons"].set_records(self.options.score)


class TransferOwnerForm(ActionForm):
    action = "transfer_owner"
    owner = RecordChoiceField(
        label="新的首问责任人", label_of=lambda u: f"{u.display_name}（{u.get_role_display()}，{u.region.name}）",
        error_messages={"required": "请选择新的首问责任人"},
    )
    reason = _note("移交原因", required=True)

    def setup(self) -> None:
        self.fields["owner"].set_records(selectors.owner_candidates(self.case).exclude(pk=self.case.owner_id or 0))


ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action: form
    for form in (
        ClassifyForm, RejectForm, MergeForm, DispatchForm, AcceptForm, ReturnForm, ArbitrateForm,
        RequestExtensionForm, GrantExtensionForm, RefuseExtensionForm, NoteForm, ReplyForm, VerifyForm,
        ReworkForm, CloseForm, RateForm, EscalateForm, ResumeForm, WhistleForm, ReportInForm, ScoreForm,
        TransferOwnerForm,
    )
}
# Roles that take cases in at the counter, on the phone or on patrol.
INTAKE_ROLES = REGION_STAFF_ROLES
