"""Forms of the residents' pages. They check what a resident can fix at once (a missing phone, a wrong
number); the case services check everything again and have the last word."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from cases.models import DESCRIPTION_MAX_LENGTH, TEXT_MAX_LENGTH, Kind, RatingResult, RequestType, TargetGroup
from cases.services import MAX_PHOTOS_PER_CASE, TITLE_MAX_LENGTH
from core.forms import NumberTextField
from core.text import clean_text

from .selectors import (
    CategoryGroup,
    CommunityGroup,
    community_by_code,
    community_places,
    place_label,
)

MOBILE = re.compile(r"^1[3-9]\d{9}$")
STALE_PAGE = "页面已过期，请刷新页面后重新评价"
CHOOSE_KIND = "请选择“反映问题”还是“申请帮助”"


class MultipleFileInput(forms.FileInput):
    """A file input that takes several photos at once."""

    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more uploaded photos; their type and size are checked by the case service, by content."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        """The uploads as a list (empty when none were chosen)."""
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        if len(files) > MAX_PHOTOS_PER_CASE:
            raise ValidationError(f"最多上传 {MAX_PHOTOS_PER_CASE} 张照片")
        return [super(PhotosField, self).clean(item, initial) for item in files]


def _plain_phone(value: str) -> str:
    return re.sub(r"[\s\-]+", "", value or "")


class PortalForm(forms.Form):
    """Shared by the portal's forms: service errors put on fields, and the summary shown above the form."""

    # Where a service's error lands when the service names a field differently.
    service_field_names: dict[str, str] = {}
    # Fields whose service errors go to the whole form (the resident cannot change them).
    hidden_field_names: tuple[str, ...] = ()
    # Plainer words for a service's message about a field the resident never sees.
    service_messages: dict[str, str] = {}

    def add_service_error(self, error: ValidationError) -> None:
        """Put each message of a service's ValidationError on the field it concerns (else on the form)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            name = self.service_field_names.get(name, name)
            field = name if name in self.fields and name not in self.hidden_field_names else None
            if name in self.service_messages:
                messages = [self.service_messages[name]]
            for message in messages:
                self.add_error(field, message)

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor id, message) of every error in the order of the fields, form-wide errors first."""
        items = [("", str(message)) for message in self.non_field_errors()]
        for bound in self:
            if bound.is_hidden:
                items.extend(("", str(message)) for message in bound.errors)
                continue
            for message in bound.errors:
                items.append((self._anchor(bound), f"{bound.label}：{message}"))
        return items

    @staticmethod
    def _anchor(bound: forms.BoundField) -> str:
        if isinstance(bound.field.widget, forms.RadioSelect):
            return f"{bound.auto_id}_0"
        return bound.auto_id


class ReportForm(PortalForm):
    """反映问题 / 申请帮助: what a resident tells us, and how to reach them."""

    kind = forms.ChoiceField(
        label="您要办理的事项", choices=Kind.choices, widget=forms.RadioSelect,
        error_messages={"required": CHOOSE_KIND, "invalid_choice": CHOOSE_KIND},
    )
    target_group = forms.ChoiceField(
        label="需要帮助的对象", required=False, choices=[("", "请选择")] + list(TargetGroup.choices),
        help_text="申请帮助时请选择；反映问题时不用填写",
        error_messages={"invalid_choice": "请从列表中选择需要帮助的对象"},
    )
    request_type = forms.ChoiceField(
        label="诉求类型", required=False, choices=[("", "请选择（可不选）")] + list(RequestType.choices),
        error_messages={"invalid_choice": "请从列表中选择诉求类型，或不选"},
    )
    community = forms.ChoiceField(
        label="所在社区", choices=(),
        error_messages={"required": "请选择事情发生在哪个社区", "invalid_choice": "请从列表中选择所在社区"},
    )
    place = forms.ChoiceField(
        label="网格或楼栋", required=False, choices=(),
        error_messages={"invalid_choice": "请从列表中选择该社区的网格或楼栋"},
        help_text="可不选。选好社区后，可在这里选择网格或楼栋",
    )
    address = forms.CharField(
        label="详细地点", required=False, help_text="例如：东街小区 3 号楼 2 单元门口",
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    title = forms.CharField(
        label="标题", help_text=f"用一句话说明，不超过 {TITLE_MAX_LENGTH} 个字",
        error_messages={"required": "请填写标题"},
    )
    description = forms.CharField(
        label="具体情况", widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"请写清楚发生了什么、持续多久、希望怎样解决，不超过 {DESCRIPTION_MAX_LENGTH} 个字",
        error_messages={"required": "请填写具体情况"},
    )
    photos = PhotosField(
        label="照片", required=False,
        help_text=f"可不传。最多 {MAX_PHOTOS_PER_CASE} 张，JPEG、PNG 或 WebP 格式，每张不超过 5 MB",
    )
    category = forms.ChoiceField(
        label="问题分类", required=False, choices=(), help_text="可不选，工作人员会帮您分类",
        error_messages={"invalid_choice": "请从列表中选择问题分类，或不选"},
    )
    contact_name = forms.CharField(
        label="联系人姓名", widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "请填写联系人姓名"},
    )
    contact_phone = NumberTextField(
        label="手机号码", help_text="11 位手机号码，只用于工作人员联系您，不会公开",
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}),
        error_messages={"required": "请填写手机号码，便于答复您"},
    )
    public_anonymous = forms.BooleanField(
        label="不公开我的姓名", required=False,
        help_text="勾选后，公开页面不显示您的姓名；工作人员仍能看到，以便联系您",
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    service_field_names = {"region": "community", "lat": "address", "long": "address"}
    hidden_field_names = ("idempotency_key",)
    service_messages = {
        "idempotency_key": "这份表单已经提交过。如需再反映一件事，请重新打开“反映问题”页面填写。",
    }

    def __init__(
        self, *args: Any, communities: list[CommunityGroup], categories: list[CategoryGroup], **kwargs: Any
    ) -> None:
        """`communities` and `categories` are the choices on offer; the grids and buildings follow the community."""
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"
        self.fields["community"].choices = [("", "请选择社区")] + [
            (group.street, [(c.code, c.name) for c in group.communities]) for group in communities
        ]
        self.fields["category"].choices = [("", "不清楚，请工作人员分类")] + [
            (group.category.name, [(group.category.code, f"{group.category.name}（其他）")]
             + [(child.code, child.name) for child in group.children])
            for group in categories
        ]
        self.community = community_by_code(self._raw("community"))
        self.places = {place.code: place for place in community_places(self.community)}
        self.fields["place"].choices = [("", "不选" if self.community else "请先选择社区")] + [
            (place.code, place_label(place)) for place in self.places.values()
        ]
        self.fields["place"].widget.attrs["data-places-for"] = self.community.code if self.community else ""
        if not self.is_bound and not self.initial.get("idempotency_key"):
            self.initial["idempotency_key"] = uuid.uuid4().hex

    def _raw(self, name: str) -> str:
        source = self.data if self.is_bound else self.initial
        return str(source.get(name) or "")

    def clean_title(self) -> str:
        return clean_text(self.cleaned_data["title"], single_line=True).strip()

    def clean_description(self) -> str:
        description = clean_text(self.cleaned_data["description"]).strip()
        if len(description) > DESCRIPTION_MAX_LENGTH:
            raise ValidationError(
                f"具体情况不能超过 {DESCRIPTION_MAX_LENGTH} 个字（现有 {len(description)} 个字），请删减后再提交"
            )
        return description

    def clean_contact_phone(self) -> str:
        phone = _plain_phone(self.cleaned_data["contact_phone"])
        if not MOBILE.match(phone):
            raise ValidationError("手机号码应为 11 位数字，以 1 开头，例如 13812345678")
        return phone

    def clean_idempotency_key(self) -> str:
        key = (self.cleaned_data.get("idempotency_key") or "").strip()
        return key if re.fullmatch(r"[0-9a-f]{32}", key) else uuid.uuid4().hex

    def clean(self) -> dict[str, Any]:
        """A difficulty needs its target group; a problem carries none. A grid must lie in the community."""
        data = super().clean()
        if data.get("kind") == Kind.DIFFICULTY and not data.get("target_group"):
            self.add_error("target_group", "申请帮助时，请选择需要帮助的对象")
        elif data.get("kind") == Kind.PROBLEM:
            data["target_group"] = ""
        place = data.get("place")
        if place and place not in self.places:
            self.add_error("place", "请从列表中选择该社区的网格或楼栋")
        return data

    def region_code(self) -> str:
        """Where the case is: the chosen grid or building, else the community."""
        return self.cleaned_data.get("place") or self.cleaned_data["community"]


class TrackForm(PortalForm):
    """查询办理进度: the tracking code as the resident types it."""

    code = forms.CharField(
        label="查询码", max_length=40, help_text="提交时得到的 10 位查询码，大小写和空格都可以",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"required": "请输入查询码"},
    )


class RateForm(PortalForm):
    """评价: the resident's verdict on a closed case, at the version they saw."""

    result = forms.ChoiceField(
        label="您对办理结果满意吗", choices=RatingResult.choices, widget=forms.RadioSelect,
        error_messages={"required": "请选择满意、基本满意或不满意", "invalid_choice": "请选择满意、基本满意或不满意"},
    )
    comment = forms.CharField(
        label="评价意见", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"可不填。不满意时，请说明哪里还没有解决，不超过 {TEXT_MAX_LENGTH} 个字",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, error_messages={
        "required": STALE_PAGE, "invalid": STALE_PAGE, "min_value": STALE_PAGE,
    })

    hidden_field_names = ("version",)


class CommentForm(PortalForm):
    """A resident's comment on a consultation (征求意见). The key is made when the page is drawn, so a
    second submission of the same page (a double tap, a retry on a bad connection) stores one comment."""

    text = forms.CharField(label="您的意见", widget=forms.Textarea(attrs={"rows": 6}),
                           error_messages={"required": "请填写您的意见"})
    display_name = forms.CharField(label="称呼", max_length=30, error_messages={
        "required": "请填写您的称呼", "max_length": "称呼不能超过 30 个字"}, help_text="公开时只显示第一个字，如“张**”")
    phone = NumberTextField(label="手机号码", max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
                            help_text="选填，仅供工作人员联系您，不会公开")
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    hidden_field_names = ("idempotency_key", "consultation")
    service_messages = {"idempotency_key": "这份意见已经提交过。如需再提一条意见，请重新打开本页填写。"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.initial.get("idempotency_key"):
            self.initial["idempotency_key"] = uuid.uuid4().hex

    def clean_phone(self) -> str:
        phone = _plain_phone(self.cleaned_data["phone"])
        if phone and not MOBILE.match(phone):
            raise ValidationError("手机号码应为 11 位数字，以 1 开头，例如 13812345678")
        return phone

    def clean_idempotency_key(self) -> str:
        key = (self.cleaned_data.get("idempotency_key") or "").strip()
        return key if re.fullmatch(r"[0-9a-f]{32}", key) else uuid.uuid4().hex


class AppointmentForm(PortalForm):
    """预约办事: a slot at a hall's windows for a service item, and how to reach the resident. The hall, the
    window kind and the day are chosen first (the page lists that day's slots); the slot and the contact
    come with the booking."""

    hall = forms.ChoiceField(label="服务大厅", error_messages={
        "required": "请选择服务大厅", "invalid_choice": "请从列表中选择服务大厅"})
    kind = forms.ChoiceField(label="窗口类型", error_messages={
        "required": "请选择窗口类型", "invalid_choice": "请从列表中选择窗口类型"})
    day = forms.ChoiceField(label="日期", error_messages={
        "required": "请选择日期", "invalid_choice": "请从列表中选择工作日"})
    start = forms.ChoiceField(label="时段", widget=forms.RadioSelect, error_messages={
        "required": "请选择时段", "invalid_choice": "请选择仍可预约的时段"})
    contact_name = forms.CharField(label="联系人", max_length=50, error_messages={"required": "请填写联系人"},
                                   widget=forms.TextInput(attrs={"autocomplete": "name"}))
    contact_phone = NumberTextField(
        label="手机号码", max_length=20, help_text="大厅有变动时联系您",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"required": "请填写手机号码，便于大厅联系您"},
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    service_field_names = {"starts_at": "start"}
    hidden_field_names = ("idempotency_key",)
    service_messages = {"idempotency_key": "这份表单已经提交过，请重新打开预约页面。"}

    def __init__(self, *args: Any, halls: list[tuple[str, str]], kinds: list[tuple[str, str]],
                 days: list[tuple[str, str]], slots: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hall"].choices = [("", "请选择服务大厅"), *halls]
        self.fields["kind"].choices = kinds
        self.fields["day"].choices = days
        self.fields["start"].choices = slots
        if not self.is_bound and not self.initial.get("idempotency_key"):
            self.initial["idempotency_key"] = uuid.uuid4().hex

    def clean_contact_phone(self) -> str:
        phone = _plain_phone(self.cleaned_data["contact_phone"])
        if not MOBILE.match(phone):
            raise ValidationError("手机号码应为 11 位数字，以 1 开头，例如 13812345678")
        return phone

    def clean_idempotency_key(self) -> str:
        key = (self.cleaned_data.get("idempotency_key") or "").strip()
        return key if re.fullmatch(r"[0-9a-f]{32}", key) else uuid.uuid4().hex


class AppointmentCancelForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
