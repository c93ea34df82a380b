from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """What the portal tells a person: in-portal notifications and their emails. It belongs to
    no domain and imports none: each domain registers the texts of its notifications in its own
    ``notices.py`` (see ``notifications.messages``) and what mail to the portal becomes in its
    own ``mail.py`` (see ``notifications.inbound``), discovered here once the apps are loaded."""

    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from auditlog.registry import auditlog

        from .models import ReminderSettings

        autodiscover_modules("notices")
        # Each domain's mail handler (``notifications.inbound.handler``), in its ``mail``.
        autodiscover_modules("mail")
        auditlog.register(ReminderSettings)
