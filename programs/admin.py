from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from partners.models import Kind

from .grids import review_criteria_default
from .letters import PLACEHOLDERS, letter_templates_ensure, unknown_placeholders
from .models import (
    ActionPlan,
    Attachment,
    Axis,
    Call,
    IndicatorDefinition,
    Instalment,
    LetterTemplate,
    Measure,
    PlanEvent,
    Program,
    RegionEnvelope,
    Report,
    RequiredDocument,
    ReviewCriterion,
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


class ReviewCriterionInline(admin.StackedInline):
    """The program's review grid (programs/grids.py): eligibility checks and scored criteria.
    A criterion already answered in a grid cannot be deleted: deactivate it instead."""

    model = ReviewCriterion
    extra = 0
    fields = [("kind", "position", "is_active"), ("label_fr", "label_en"),
              ("guidance_fr", "guidance_en"), ("scale_max", "weight")]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    """Central administrators edit programs here (the Django admin is theirs alone), with
    their review criteria. A program saved without any criterion gets the five default ones."""

    form = ProgramForm
    list_display = ["code", "name_fr", "max_amount", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_fr", "name_en"]
    inlines = [ReviewCriterionInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        review_criteria_default(program=form.instance)
        letter_templates_ensure(programs=[form.instance])  # its default decision letters


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 1


class RegionEnvelopeInline(admin.TabularInline):
    """The parts of the call's envelope set aside for regions (optional): approving beyond a
    region's part, like beyond the call's budget, needs the SIT manager's confirmation."""

    model = RegionEnvelope
    extra = 0


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["title", "program", "fiscal_year", "opens_at", "closes_at", "budget"]
    list_filter = ["program", "fiscal_year"]
    list_select_related = ["program"]
    search_fields = ["title"]
    inlines = [RequiredDocumentInline, RegionEnvelopeInline]


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


class InstalmentInline(admin.TabularInline):
    """The payment schedule, read only: it changes through ``programs.instalments``."""

    model = Instalment
    fk_name = "plan"
    extra = 0
    can_delete = False
    fields = readonly_fields = ["position", "amount", "condition", "report", "due_on",
                                "status", "due_at", "authorised_at", "authorised_by",
                                "paid_at", "paid_by", "payment_reference"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ActionPlan)
class ActionPlanAdmin(_WithoutPrivateDrafts, admin.ModelAdmin):
    """Read-only here: plans change only through the workflow (programs.services)."""

    list_display = ["title", "organisation", "call", "status", "requested_total",
                    "approved_amount", "updated_at"]
    list_filter = ["status", "call__program", "call__fiscal_year"]
    list_select_related = ["organisation", "call", "call__program"]
    search_fields = ["title", "organisation__name"]
    inlines = [MeasureInline, EventInline, InstalmentInline]

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


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(admin.ModelAdmin):
    """The catalogue of standard indicators measures choose from, so that results add up. An
    indicator in use cannot be deleted (its measures keep it): deactivate it instead, and new
    measures no longer offer it."""

    list_display = ["code", "name_fr", "unit_fr", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_fr", "name_en"]
    fields = ["code", "name_fr", "name_en", "unit_fr", "unit_en", "definition_fr",
              "definition_en", "position", "is_active"]


class LetterTemplateForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["program", "kind", "language", "subject", "body", "signatory_name",
                  "signatory_title"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = "; ".join(f"{{{name}}}: {meaning}" for name, meaning in PLACEHOLDERS.items())
        help_text = _("Placeholders, replaced when a letter is issued: %(names)s. Separate "
                      "paragraphs with a blank line; a paragraph left empty is dropped.")
        for name in ("subject", "body"):
            self.fields[name].help_text = help_text % {"names": names}

    def _checked(self, name):
        value = self.cleaned_data.get(name, "")
        unknown = unknown_placeholders(value)
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholder(s): %(names)s. Use only the placeholders listed below.")
                % {"names": ", ".join(f"{{{n}}}" for n in unknown)})
        return value

    def clean_subject(self):
        return self._checked("subject")

    def clean_body(self):
        return self._checked("body")


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    """The decision letters' texts (programs/letters.py), per program, decision and language.
    A change applies to the letters issued after it; issued letters keep their text."""

    form = LetterTemplateForm
    list_display = ["program", "kind", "language", "subject", "updated_at"]
    list_filter = ["program", "kind", "language"]
    list_select_related = ["program"]
    search_fields = ["subject", "body"]
