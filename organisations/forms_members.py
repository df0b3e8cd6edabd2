"""Forms of the party-member roster and people pages.

Choices are built from the acting user's scope, so a value outside it is rejected as an invalid
choice before any service runs.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import pii
from core.forms import NumberTextField
from core.validators import id_number_birth_date, validate_id_number, validate_mainland_mobile
from regions.models import Level, Region
from regions.permissions import can_manage_region
from regions.selectors import regions_visible_to

from . import selectors, services
from .models import Organisation, PartyMember, Person

YES_NO = [("", "全部"), ("yes", "是"), ("no", "否")]
PII_FIELDS = ("phone", "id_number", "address")
PERSON_FIELDS = ("name", "gender", "birth_date", "phone", "id_number", "address", "home_region")
MEMBER_FIELDS = (
    "branch", "joined_on", "registered_community", "registered_on", "grid", "is_central_household", "skills",
)
KEEP_BLANK_HELP = "留空则不修改"


class RosterFilterForm(forms.Form):
    """The roster's GET filters; an invalid value is reported and that filter alone is ignored."""

    q = forms.CharField(label="姓名", max_length=50, required=False)
    community = forms.ChoiceField(label="社区", required=False)
    grid = forms.ChoiceField(label="网格", required=False)
    branch = forms.TypedChoiceField(label="所在党组织", required=False, coerce=int, empty_value=None)
    registered = forms.ChoiceField(label="双报到", choices=[("", "全部"), ("yes", "已报到"), ("no", "未报到")],
                                   required=False)
    central_household = forms.ChoiceField(label="党员中心户", choices=YES_NO, required=False)

    def __init__(self, *args: Any, options: dict[str, list], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [("", "全部社区")] + [(r.code, r.name) for r in options["communities"]]
        self.fields["grid"].choices = [("", "全部网格")] + [
            (r.code, f"{r.parent.name} · {r.name}" if r.parent else r.name) for r in options["grids"]
        ]
        if not options["grids"]:
            self.fields["grid"].help_text = "请先选择社区并筛选，再按网格筛选"
        self.fields["branch"].choices = [("", "全部党组织")] + [(str(o.pk), o.name) for o in options["branches"]]

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for selectors.party_members_filtered from the fields that validated."""
        data = getattr(self, "cleaned_data", {})

        def yes_no(name: str) -> bool | None:
            return {"yes": True, "no": False}.get(data.get(name) or "")

        return {
            "community_code": data.get("community") or "",
            "grid_code": data.get("grid") or "",
            "branch_id": data.get("branch"),
            "registered": yes_no("registered"),
            "central_household": yes_no("central_household"),
            "name": (data.get("q") or "").strip(),
        }


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.parent.name} · {obj.name}" if obj.parent_id else obj.name


class BranchChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name}（{obj.region.name}）"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PartyMemberForm(forms.Form):
    """One person and their party membership, entered together.

    On the edit form the personal-data fields start empty and are changed only when filled in, so
    opening the form never shows them in the clear.
    """

    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=[("", "—")] + list(Person.Gender.choices), required=False)
    birth_date = forms.DateField(label="出生日期", required=False, widget=_date_input(),
                                 help_text="可留空，将按身份证号填写")
    phone = NumberTextField(
        label="联系电话", max_length=11, required=False, validators=[validate_mainland_mobile],
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "off"}),
    )
    id_number = NumberTextField(
        label="身份证号", max_length=18, required=False, validators=[validate_id_number],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    address = forms.CharField(label="家庭住址", max_length=200, required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))
    home_region = GridChoiceField(label="居住网格/楼栋", queryset=Region.objects.none(), required=False,
                                  empty_label="—")
    branch = BranchChoiceField(label="所在党组织", queryset=Organisation.objects.none(), empty_label="请选择")
    joined_on = forms.DateField(label="入党日期", required=False, widget=_date_input())
    registered_community = forms.ModelChoiceField(
        label="报到社区（双报到）", queryset=Region.objects.none(), required=False, empty_label="未报到",
    )
    registered_on = forms.DateField(label="报到日期", required=False, widget=_date_input())
    grid = GridChoiceField(label="所在网格", queryset=Region.objects.none(), required=False, empty_label="—")
    is_central_household = forms.BooleanField(label="党员中心户", required=False)
    skills = forms.CharField(label="特长", max_length=200, required=False)

    def __init__(self, *args: Any, user, member: PartyMember | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.member = member
        regions = regions_visible_to(user)
        self.fields["registered_community"].queryset = regions.filter(level=Level.COMMUNITY).order_by("code")
        self.fields["grid"].queryset = regions.filter(level=Level.GRID).select_related("parent").order_by("code")
        self.fields["home_region"].queryset = (
            regions.filter(level__in=[Level.GRID, Level.BUILDING]).select_related("parent").order_by("code")
        )
        self.fields["branch"].queryset = selectors.party_branches_for_registration(user)
        if member is not None:
            for name in PII_FIELDS:
                self.fields[name].help_text = KEEP_BLANK_HELP

    @classmethod
    def initial_for(cls, member: PartyMember) -> dict[str, Any]:
        """Initial values of the edit form: everything except the personal-data fields."""
        person = member.person
        initial: dict[str, Any] = {name: getattr(person, name) for name in PERSON_FIELDS if name not in PII_FIELDS}
        initial.update({name: getattr(member, name) for name in MEMBER_FIELDS})
        return initial

    def clean_phone(self) -> str:
        return (self.cleaned_data.get("phone") or "").strip()

    def clean_id_number(self) -> str:
        return pii.normalise(self.cleaned_data.get("id_number") or "")

    def clean_address(self) -> str:
        return (self.cleaned_data.get("address") or "").strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        today = timezone.localdate()
        for name, label in (("birth_date", "出生日期"), ("joined_on", "入党日期"), ("registered_on", "报到日期")):
            if data.get(name) and data[name] > today:
                self.add_error(name, f"{label}不能晚于今天")
        id_number = data.get("id_number")
        if id_number and "id_number" not in self.errors:
            encoded = id_number_birth_date(id_number)
            if not data.get("birth_date"):
                data["birth_date"] = encoded
            elif data["birth_date"] != encoded and "birth_date" not in self.errors:
                self.add_error("birth_date", "出生日期与身份证号中的出生日期不一致")
            existing = services.person_find_by_id_number(id_number)
            if existing is not None and (self.member is None or existing.pk != self.member.person_id):
                self.add_error("id_number", "该身份证号已登记，请勿重复录入")
        community, grid = data.get("registered_community"), data.get("grid")
        if community is not None and not data.get("registered_on") and "registered_on" not in self.errors:
            self.add_error("registered_on", "已报到的党员须填写报到日期")
        if community is not None and grid is not None and not community.contains(grid):
            self.add_error("grid", "所在网格不在报到社区内，请重新选择")
        branch = data.get("branch")
        if branch is not None and not self.errors:
            place = community or grid or branch.region
            if not can_manage_region(self.user, place):
                field = "registered_community" if community is None else "branch"
                self.add_error(field, "您无权在此登记党员：请选择您管辖范围内的报到社区")
        return data

    def _person_values(self) -> dict[str, Any]:
        values = {name: self.cleaned_data[name] for name in PERSON_FIELDS}
        if self.member is not None:
            # A blank personal-data field on the edit form means "keep what is on file".
            for name in PII_FIELDS:
                if not values[name]:
                    del values[name]
        return values

    def _member_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in MEMBER_FIELDS}

    def _apply_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.message_dict.items():
            self.add_error(field if field in self.fields else None, errors)

    def create(self, *, actor) -> PartyMember | None:
        """Create the person and their membership in one transaction; None (with form errors) on failure."""
        try:
            with transaction.atomic():
                person = services.person_create(actor=actor, **self._person_values())
                return services.party_member_register(actor=actor, person=person, **self._member_values())
        except ValidationError as error:
            self._apply_service_errors(error)
            return None

    def update(self, *, actor) -> PartyMember | None:
        """Apply the changes to the person and their membership together; None (with form errors) on failure."""
        member = self.member
        try:
            with transaction.atomic():
                services.person_update(actor=actor, person=member.person, values=self._person_values())
                services.party_member_update(actor=actor, member=member, values=self._member_values())
        except ValidationError as error:
            self._apply_service_errors(error)
            return None
        return member
