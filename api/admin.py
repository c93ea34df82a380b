"""API tokens in the Django admin: central administrators see every token (never its
secret, which is not stored) and revoke a leaked one through the same service as the page."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services
from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "display_prefix", "user", "read_only", "created_at", "expires_at",
                    "last_used_at", "revoked_at")
    list_filter = ("read_only",)
    search_fields = ("name", "prefix", "user__email")
    list_select_related = ("user",)
    exclude = ("key_hash",)
    readonly_fields = ("user", "name", "prefix", "read_only", "created_at", "expires_at",
                       "last_used_at", "revoked_at", "revoked_by")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # a token is created by its person, on their page: the secret is theirs

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, not deleted: the audit trail keeps pointing at it

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            services.token_revoke(actor=request.user, token_id=token.pk)
        messages.success(request, _("The selected tokens are revoked."))
