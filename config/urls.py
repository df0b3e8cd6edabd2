from django.contrib import admin
from django.urls import include, path

from api.api import api

# The admin speaks of the platform, not of the framework it is built on.
admin.site.site_header = "共治 管理后台"
admin.site.site_title = "共治 管理后台"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("regions/", include("organisations.urls_regions")),
    path("organisations/", include("organisations.urls")),
    path("reports/", include("reports.urls")),
    path("cases/", include("cases.urls")),
    path("meetings/", include("meetings.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("consultations/", include("consultations.urls")),
    path("halls/", include("halls.urls")),
    path("services/", include("govservices.urls")),
    path("tasks/", include("tasks.urls")),
    path("gradings/", include("gradings.urls")),
    path("routing/", include("routing.urls")),
    path("notifications/", include("notifications.urls")),
    path("public/", include("portal.urls")),
    path("api/v1/", api.urls),
    path("open311/", include("open311.urls")),
    path("", include("core.urls")),
    path("", include("console.urls")),
]
