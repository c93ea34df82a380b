"""Admin pieces every app may use."""

from django.contrib import admin


class SingleRowAdmin(admin.ModelAdmin):
    """The admin of a settings model that holds one row (id 1, under a check constraint): it
    may be added once, never deleted, and is always saved as row 1."""

    def has_add_permission(self, request):
        return not self.model.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = 1  # the single row (the database refuses any other)
        super().save_model(request, obj, form, change)
