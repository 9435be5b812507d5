from django.contrib import admin, messages

from groundswell.core.errors import ActionError
from groundswell.core.images import ADMIN_FORMFIELD_OVERRIDES
from groundswell.moderation import actions as moderation
from groundswell.petitions import actions
from groundswell.petitions.models import Petition, PetitionTarget, Signature


class PetitionTargetInline(admin.TabularInline):
    model = PetitionTarget
    extra = 0
    raw_id_fields = ["target"]


def _record_deletion(request, petition: Petition) -> None:
    moderation.record(
        actor=request.user,
        action=moderation.Action.PETITION_DELETED,
        subject=moderation.about(petition),
        reason="deleted in the admin",
    )


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "status", "created_at", "published_at"]
    list_filter = ["status"]
    search_fields = ["title", "slug"]
    readonly_fields = ["status", "reasons_html", "published_at", "closed_at", "created_at"]
    inlines = [PetitionTargetInline]
    formfield_overrides = ADMIN_FORMFIELD_OVERRIDES
    actions = ["approve", "close"]

    def has_add_permission(self, request):
        return False  # petitions are started by organisers, through actions.create_petition

    @admin.action(description="Approve the selected petitions (in review → open)")
    def approve(self, request, queryset):
        self._each(
            request, queryset, lambda p: actions.approve_petition(petition=p, reviewer=request.user)
        )

    @admin.action(description="Close the selected petitions")
    def close(self, request, queryset):
        self._each(request, queryset, lambda p: actions.close_petition(petition=p))

    def delete_model(self, request, obj):
        _record_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for petition in queryset:
            _record_deletion(request, petition)
        super().delete_queryset(request, queryset)

    def _each(self, request, queryset, action):
        for petition in queryset:
            try:
                action(petition)
            except ActionError as error:
                self.message_user(request, f"{petition}: {error.message}", messages.ERROR)


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = ["name", "petition", "status", "country", "created_at", "confirmed_at"]
    list_filter = ["status"]
    search_fields = ["email_normalised"]
    list_select_related = ["petition"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False  # only actions.sign_petition writes signatures
