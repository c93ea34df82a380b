from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.admin import SingleRowAdmin

from . import reminders
from .models import Notification, Reminder, ReminderSettings


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "key", "created_at", "read_at", "email_state",
                    "emailed_at", "email_attempts"]
    list_filter = ["email_state", "kind"]
    search_fields = ["recipient__email", "key"]
    list_select_related = ["recipient"]
    readonly_fields = ["recipient", "key", "kind", "params", "url", "created_at", "emailed_at",
                       "email_state", "email_attempts", "email_last_error",
                       "email_next_attempt_at"]


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(SingleRowAdmin):
    """Central administrators set the reminder and escalation delays here (one row)."""

    list_display = ["__str__", "escalation_business_days", "enterprise_waiting_days",
                    "report_due_days", "opportunity_expiry_days"]


class ReminderKindFilter(admin.SimpleListFilter):
    """The kinds the domain apps declared (``notifications.reminders``), by their labels."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return reminders.kind_choices()

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["kind_label", "object_key", "day", "recipient", "created_at"]
    list_filter = [ReminderKindFilter]
    list_select_related = ["recipient"]
    date_hierarchy = "day"

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, obj):
        return reminders.kind_label(obj.kind)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
