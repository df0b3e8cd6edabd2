"""Console forms of the organisation network; every choice is limited to the user's scope."""

from __future__ import annotations

import datetime as dt

from django import forms

from regions.forms import RegionChoiceField, RegionCodeFilterMixin
from regions.models import Region
from regions.selectors import regions_visible_to

from .models import JointActivity, Organisation, Pact
from .selectors import organisation_name_taken, organisations_visible_to

REQUIRED = "请填写此项"


class OrganisationFilterForm(RegionCodeFilterMixin, forms.Form):
    q = forms.CharField(label="名称包含", required=False, max_length=150)
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部类型"), *Organisation.Kind.choices])
    region = forms.CharField(label="区域编码", required=False, max_length=18, help_text="含下级区域")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_q(self) -> str:
        return self.cleaned_data["q"].strip()


class OrganisationForm(forms.Form):
    name = forms.CharField(label="名称", max_length=150, error_messages={"required": REQUIRED})
    kind = forms.ChoiceField(
        label="类型", choices=[("", "请选择"), *Organisation.Kind.choices], error_messages={"required": "请选择类型"}
    )
    region = RegionChoiceField(
        label="所在区域", queryset=Region.objects.none(), empty_label="请选择",
        error_messages={"required": "请选择所在区域", "invalid_choice": "所选区域不在您的管辖范围内"},
    )
    parent = forms.ModelChoiceField(
        label="上级组织", queryset=Organisation.objects.none(), required=False, empty_label="（无）",
        error_messages={"invalid_choice": "所选上级组织不在您的管辖范围内"},
    )
    credit_code = forms.RegexField(
        label="统一社会信用代码", required=False, regex=r"^[0-9A-Z]{18}$", max_length=18,
        help_text="18 位，数字或大写字母", error_messages={"invalid": "统一社会信用代码应为 18 位数字或大写字母"},
    )
    address = forms.CharField(label="办公地址", max_length=200, required=False)
    description = forms.CharField(label="简介", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, user, instance: Organisation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["region"].queryset = regions_visible_to(user).order_by("code")
        parents = organisations_visible_to(user).order_by("name")
        if instance is not None:
            parents = parents.exclude(pk=instance.pk)
        self.fields["parent"].queryset = parents

    @staticmethod
    def initial_from(organisation: Organisation) -> dict:
        return {
            "name": organisation.name, "kind": organisation.kind, "region": organisation.region_id,
            "parent": organisation.parent_id, "credit_code": organisation.credit_code,
            "address": organisation.address, "description": organisation.description,
        }

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean(self):
        cleaned = super().clean()
        name, region, parent = cleaned.get("name"), cleaned.get("region"), cleaned.get("parent")
        exclude_pk = self.instance.pk if self.instance is not None else None
        if name and region is not None and organisation_name_taken(region=region, name=name, exclude_pk=exclude_pk):
            self.add_error("name", f"“{region.name}”已有名为“{name}”的组织，请换一个名称")
        if parent is not None and self.instance is not None and self._is_below_instance(parent):
            self.add_error("parent", "上级组织不能是本组织的下级组织")
        return cleaned

    def _is_below_instance(self, candidate: Organisation) -> bool:
        # Walks up from the chosen parent; a chain that reaches this organisation would make a loop.
        seen: set[int] = set()
        node = candidate
        while node is not None and node.pk not in seen:
            if node.pk == self.instance.pk:
                return True
            seen.add(node.pk)
            node = node.parent
        return False

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("credit_code", "address", "description"):
            data[name] = data[name].strip()
        return data


class PactFilterForm(forms.Form):
    kind = forms.ChoiceField(label="联建类型", required=False, choices=[("", "全部类型"), *Pact.Kind.choices])


class ActivityFilterForm(forms.Form):
    kind = forms.ChoiceField(label="活动类型", required=False, choices=[("", "全部类型"), *JointActivity.Kind.choices])
    year = forms.TypedChoiceField(label="年份", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "全部年份"), *((year, f"{year}年") for year in years)]


class DayForm(forms.Form):
    date = forms.DateField(
        label="查看日期", required=False, input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "日期格式不正确，请按“年-月-日”填写，例如 2026-11-01"},
    )

    def day(self) -> dt.date | None:
        return self.cleaned_data.get("date") if self.is_valid() else None
