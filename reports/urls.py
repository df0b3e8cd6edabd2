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
