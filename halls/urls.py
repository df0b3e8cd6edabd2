"""Pages of the halls: staff pages, the residents' phone pages, the kiosk and the calling screen."""

from django.urls import path

from . import views

app_name = "halls"
urlpatterns = [
    path("", views.hall_list, name="list"),
    path("<int:pk>/counter/", views.counter, name="counter"),
    path("<int:pk>/windows/<int:window_pk>/call/", views.call_next, name="call"),
    path("tickets/<int:pk>/act/<slug:action>/", views.ticket_act, name="ticket_act"),
    path("appointments/<int:pk>/act/<slug:action>/", views.appointment_act, name="appointment_act"),
    path("<int:pk>/take/", views.take, name="take"),
    path("<int:pk>/kiosk/", views.kiosk, name="kiosk"),
    path("<int:pk>/screen/", views.screen, name="screen"),
    path("tickets/<int:pk>/", views.ticket, name="ticket"),
    path("rooms/", views.rooms, name="rooms"),
    path("rooms/<int:pk>/book/", views.book, name="book"),
    path("bookings/mine/", views.my_bookings, name="my_bookings"),
    path("bookings/", views.booking_list, name="bookings"),
    path("bookings/<int:pk>/act/<slug:action>/", views.booking_act, name="booking_act"),
    path("mediations/", views.mediation_list, name="mediations"),
    path("mediations/new/", views.mediation_new, name="mediation_new"),
    path("mediations/<int:pk>/", views.mediation_detail, name="mediation"),
    path("mediations/<int:pk>/act/<slug:action>/", views.mediation_act, name="mediation_act"),
]
