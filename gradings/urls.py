"""Grading pages, mounted at /gradings/."""

from django.urls import path

from . import views

app_name = "gradings"
urlpatterns = [
    path("", views.community_gradings, name="community"),
    path("teams/<int:team_pk>/propose/", views.propose, name="propose"),
    path("county/", views.county_gradings, name="county"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("departments/", views.department_evaluations, name="departments"),
    path("departments/export.xlsx", views.department_evaluations_export, name="departments_export"),
    path("departments/weights/", views.weights, name="weights"),
]
