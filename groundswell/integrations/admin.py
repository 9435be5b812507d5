from django.contrib import admin

from groundswell.integrations.models import ApiToken, WebhookDelivery, WebhookEndpoint


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "hint", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", "organisation", "scopes", "hint", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = fields  # tokens are made and revoked on the organisation's page


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "organisation", "status", "failing_since"]
    exclude = ["secret", "previous_secret"]
    readonly_fields = ["organisation", "created_by", "failing_since", "disabled_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["pk", "endpoint", "status", "attempts", "next_attempt_at", "created_at"]
    list_filter = ["status"]
    fields = ["endpoint", "status", "attempts", "event_types", "next_attempt_at", "created_at"]
    readonly_fields = fields
