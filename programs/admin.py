from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from partners.models import Kind

from .models import (
    ActionPlan,
    Attachment,
    Axis,
    Call,
    Measure,
    PlanEvent,
    Program,
    Report,
    RequiredDocument,
)


class ProgramForm(forms.ModelForm):
    eligible_kinds = forms.MultipleChoiceField(label=_("eligible organisation kinds"),
                                               choices=Kind.choices,
                                               widget=forms.CheckboxSelectMultiple)
    axes = forms.MultipleChoiceField(label=_("intervention axes funded"), choices=Axis.choices,
                                     widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Program
        fields = ["code", "name_fr", "name_en", "description_fr", "description_en",
                  "eligible_kinds", "axes", "max_amount", "is_active"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    """Central administrators edit programs here (the Django admin is theirs alone)."""

    form = ProgramForm
    list_display = ["code", "name_fr", "max_amount", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_fr", "name_en"]


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 1


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["title", "program", "fiscal_year", "opens_at", "closes_at", "budget"]
    list_filter = ["program", "fiscal_year"]
    list_select_related = ["program"]
    search_fields = ["title"]
    inlines = [RequiredDocumentInline]


class _WithoutPrivateDrafts:
    """The administrator's scope here too (``for_user``): a partner's draft, never submitted
    and with no help asked, is no more readable in the Django admin than in the portal."""

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)


class MeasureInline(admin.StackedInline):
    model = Measure
    extra = 0
    show_change_link = False
    readonly_fields = [f.name for f in Measure._meta.fields if f.name != "id"]
    can_delete = False


class EventInline(admin.TabularInline):
    model = PlanEvent
    fk_name = "plan"
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "comment", "amount", "created_at",
                       "report"]


@admin.register(ActionPlan)
class ActionPlanAdmin(_WithoutPrivateDrafts, admin.ModelAdmin):
    """Read-only here: plans change only through the workflow (programs.services)."""

    list_display = ["title", "organisation", "call", "status", "requested_total",
                    "approved_amount", "updated_at"]
    list_filter = ["status", "call__program", "call__fiscal_year"]
    list_select_related = ["organisation", "call", "call__program"]
    search_fields = ["title", "organisation__name"]
    inlines = [MeasureInline, EventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Report)
class ReportAdmin(_WithoutPrivateDrafts, admin.ModelAdmin):
    list_display = ["plan", "kind", "due_on", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["plan"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Attachment)
class AttachmentAdmin(_WithoutPrivateDrafts, admin.ModelAdmin):
    list_display = ["original_name", "plan", "content_type", "size", "uploaded_at"]
    list_select_related = ["plan"]
    exclude = ["file"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
