from django.contrib import admin

from groundswell.targets.models import Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "created_at"]
    search_fields = ["name", "role"]
