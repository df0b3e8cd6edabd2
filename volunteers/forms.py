"""Forms of the volunteering pages: they parse; the services validate and decide."""

from __future__ import annotations

from django import forms

from regions.models import Level, Region

from .models import Activity, Post

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class RegistrationForm(forms.Form):
    community = forms.ModelChoiceField(label="报到社区", queryset=Region.objects.none(), to_field_name="code",
                                       error_messages={"required": "请选择报到社区",
                                                       "invalid_choice": "请从列表中选择社区"})

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities if communities is not None else Region.objects.none()


class PostForm(forms.Form):
    region = forms.ModelChoiceField(label="网格/楼栋", queryset=Region.objects.none(), to_field_name="code",
                                    error_messages={"required": "请选择网格或楼栋",
                                                    "invalid_choice": "请从列表中选择网格或楼栋"})
    category = forms.ChoiceField(label="岗位类别", choices=Post.Category.choices,
                                 error_messages={"required": "请选择岗位类别"})
    title = forms.CharField(label="岗位名称", max_length=100, error_messages={"required": "请填写岗位名称"})
    duties = forms.CharField(label="岗位职责", widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请填写岗位职责"})
    shift = forms.CharField(label="服务时段", max_length=100, help_text="如：每周六 8:00-10:00",
                            error_messages={"required": "请填写服务时段"})
    head_count = forms.IntegerField(label="需要人数", min_value=1, max_value=200,
                                    error_messages={"required": "请填写需要人数", "invalid": "需要人数须为整数"})

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = (regions if regions is not None else Region.objects.none()).filter(
            level__in=[Level.GRID, Level.BUILDING])


class ActivityForm(forms.Form):
    community = forms.ModelChoiceField(label="社区", queryset=Region.objects.none(), to_field_name="code",
                                       error_messages={"required": "请选择社区",
                                                       "invalid_choice": "请从列表中选择社区"})
    kind = forms.ChoiceField(label="活动类型", choices=Activity.Kind.choices)
    title = forms.CharField(label="活动名称", max_length=150, error_messages={"required": "请填写活动名称"})
    place = forms.CharField(label="活动地点", max_length=150, error_messages={"required": "请填写活动地点"})
    starts_at = forms.DateTimeField(label="开始时间", widget=DATETIME, input_formats=DATETIME_FORMATS,
                                    error_messages={"required": "请填写开始时间", "invalid": "时间格式不正确"})
    ends_at = forms.DateTimeField(label="结束时间", widget=DATETIME, input_formats=DATETIME_FORMATS,
                                  error_messages={"required": "请填写结束时间", "invalid": "时间格式不正确"})
    capacity = forms.IntegerField(label="招募人数", min_value=1, max_value=1000,
                                  error_messages={"required": "请填写招募人数", "invalid": "招募人数须为整数"})
    needs = forms.CharField(label="岗位需求", max_length=300, required=False, help_text="如：引导员 2 人、记录员 1 人")
    needs_approval = forms.BooleanField(label="报名须审核", required=False)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities if communities is not None else Region.objects.none()


class WishForm(forms.Form):
    community = forms.ModelChoiceField(label="社区", queryset=Region.objects.none(), to_field_name="code",
                                       error_messages={"required": "请选择社区",
                                                       "invalid_choice": "请从列表中选择社区"})
    title = forms.CharField(label="心愿", max_length=100, error_messages={"required": "请填写心愿"})
    text = forms.CharField(label="心愿内容", widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": "请填写心愿内容"},
                           help_text="发布时，内容中的电话号码和身份证号会隐去部分数字")
    resident_name = forms.CharField(label="许愿居民", max_length=50, required=False,
                                    help_text="工作人员代居民登记时填写")

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities if communities is not None else Region.objects.none()


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, error_messages={
        "required": "缺少版本号，请刷新后重试", "invalid": "版本号不正确，请刷新后重试"})


class ConfirmMinutesForm(VersionForm):
    minutes = forms.IntegerField(label="确认时长（分钟）", required=False, min_value=1, max_value=24 * 60,
                                 error_messages={"invalid": "时长须为整数分钟",
                                                 "min_value": "时长至少 1 分钟",
                                                 "max_value": "时长不能超过 1440 分钟"})


class ProofForm(VersionForm):
    proof = forms.FileField(label="完成照片", required=False)


class PostTaskForm(forms.Form):
    done_on = forms.DateField(label="完成日期", widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"required": "请填写完成日期", "invalid": "日期格式不正确"})
    note = forms.CharField(label="完成情况", max_length=300, error_messages={"required": "请填写完成情况"})


class SwapForm(forms.Form):
    to_post = forms.IntegerField(label="调换到岗位", min_value=1, max_value=2**63 - 1,
                                 error_messages={"required": "请选择要调换到的岗位", "invalid": "请选择岗位"})


class QuarterForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)
    quarter = forms.IntegerField(min_value=1, max_value=4, required=False)
