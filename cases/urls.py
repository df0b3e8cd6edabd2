"""Staff pages of the case workflow, mounted at /cases/."""

from django.urls import path

from . import views, views_export, views_media

app_name = "cases"
urlpatterns = [
    path("", views.problem_list, name="problem_list"),
    path("export.xlsx", views_export.problem_list_export, name="problem_list_export"),
    path("new/", views.intake, name="intake"),
    path("handling/", views.handling_list, name="handling_list"),
    path("handling/export.xlsx", views_export.handling_list_export, name="handling_list_export"),
    path("whistles/", views.whistle_board, name="whistle_board"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.transition, name="transition"),
    path("<int:pk>/reveal-phone/", views.contact_reveal, name="contact_reveal"),
    path("photos/<int:pk>/", views_media.attachment_view, name="attachment"),
]
