"""Forms of the service-request pages. They parse and offer only what the reader may name; every rule is
checked again by `govservices.services`, whose errors show next to the fields."""

from __future__ import annotations

from django import forms

from cases.forms import RecordChoiceField
from core.forms import add_service_errors
from core.text import ascii_digits
from organisations.excel import phone_error

from .models import Provider, Rating
from .workflow import REQUIRES

STALE_PAGE = "页面已过期，请刷新后重试"


class ServiceErrorsMixin:
    """The service's ValidationError next to the fields it names."""

    def add_service_errors(self, error) -> None:
        add_service_errors(self, error)

    def typed_values(self) -> dict:
        """What the user typed, as initial values for a fresh form (the version left out)."""
        return {name: field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
                for name, field in self.fields.items() if name != "version"}



class RequestForm(ServiceErrorsMixin, forms.Form):
    item = RecordChoiceField(label="服务事项", label_of=lambda i: f"{i.name}（{i.code}）",
                             error_messages={"required": "请选择服务事项"})
    region = RecordChoiceField(label="社区", label_of=lambda r: r.name, error_messages={"required": "请选择社区"})
    hall = RecordChoiceField(label="受理大厅", required=False,
                             label_of=lambda f: f"{f.name}（{f.region.name}）")
    window = RecordChoiceField(label="受理窗口", required=False,
                               label_of=lambda w: f"{w.hall.name} {w.name}（{w.get_kind_display()}）")
    applicant_name = forms.CharField(label="申请人", max_length=50, error_messages={"required": "请填写申请人"})
    assisted = forms.BooleanField(label="帮办代办（为老年人、残疾人等代为办理）", required=False)
    consent = forms.CharField(label="本人同意记录", max_length=200, required=False,
                              help_text="帮办代办时必填，例如：本人口头同意，家属在场")
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, items, regions, halls, windows, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].set_records(items)
        self.fields["region"].set_records(regions)
        self.fields["hall"].set_records(halls, empty_label="（不在大厅受理）")
        self.fields["window"].set_records(windows, empty_label="（不在窗口受理）")


class ActionForm(ServiceErrorsMixin, forms.Form):
    """One move of the table: the version the page showed and what the move needs."""

    version = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": STALE_PAGE,
                                                                            "invalid": STALE_PAGE})
    reason = forms.CharField(label="不予受理理由", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    missing = forms.CharField(label="需补正的全部材料（每行一项）", widget=forms.Textarea(attrs={"rows": 3}),
                              required=False, help_text="一次性列出全部缺少的材料，不得多次要求补正")
    handler = RecordChoiceField(label="承办人", required=False, label_of=lambda u: u.display_name or u.username)
    department = RecordChoiceField(label="转办部门", required=False, label_of=lambda o: o.name)
    result = forms.CharField(label="办理结果", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, action: str, handlers=(), departments=(), **kwargs):
        super().__init__(*args, prefix=action, **kwargs)
        needed = set(REQUIRES.get(action, ()))
        if action == "transfer":
            needed.add("department")
        for name in ("reason", "missing", "handler", "department", "result"):
            if name not in needed:
                del self.fields[name]
        if "handler" in self.fields:
            self.fields["handler"].set_records(handlers)
            self.fields["department"].set_records(departments, empty_label="（不转部门）")

    def missing_list(self) -> list[str]:
        return [line.strip() for line in (self.cleaned_data.get("missing") or "").splitlines() if line.strip()]


class ReplyForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": STALE_PAGE,
                                                                            "invalid": STALE_PAGE})
    reply = forms.CharField(label="整改答复", widget=forms.Textarea(attrs={"rows": 3}),
                            error_messages={"required": "请填写整改答复"})


class RatingForm(ServiceErrorsMixin, forms.Form):
    level = forms.TypedChoiceField(label="您对这次办事满意吗", coerce=int, widget=forms.RadioSelect,
                                   choices=Rating.Level.choices, error_messages={"required": "请选择评价等级"})
    comment = forms.CharField(label="意见和建议", widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              help_text="不满意时请写明原因，我们会在 5 个工作日内整改并答复您")


class ProviderForm(ServiceErrorsMixin, forms.Form):
    """Register or change a social service organisation (社会服务组织). On a change the phone is left blank
    (it is shown masked) and kept unless a new one is typed; the place it is registered at stays."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label="名称", max_length=100, error_messages={"required": "请填写名称"})
    kind = forms.ChoiceField(label="服务类别", choices=[("", "请选择"), *Provider.Kind.choices],
                             error_messages={"required": "请选择服务类别", "invalid_choice": "请选择服务类别"})
    services = forms.CharField(label="服务内容", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                               error_messages={"required": "请填写服务内容"},
                               help_text="如：课后托管、作业辅导；上门保洁、月嫂")
    hours = forms.CharField(label="服务时间", max_length=100, error_messages={"required": "请填写服务时间"},
                            help_text="如：周一至周五 8:30-18:00")
    phone = forms.CharField(label="联系电话", max_length=20, error_messages={"required": "请填写联系电话"},
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
                            help_text="11 位手机号或带区号的固定电话（如 029-35512345）")
    address = forms.CharField(label="服务地址", max_length=200, required=False)
    region = RecordChoiceField(label="登记地", label_of=lambda r: f"{r.name}（{r.get_level_display()}）",
                               error_messages={"required": "请选择登记地"})
    communities = forms.MultipleChoiceField(label="服务社区", widget=forms.CheckboxSelectMultiple,
                                            error_messages={"required": "请至少选择一个服务社区",
                                                            "invalid_choice": "所选社区已失效，请刷新页面后重试"})

    def __init__(self, *args, places, communities, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.community_records = {str(c.pk): c for c in communities}
        self.fields["communities"].choices = [(key, c.name) for key, c in self.community_records.items()]
        if editing:
            del self.fields["region"]
            self.fields["version"].required = True
            self.fields["version"].error_messages = {"required": STALE_PAGE, "invalid": STALE_PAGE}
            self.fields["phone"].required = False
            self.fields["phone"].help_text = "已登记的号码不显示；留空则不修改"
        else:
            del self.fields["version"]
            self.fields["region"].set_records(places)

    def clean_phone(self) -> str:
        """Checked here too, so a bad phone is named together with the form's other errors."""
        phone = "".join(ascii_digits(self.cleaned_data.get("phone") or "").split())
        if phone and (message := phone_error(phone)) is not None:
            raise forms.ValidationError(message)
        return phone

    def clean_communities(self) -> list:
        return [self.community_records[key] for key in self.cleaned_data["communities"]]


class ProviderRatingForm(ServiceErrorsMixin, forms.Form):
    level = forms.TypedChoiceField(label="您对这家服务组织满意吗", coerce=int, widget=forms.RadioSelect,
                                   choices=Rating.Level.choices, error_messages={"required": "请选择评价等级"})
    comment = forms.CharField(label="意见和建议", widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              max_length=500, error_messages={"max_length": "意见和建议不能超过 500 字"})
