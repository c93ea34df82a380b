"""Read-mostly: opportunities, referral counts and activities change through
``regionalisation.services`` (their checks, history, notifications). Central administrators
may here correct the wording of a draft opportunity; a status changes only through the
workflow, the place and the validating office only with the municipality, in the portal."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Activity,
    ActivityRegion,
    Opportunity,
    OpportunityEvent,
    OpportunityReferral,
)
from .workflow import EDITABLE_STATUSES


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OpportunityEventInline(_ReadOnlyInline):
    model = OpportunityEvent
    fields = readonly_fields = ["created_at", "from_status", "to_status", "actor", "comment"]


class OpportunityReferralInline(_ReadOnlyInline):
    model = OpportunityReferral
    fields = readonly_fields = ["organisation", "candidates", "interviews", "hires",
                                "updated_by", "updated_at"]


#: What an administrator may correct on a draft: the wording and the offer, nothing the
#: workflow, the board's dates or the territory depend on.
OPPORTUNITY_CORRECTABLE = ["title", "description", "positions", "noc_code", "sector",
                           "french_level", "start_date", "offers_housing",
                           "offers_moving_costs", "offers_spouse_employment",
                           "settlement_details"]
OPPORTUNITY_FIXED = ["status", "enterprise", "case", "municipality", "region", "office",
                     "expires_on", "created_by", "created_at", "updated_at", "submitted_at",
                     "published_at", "validated_by", "closed_at"]


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    """Created, moved, extended in the portal (``regionalisation.services``). The status is
    never edited here; a draft's wording may be corrected."""

    list_display = ["title", "enterprise", "municipality", "region", "office", "status",
                    "positions", "expires_on", "published_at"]
    list_filter = ["status", "region", "sector", "french_level", "offers_housing",
                   "offers_moving_costs", "offers_spouse_employment"]
    list_select_related = ["enterprise", "municipality", "region", "office"]
    search_fields = ["title", "noc_code", "enterprise__name", "municipality__name"]
    date_hierarchy = "expires_on"
    raw_id_fields = ["enterprise", "case", "municipality", "created_by", "validated_by"]
    fieldsets = [
        (None, {"fields": ["status", "enterprise", "case", "municipality", "region", "office",
                           "expires_on"]}),
        (_("The job and the offer"), {"fields": OPPORTUNITY_CORRECTABLE}),
        (_("History"), {"fields": ["created_by", "created_at", "updated_at", "submitted_at",
                                   "published_at", "validated_by", "closed_at"]}),
    ]
    inlines = [OpportunityEventInline, OpportunityReferralInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status in EDITABLE_STATUSES:
            return OPPORTUNITY_FIXED
        return [*OPPORTUNITY_FIXED, *OPPORTUNITY_CORRECTABLE]

    def has_add_permission(self, request):
        return False  # the service places it and derives the validating office

    def has_delete_permission(self, request, obj=None):
        return False  # its history and referral counts feed the follow-up


@admin.register(OpportunityReferral)
class OpportunityReferralAdmin(admin.ModelAdmin):
    """Counts only, recorded by the referring organisation in the portal."""

    list_display = ["opportunity", "organisation", "candidates", "interviews", "hires",
                    "updated_at"]
    list_filter = ["opportunity__region"]
    list_select_related = ["opportunity", "organisation"]
    search_fields = ["opportunity__title", "organisation__name",
                     "opportunity__enterprise__name"]
    raw_id_fields = ["opportunity", "organisation", "updated_by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ActivityRegionInline(_ReadOnlyInline):
    model = ActivityRegion
    fields = readonly_fields = ["region", "settled_6_months", "settled_12_months"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """Recorded by the regionalisation organisation in the portal, with its outcomes."""

    list_display = ["title", "organisation", "kind", "starts_on", "ends_on", "participants"]
    list_filter = ["kind", "promoted__region"]
    list_select_related = ["organisation"]
    search_fields = ["title", "organisation__name"]
    date_hierarchy = "starts_on"
    raw_id_fields = ["organisation", "created_by"]
    inlines = [ActivityRegionInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the service refuses it once outcomes are recorded
