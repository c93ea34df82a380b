"""Administrators choose what is published: the tables (tick « published ») and the cohort
imports whose statistics may be published. A change of cohort imports recomputes the figures
after the commit; a table ticked or unticked shows or vanishes at once."""

from django.contrib import admin
from django.db import transaction

from .models import CohortPublication, FigureTable, PublishedTable


def _recompute():
    from .tasks import compute_public_figures

    transaction.on_commit(compute_public_figures.delay)


@admin.register(PublishedTable)
class PublishedTableAdmin(admin.ModelAdmin):
    list_display = ["__str__", "is_published", "updated_at"]
    list_editable = ["is_published"]
    fields = ["key", "is_published"]

    def get_readonly_fields(self, request, obj=None):
        return ["key"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CohortPublication)
class CohortPublicationAdmin(admin.ModelAdmin):
    list_display = ["cohort_import", "created_at"]
    list_select_related = ["cohort_import"]
    raw_id_fields = ["cohort_import"]
    fields = ["cohort_import"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _recompute()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _recompute()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        _recompute()


@admin.register(FigureTable)
class FigureTableAdmin(admin.ModelAdmin):
    """The current snapshot, read only (``manage.py compute_public_figures`` recomputes it)."""

    list_display = ["key", "computed_at", "includes_demo", "temporal_start", "temporal_end"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
