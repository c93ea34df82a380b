from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Browsing the audit trail that django-auditlog records (who, when, what changed, and who
    consulted personal information). The library owns the table; this app owns the page."""

    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from auditlog.signals import post_log

        from .receivers import drop_noise_entry

        post_log.connect(drop_noise_entry, dispatch_uid="audit.drop_noise_entry")
