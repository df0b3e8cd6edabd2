"""Read-only back-office views of the inbox, the text-message queue and the event cursor.

Everything here is written by `notifications.services`; the admin only lets an operator look (for
example at text messages a gateway refused).
"""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import EventCursor, Notification, SmsMessage


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "kind", "case", "read_at")
    list_filter = ("kind",)
    search_fields = ("recipient__username", "message")
    list_select_related = ("recipient", "case")


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "phone_masked", "case", "status", "status_at", "sent_at", "attempts", "last_error")
    list_filter = ("status",)
    search_fields = ("text",)
    list_select_related = ("case",)
    exclude = ("reporter",)  # the reporter's record holds the plain phone number


@admin.register(EventCursor)
class EventCursorAdmin(ReadOnlyAdmin):
    list_display = ("name", "last_event_id", "updated_at")
