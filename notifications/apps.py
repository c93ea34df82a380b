from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """What the portal tells a person: in-portal notifications and their emails. Shared by
    action plans now and by enterprise cases and reminders later, so it is its own app."""

    name = "notifications"
    verbose_name = _("Notifications")
