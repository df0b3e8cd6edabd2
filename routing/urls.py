"""Staff fragments of routing, mounted at /routing/."""

from django.urls import path

from . import views

app_name = "routing"
urlpatterns = [
    path("suggest/", views.suggest_fragment, name="suggest_fragment"),
    path("cases/<int:pk>/duplicates/", views.case_duplicates_fragment, name="case_duplicates"),
    path("hot-spots/", views.hot_spots_page, name="hot_spots"),
]
