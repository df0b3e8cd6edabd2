"""Staff pages of service requests (办件), mounted at /services/."""

from django.urls import path

from . import views

app_name = "services"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("handed-over/", views.handed_over, name="handed_over"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/reply/", views.follow_up_reply, name="follow_up_reply"),
    path("rates/", views.rates, name="rates"),
    path("providers/", views.provider_list, name="providers"),
    path("providers/new/", views.provider_new, name="provider_new"),
    path("providers/<int:pk>/", views.provider_detail, name="provider"),
    path("providers/<int:pk>/archive/", views.provider_archive, name="provider_archive"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.request_transition, name="transition"),
]
