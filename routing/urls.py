"""Staff fragments of routing, mounted at /routing/."""

from django.urls import path

from . import views

app_name = "routing"
urlpatterns = [
    path("suggest/", views.suggest_fragment, name="suggest_fragment"),
]
