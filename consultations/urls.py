"""Staff pages of consultations (征求意见), mounted at /consultations/."""

from django.urls import path

from . import views

app_name = "consultations"
urlpatterns = [
    path("", views.consultation_list, name="list"),
    path("new/", views.consultation_new, name="new"),
    path("<int:pk>/", views.consultation_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.consultation_transition, name="transition"),
    path("<int:pk>/comments/<int:comment_pk>/<slug:move>/", views.moderate, name="moderate"),
    path("<int:pk>/opinions/", views.decide, name="decide"),
]
