"""Pages of 红领巾 volunteering and 双报到, mounted at /volunteers/."""

from django.urls import path

from . import views

app_name = "volunteers"
urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("registrations/<int:pk>/<slug:action>/", views.registration_decide, name="registration_decide"),
    path("posts/", views.posts, name="posts"),
    path("posts/<int:pk>/<slug:move>/", views.post_move, name="post_move"),
    path("activities/", views.activities, name="activities"),
    path("activities/<int:pk>/", views.activity, name="activity"),
    path("activities/<int:pk>/act/<slug:action>/", views.activity_transition, name="activity_transition"),
    path("activities/<int:pk>/signup/", views.signup, name="signup"),
    path("activities/<int:pk>/check/", views.check, name="check"),
    path("signups/<int:pk>/<slug:action>/", views.signup_transition, name="signup_transition"),
    path("wishes/", views.wishes, name="wishes"),
    path("wishes/<int:pk>/<slug:action>/", views.wish_transition, name="wish_transition"),
    path("units/<int:pk>/", views.unit, name="unit"),
    path("units/<int:pk>/record.xlsx", views.unit_xlsx, name="unit_xlsx"),
    path("members/<int:pk>/certificate/", views.certificate, name="certificate"),
]
