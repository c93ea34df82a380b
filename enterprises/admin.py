from django.contrib import admin
from django.utils import timezone

from .models import Case, CaseEvent, Enterprise, JoinRequest, Referral


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["organisation", "neq", "legal_form", "sector", "size_band"]
    list_filter = ["legal_form", "nature", "sector", "size_band"]
    list_select_related = ["organisation"]
    search_fields = ["neq", "organisation__name", "other_names"]
    raw_id_fields = ["organisation"]
    readonly_fields = ["verified_at", "verified_by"]

    def save_model(self, request, obj, form, change):
        if not change:  # made by staff: confirmed (a self-registered one waits for an adviser)
            obj.verified_at, obj.verified_by = timezone.now(), request.user
        super().save_model(request, obj, form, change)


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "created_at", "decided_at", "accepted"]
    list_select_related = ["user", "organisation"]
    readonly_fields = ["user", "organisation", "message", "created_at", "decided_at",
                       "decided_by", "accepted"]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "adviser", "comment", "created_at"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only here: cases change only through the workflow (enterprises.services)."""

    list_display = ["pk", "organisation", "office", "status", "adviser", "next_follow_up",
                    "opened_at"]
    list_filter = ["status", "outcome", "channel"]
    list_select_related = ["organisation", "office", "adviser"]
    search_fields = ["organisation__name", "organisation__enterprise__neq"]
    inlines = [CaseEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["case", "target", "referred_on", "outcome"]
    list_filter = ["target", "outcome"]
    list_select_related = ["case"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False



# Checklists and ready answers: central administrators manage them on the portal's pages too
# (enterprises/views/checklists.py, enterprises/views/answers.py).

from .models import ChecklistStep, ChecklistTemplate, ReadyAnswer  # noqa: E402


class ChecklistStepInline(admin.TabularInline):
    model = ChecklistStep
    extra = 0
    fields = ["position", "label_fr", "label_en", "required"]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "is_active", "updated_at"]
    list_filter = ["help_kind", "topic", "is_active"]
    inlines = [ChecklistStepInline]


@admin.register(ReadyAnswer)
class ReadyAnswerAdmin(admin.ModelAdmin):
    list_display = ["title_fr", "title_en", "topic", "help_kind", "is_active"]
    list_filter = ["topic", "help_kind", "is_active"]
    search_fields = ["title_fr", "title_en", "body_fr", "body_en"]
    readonly_fields = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
