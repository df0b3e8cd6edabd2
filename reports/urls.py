from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("figures/", views.figures, name="figures"),
]

from . import views_kpis  # noqa: E402

urlpatterns += [
    path("kpis/", views_kpis.kpis, name="kpis"),
    path("departments/<int:pk>/", views_kpis.department_kpis_page, name="department_kpis"),
]

from . import dashboard_views  # noqa: E402

urlpatterns += [
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/data/", dashboard_views.dashboard_data, name="dashboard_data"),
    path("dashboard/export/", dashboard_views.dashboard_export, name="dashboard_export"),
    path("dashboard/monthly/", dashboard_views.monthly_report, name="monthly_report"),
]
