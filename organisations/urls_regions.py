from django.urls import path, re_path

from . import views_regions as views

app_name = "regions"
# Region codes are digits only, so they never collide with the named paths below.
CODE = r"(?P<code>[0-9]{2,18})"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("facilities/", views.facilities, name="facilities"),
    path("facilities/new/", views.facility_create, name="facility_create"),
    path("facilities/<int:pk>/edit/", views.facility_edit, name="facility_edit"),
    re_path(rf"^{CODE}/$", views.detail, name="detail"),
    re_path(rf"^{CODE}/children/$", views.children, name="children"),
]
