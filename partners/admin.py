from django.contrib import admin

from .models import Contact, Invitation, Organisation, PartnerMembership


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "office", "is_demo"]
    list_select_related = ["region", "office"]
    list_filter = ["kind", "non_profit_kind", "region", "office", "is_demo"]
    search_fields = ["name", "search_text"]
    autocomplete_fields = ["mrc", "municipality", "office"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "organisation", "email", "is_primary"]
    list_select_related = ["organisation"]
    search_fields = ["last_name", "first_name", "email", "organisation__name"]
    autocomplete_fields = ["organisation"]


@admin.register(PartnerMembership)
class PartnerMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "created_at"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "invited_by", "created_at", "expires_at",
                    "accepted_at", "revoked_at"]
    list_select_related = ["organisation", "invited_by"]
    search_fields = ["email", "organisation__name"]
    readonly_fields = ["token_hash", "accepted_at", "user"]
    autocomplete_fields = ["organisation", "invited_by"]
