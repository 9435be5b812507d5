from django.contrib import admin

from groundswell.core.images import ADMIN_FORMFIELD_OVERRIDES
from groundswell.targets.models import Answer, Delivery, Reminder, Target, TargetContact


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "country", "state", "email", "created_at"]
    list_filter = ["country"]
    search_fields = ["name", "role", "office", "email"]
    formfield_overrides = ADMIN_FORMFIELD_OVERRIDES


class AnswerInline(admin.StackedInline):
    model = Answer
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in Answer._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False


class ReminderInline(admin.TabularInline):
    model = Reminder
    extra = 0
    can_delete = False
    readonly_fields = ["number", "created_at", "sent_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read only: deliveries and answers are written by targets.actions."""

    list_display = ["petition", "target", "status", "delivered_at", "deadline", "responded_at"]
    list_filter = ["status"]
    list_select_related = ["petition", "target"]
    search_fields = ["petition__title", "target__name"]
    inlines = [AnswerInline, ReminderInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(TargetContact)
class TargetContactAdmin(admin.ModelAdmin):
    """Read only: organisations set their own addresses; staff adopt them at /targets/addresses/."""

    list_display = ["target", "organisation", "email", "updated_at"]
    list_select_related = ["target", "organisation"]
    search_fields = ["target__name", "organisation__name", "email"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False
