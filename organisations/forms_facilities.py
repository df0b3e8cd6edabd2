"""Console forms for facilities (阵地); the host organisation is chosen among those the user may see.

They live here, above regions, because a facility's form offers organisations."""

from __future__ import annotations

from django import forms

from regions.forms import REQUIRED, RegionChoiceField, RegionCodeFilterMixin
from regions.models import Facility, Region
from regions.selectors import FACILITY_GROUPS, regions_visible_to

from .selectors import organisations_visible_to


class FacilityFilterForm(RegionCodeFilterMixin, forms.Form):
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部类型"), *Facility.Kind.choices])
    group = forms.ChoiceField(
        label="类别", required=False,
        choices=[("", "全部类别"), *((key, label) for key, (label, _) in FACILITY_GROUPS.items())],
    )
    region = forms.CharField(label="区域编码", required=False, max_length=18, help_text="含下级区域")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user


class FacilityForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, error_messages={"required": REQUIRED})
    kind = forms.ChoiceField(
        label="类型", choices=[("", "请选择"), *Facility.Kind.choices], error_messages={"required": "请选择类型"}
    )
    region = RegionChoiceField(
        label="所在区域", queryset=Region.objects.none(), empty_label="请选择",
        error_messages={"required": "请选择所在区域", "invalid_choice": "所选区域不在您的管辖范围内"},
    )
    address = forms.CharField(label="地址", max_length=200, required=False)
    capacity = forms.IntegerField(
        label="容纳人数", required=False, min_value=0,
        error_messages={"invalid": "容纳人数须为整数", "min_value": "容纳人数不能为负数"},
    )
    opening_hours = forms.CharField(
        label="开放时间", max_length=100, required=False, help_text="例如：周一至周五 8:30-17:30"
    )
    host_organisation = forms.ModelChoiceField(
        label="提供单位", queryset=Region.objects.none(), required=False, empty_label="（无）",
        error_messages={"invalid_choice": "所选单位不在您的管辖范围内"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_visible_to(user).order_by("code")
        self.fields["host_organisation"].queryset = organisations_visible_to(user).order_by("name")

    @classmethod
    def initial_from(cls, facility: Facility) -> dict:
        return {
            "name": facility.name, "kind": facility.kind, "region": facility.region_id,
            "address": facility.address, "capacity": facility.capacity,
            "opening_hours": facility.opening_hours, "host_organisation": facility.host_organisation_id,
        }

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("address", "opening_hours"):
            data[name] = data[name].strip()
        return data
