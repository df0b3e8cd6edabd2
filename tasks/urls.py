"""Staff pages of task admission (社区工作事项准入), mounted at /tasks/."""

from django.urls import path

from . import views

app_name = "tasks"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("report/", views.money_report, name="report"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.request_transition, name="transition"),
    path("<int:pk>/ledger/", views.ledger_add, name="ledger"),
    path("<int:pk>/communities/<str:code>/refuse/", views.community_refuse, name="refuse"),
    path("teams/<int:pk>/", views.team_detail, name="team"),
    path("teams/<int:pk>/consents/", views.consent_add, name="consent"),
    path("teams/<int:pk>/head/", views.head_appoint, name="appoint"),
    path("lists/<str:code>/", views.public_lists, name="lists"),
    path("lists/<str:code>/history/", views.public_list_history, name="list_history"),
]
