from django.contrib import admin

from portal.admin import SingleRowAdmin

from .models import Mrc, Municipality, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sit"]
    list_select_related = ["sit"]
    search_fields = ["code", "name"]
    list_filter = ["sit"]


@admin.register(Mrc)
class MrcAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    list_select_related = ["region"]
    search_fields = ["code", "name", "search_name"]
    list_filter = ["region"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "designation", "region", "mrc", "population"]
    list_select_related = ["region", "mrc"]
    search_fields = ["code", "name", "search_name"]
    list_filter = ["region", "designation"]
    autocomplete_fields = ["mrc"]


# ---- cohort statistics (importcore5) ----
from import_export.admin import ExportMixin  # noqa: E402
from import_export.formats.base_formats import CSV, XLSX  # noqa: E402

from .models import CohortImport, CohortStatistic  # noqa: E402
from .resources import CohortStatisticResource  # noqa: E402


@admin.register(CohortStatistic)
class CohortStatisticAdmin(ExportMixin, admin.ModelAdmin):
    """The figures, read and exported here (CSV or XLSX). Files are imported on one page only,
    the portal's ``/cohortes/importer/`` (this list links to it): its limits, its preview, its
    background job for large files and its messages; the admin's own import (which offered
    formats that fail and ran large files in the request) is not offered."""

    resource_classes = [CohortStatisticResource]
    export_formats = [CSV, XLSX]
    import_export_change_list_template = "admin/regions/cohortstatistic/change_list.html"
    list_display = ["region", "cohort_start", "cohort_end", "reference_year", "category",
                    "admitted", "present", "is_demo", "last_import"]
    list_select_related = ["region", "last_import"]
    list_filter = ["region", "category", "reference_year", "is_demo"]
    search_fields = ["region__name", "region__code"]
    raw_id_fields = ["last_import"]

    def changelist_view(self, request, extra_context=None):
        from .permissions import can_import_cohorts

        extra_context = {**(extra_context or {}),
                         "can_import_cohorts": can_import_cohorts(request.user)}
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(CohortImport)
class CohortImportAdmin(admin.ModelAdmin):
    """The import history, read-only: imports are made on the staff page or above."""

    list_display = ["created_at", "file_name", "uploaded_by", "status", "rows_total",
                    "rows_new", "rows_updated", "rows_unchanged", "rows_error"]
    list_select_related = ["uploaded_by"]
    list_filter = ["status", "is_demo"]
    search_fields = ["file_name", "sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


from .models import DashboardSettings  # noqa: E402


@admin.register(DashboardSettings)
class DashboardSettingsAdmin(SingleRowAdmin):
    """Central administrators choose here what « Montréal » means on the dashboard (one row)."""

    list_display = ["__str__", "montreal_area"]
