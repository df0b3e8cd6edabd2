"""Staff pages of meetings and 四议两公开, and the members' sign-in page, mounted at /meetings/."""

from django.urls import path

from . import views, views_media

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_new, name="new"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.meeting_transition, name="transition"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/items/<int:item_pk>/vote/", views.vote, name="vote"),
    path("<int:pk>/proposals/add/", views.proposal_add, name="proposal_add"),
    path("<int:pk>/photos/", views.photo_add, name="photo_add"),
    path("<int:pk>/photos/<int:photo_pk>/", views_media.meeting_photo, name="photo"),
    path("<int:pk>/minutes/", views.minutes, name="minutes"),
    path("<int:pk>/sign-in/", views.sign_in, name="sign_in"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/progress/", views.task_progress, name="task_progress"),
    path("matters/", views.matter_list, name="matters"),
    path("matters/new/", views.matter_new, name="matter_new"),
    path("matters/<int:pk>/", views.matter_detail, name="matter_detail"),
    path("matters/<int:pk>/act/<slug:action>/", views.matter_transition, name="matter_transition"),
    path("matters/<int:pk>/photos/<int:photo_pk>/", views_media.matter_photo, name="matter_photo"),
]
