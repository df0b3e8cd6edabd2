from django.urls import path

from . import service_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("report/done/", views.report_done, name="report_done"),
    path("places/", views.places, name="places"),
    path("track/", views.track, name="track"),
    path("track/<str:code>/rate/", views.rate, name="rate"),
    path("mine/", views.my_cases, name="my_cases"),
    path("text-size/", views.text_size, name="text_size"),
    path("disclosures/", views.disclosures, name="disclosures"),
    path("disclosures/<int:pk>/", views.disclosure, name="disclosure"),
    path("disclosures/<int:pk>/poster/", views.disclosure_poster, name="disclosure_poster"),
    path("disclosures/<int:pk>/photos/<int:photo_pk>/", views.disclosure_photo, name="disclosure_photo"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/<int:pk>/", views.meeting, name="meeting"),
    path("consultations/", views.consultations, name="consultations"),
    path("consultations/<int:pk>/", views.consultation, name="consultation"),
    path("consultations/<int:pk>/photo/", views.consultation_photo, name="consultation_photo"),
    path("services/", service_views.service_items, name="service_items"),
    path("services/items/<slug:code>/", service_views.service_item, name="service_item"),
    path("services/items/<slug:code>/notice/", service_views.service_notice, name="service_notice"),
    path("services/items/<slug:code>/appointment/", service_views.service_appointment,
         name="service_appointment"),
    path("services/appointments/<slug:code>/", service_views.appointment, name="appointment"),
    path("services/providers/", service_views.providers, name="providers"),
    path("services/providers/<int:pk>/", service_views.provider, name="provider"),
    path("services/requests/<slug:code>/", service_views.service_request, name="service_request"),
]
