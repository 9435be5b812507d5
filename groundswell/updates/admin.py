"""Read-only views for staff: every write goes through updates/actions.py."""

from django.contrib import admin

from groundswell.updates.models import Mailing, Milestone, Update, UpdateSettings


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Update)
class UpdateAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "status", "origin", "organisation", "petition", "published_at"]
    list_filter = ["kind", "status", "origin"]
    search_fields = ["title", "organisation__name", "petition__title"]
    list_select_related = ["organisation", "petition"]


@admin.register(Mailing)
class MailingAdmin(ReadOnlyAdmin):
    list_display = ["update", "petition", "status", "starts_at", "recipient_count", "fanned_out_at"]
    list_filter = ["status"]
    list_select_related = ["update", "petition"]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ["petition", "rung", "reached_at"]
    list_select_related = ["petition"]


@admin.register(UpdateSettings)
class UpdateSettingsAdmin(ReadOnlyAdmin):
    list_display = ["petition", "milestone_updates", "email_milestones"]
    list_select_related = ["petition"]
