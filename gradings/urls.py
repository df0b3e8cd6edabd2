"""Grading pages, mounted at /gradings/."""

from django.urls import path

from . import views

app_name = "gradings"
urlpatterns = [
    path("", views.community_gradings, name="community"),
    path("teams/<int:team_pk>/propose/", views.propose, name="propose"),
    path("county/", views.county_gradings, name="county"),
    path("<int:pk>/decide/", views.decide, name="decide"),
]
