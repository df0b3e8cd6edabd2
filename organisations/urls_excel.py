"""Routes of the spreadsheet import and export of the roster and the organisations."""

from django.urls import path

from . import excel_views

urlpatterns = [
    path("party-members/export.xlsx", excel_views.party_members_export, name="party_members_export"),
    path("party-members/template.xlsx", excel_views.party_members_template, name="party_members_template"),
    path("party-members/import/", excel_views.party_members_import, name="party_members_import"),
    path("export.xlsx", excel_views.organisations_export, name="organisations_export"),
    path("template.xlsx", excel_views.organisations_template, name="organisations_template"),
    path("import/", excel_views.organisations_import, name="organisations_import"),
]
