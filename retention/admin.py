from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from portal.admin import SingleRowAdmin

from .models import Kind, RetentionRun, RetentionSettings


@admin.register(RetentionSettings)
class RetentionSettingsAdmin(SingleRowAdmin):
    """Central administrators set how long each kind of personal information is kept."""

    list_display = ["__str__", "contacts_months", "notes_months", "case_documents_months",
                    "former_users_months", "audit_entries_months"]


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    """The report of each run of the retention job (read only)."""

    list_display = ["started_at", "finished_at", "total"]
    date_hierarchy = "started_at"
    fields = ["started_at", "finished_at", "total", "by_kind", "periods", "counts"]
    readonly_fields = fields

    @admin.display(description=_("by kind"))
    def by_kind(self, obj):
        labels = dict(Kind.choices)
        return format_html_join(
            "", "<div>{}: {}</div>",
            ((labels.get(kind, kind), count) for kind, count in obj.counts_by_kind().items()))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
