"""Back office for webhook subscriptions (saved through `api.webhooks`, audited) and their deliveries."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from cases.workflow import ACTION_LABELS
from core.admin import ReadOnlyAdmin

from .models import WebhookDelivery, WebhookSubscription
from .webhooks import webhook_subscription_save


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label="推送地址", max_length=500, assume_scheme="https", help_text="接收推送的 http(s) 地址")
    events = forms.MultipleChoiceField(
        label="推送的动作", required=False, widget=forms.CheckboxSelectMultiple,
        choices=sorted(ACTION_LABELS.items()), help_text="不选则推送全部动作",
    )
    secret = forms.CharField(
        label="签名密钥", required=False, widget=forms.PasswordInput(render_value=False),
        help_text="留空：新建时自动生成，修改时保持不变",
    )

    class Meta:
        model = WebhookSubscription
        fields = ("name", "url", "secret", "events", "region", "active")

    def clean_secret(self) -> str:
        value = self.cleaned_data.get("secret", "")
        if not value and self.instance.pk:
            return self.instance.secret
        return value


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ("name", "url", "region", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "url")
    raw_id_fields = ("region",)
    readonly_fields = ("after_event_id",)

    def save_model(self, request, obj, form, change):
        webhook_subscription_save(actor=request.user, subscription=obj)

    def has_delete_permission(self, request, obj=None):
        # Deliveries point at their subscription; stop one by clearing 启用 instead.
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "subscription", "event", "attempts", "next_attempt_at", "delivered_at", "last_status")
    list_filter = ("subscription", "event")
    search_fields = ("event_id",)
    date_hierarchy = "created_at"
