"""Routes of the party-member roster and of people's pages."""

from django.urls import path

from . import views_members

urlpatterns = [
    path("party-members/", views_members.party_members, name="party_members"),
    path("party-members/new/", views_members.party_member_create, name="party_member_create"),
    path("party-members/<int:pk>/edit/", views_members.party_member_edit, name="party_member_edit"),
    path("people/<int:pk>/", views_members.person_detail, name="person_detail"),
    path("people/<int:pk>/reveal/", views_members.person_reveal, name="person_reveal"),
    path("people/<int:pk>/reveal-log/", views_members.reveal_log, name="reveal_log"),
]
