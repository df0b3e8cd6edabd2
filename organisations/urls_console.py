from django.urls import path

from . import views

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("new/", views.organisation_create, name="create"),
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/edit/", views.organisation_edit, name="edit"),
    path("pacts/", views.pact_list, name="pacts"),
    path("activities/", views.activity_list, name="activities"),
    path("cross-appointments/", views.cross_appointments, name="cross_appointments"),
    path("registrations/", views.agency_registrations, name="agency_registrations"),
]
