"""Pages that move the roster and the organisations in and out as .xlsx files.

Views check who may do it, read the upload and hand the rows to organisations.excel, which holds all
the rules. Residents and others with no place in the tree get 404, staff without the right get 403.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from core import audit
from core.models import AuditEvent
from core.xlsx import ImportFileError, download, exporter_label
from regions.permissions import can_export_rosters, can_import_rosters
from regions.selectors import scope_root, sees_everything

from . import excel, selectors
from .forms_members import RosterFilterForm
from .models import Organisation, PartyMember


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Excel 文件（.xlsx）",
        help_text="请使用下载的模板填写；先校验全部行，全部无误后才一次性保存。",
        error_messages={"required": "请选择要导入的 .xlsx 文件", "empty": "上传的文件是空的"},
        widget=forms.FileInput(attrs={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }),
    )


def _require_scope(user) -> None:
    if not sees_everything(user) and scope_root(user) is None:
        raise Http404


def _require_importer(user) -> None:
    _require_scope(user)
    if not can_import_rosters(user):
        raise PermissionDenied("仅社区及以上管理人员可以导入")


def _require_exporter(user) -> None:
    _require_scope(user)
    if not can_export_rosters(user):
        raise PermissionDenied("无权导出")


@login_required
def party_members_export(request: HttpRequest) -> HttpResponse:
    """The roster the user can see, narrowed by the roster page's filters, with personal data masked."""
    user = request.user
    _require_exporter(user)
    options = selectors.party_member_filter_options(user, request.GET.get("community", ""))
    filter_form = RosterFilterForm(request.GET or None, options=options)
    filter_form.is_valid()
    filters = filter_form.filters()
    members = list(
        selectors.party_members_filtered(selectors.party_members_visible_to(user), **filters)
        .order_by("person__name", "id")
    )
    now = timezone.now()
    content = excel.write_party_members(members, exported_by=exporter_label(user), exported_at=now)
    used = {name: value for name, value in filters.items() if value not in (None, "")}
    audit.record(
        actor=user, action=AuditEvent.Action.EXPORT, target_type=PartyMember._meta.label_lower,
        target_label="党员名册导出", changes={"rows": len(members), "filters": used},
    )
    return download(content, f"党员名册-{timezone.localtime(now):%Y%m%d-%H%M}.xlsx")


@login_required
def organisations_export(request: HttpRequest) -> HttpResponse:
    """Every organisation the user can see, in the layout the organisations import reads back."""
    user = request.user
    _require_exporter(user)
    organisations = selectors.organisations_visible_to(user).select_related("parent").order_by("region__code", "name")
    now = timezone.now()
    rows = list(organisations)
    content = excel.write_organisations(rows, exported_by=exporter_label(user), exported_at=now)
    audit.record(
        actor=user, action=AuditEvent.Action.EXPORT, target_type=Organisation._meta.label_lower,
        target_label="组织名录导出", changes={"rows": len(rows)},
    )
    return download(content, f"组织名录-{timezone.localtime(now):%Y%m%d-%H%M}.xlsx")


@login_required
def party_members_template(request: HttpRequest) -> HttpResponse:
    _require_scope(request.user)
    content = excel.write_template(excel.ROSTER_COLUMNS, title="党员名册", note=excel.ROSTER_NOTE)
    return download(content, "党员名册导入模板.xlsx")


@login_required
def organisations_template(request: HttpRequest) -> HttpResponse:
    _require_scope(request.user)
    content = excel.write_template(excel.ORGANISATION_COLUMNS, title="组织名录", note=excel.ORGANISATION_NOTE)
    return download(content, "组织名录导入模板.xlsx")


def _import_page(
    request: HttpRequest, *, run: Callable[..., excel.ImportResult], columns, page: dict[str, str]
) -> HttpResponse:
    """The upload form on GET; on POST, the import's counts or every row error, with the form again."""
    user = request.user
    _require_importer(user)
    context = {"columns": columns, **page}
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            context["file_name"] = upload.name
            try:
                rows = excel.read_rows(_read_upload(upload), columns)
                result = run(actor=user, rows=rows, file_name=upload.name)
            except ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                context["result"] = result
                if result.ok:
                    form = ImportForm()
    else:
        form = ImportForm()
    context["form"] = form
    # Refusals are answered 200 like any re-shown form: the page itself explains what to correct.
    return render(request, "organisations/excel/import.html", context)


def _read_upload(upload) -> bytes:
    """The uploaded bytes, reading at most one byte past the limit so a huge file is refused cheaply."""
    return upload.read(settings.IMPORT_MAX_BYTES + 1)


@never_cache
@login_required
def party_members_import(request: HttpRequest) -> HttpResponse:
    return _import_page(request, run=excel.import_party_members, columns=excel.ROSTER_COLUMNS, page={
        "title": "导入党员名册",
        "subject": "党员",
        "note": excel.ROSTER_NOTE,
        "template_url": reverse("organisations:party_members_template"),
        "export_url": reverse("organisations:party_members_export"),
        "back_url": reverse("organisations:party_members"),
        "back_label": "返回党员名册",
    })


@never_cache
@login_required
def organisations_import(request: HttpRequest) -> HttpResponse:
    return _import_page(request, run=excel.import_organisations, columns=excel.ORGANISATION_COLUMNS, page={
        "title": "导入组织",
        "subject": "组织",
        "note": excel.ORGANISATION_NOTE,
        "template_url": reverse("organisations:organisations_template"),
        "export_url": reverse("organisations:organisations_export"),
        "back_url": reverse("organisations:list"),
        "back_label": "返回组织体系",
    })
