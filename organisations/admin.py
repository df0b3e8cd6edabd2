from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import AgencyRegistration, JointActivity, Organisation, Pact, PartyMember, Position


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "region", "parent")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = ("person", "organisation", "title", "is_leader", "started_on", "ended_on")


@admin.register(PartyMember)
class PartyMemberAdmin(ReadOnlyAdmin):
    # Personal data stays out of the back office: only names and places are listed.
    list_display = ("person", "branch", "registered_community", "grid", "is_central_household")


@admin.register(Pact)
class PactAdmin(ReadOnlyAdmin):
    list_display = ("community_organisation", "partner", "kind", "signed_on", "ends_on")
    list_filter = ("kind",)


@admin.register(JointActivity)
class JointActivityAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "held_on", "community", "venue")
    list_filter = ("kind",)


@admin.register(AgencyRegistration)
class AgencyRegistrationAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "community", "registered_on")
