from django.contrib import admin

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
