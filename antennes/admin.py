from django.contrib import admin

from .models import Office, OfficeTerritory, Sit, StaffAssignment


class OfficeInline(admin.TabularInline):
    model = Office
    fields = ["city", "kind", "region", "is_active"]
    extra = 0
    show_change_link = True


@admin.register(Sit)
class SitAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    inlines = [OfficeInline]


class TerritoryInline(admin.TabularInline):
    model = OfficeTerritory
    extra = 1
    autocomplete_fields = ["mrc", "municipality"]


class AssignmentInline(admin.TabularInline):
    model = StaffAssignment
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["city", "kind", "sit", "region", "is_active"]
    list_select_related = ["sit", "region"]
    list_filter = ["sit", "kind", "is_active"]
    search_fields = ["city", "slug"]
    prepopulated_fields = {"slug": ["city"]}
    autocomplete_fields = ["municipality"]
    inlines = [TerritoryInline, AssignmentInline]


@admin.register(OfficeTerritory)
class OfficeTerritoryAdmin(admin.ModelAdmin):
    list_display = ["office", "region", "mrc", "municipality"]
    list_select_related = ["office", "region", "mrc", "municipality"]
    list_filter = ["office__sit", "region"]
    search_fields = ["office__city", "mrc__name", "municipality__name"]
    autocomplete_fields = ["office", "mrc", "municipality"]


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "office"]
    list_select_related = ["user", "office"]
    search_fields = ["user__email", "office__city"]
    autocomplete_fields = ["user", "office"]
