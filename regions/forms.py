"""Form fields for choosing a region, limited to the user's scope; the console's forms build on them."""

from __future__ import annotations

from django import forms

from .models import Region
from .selectors import region_visible_by_code

REQUIRED = "请填写此项"


class RegionChoiceField(forms.ModelChoiceField):
    """A region picker that shows where each choice sits in the tree."""

    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.name}（{obj.get_level_display()} {obj.code}）"


class RegionCodeFilterMixin:
    """Turns the `region` code typed into a filter into a Region the user may see."""

    def clean_region(self):
        code = (self.cleaned_data.get("region") or "").strip()
        if not code:
            return None
        region = region_visible_by_code(user=self.user, code=code)
        if region is None:
            # Same message for "no such code" and "out of scope", so existence does not leak.
            raise forms.ValidationError("未找到该区域编码，或该区域不在您的管辖范围内")
        return region
