from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Browsing the audit trail that django-auditlog records (who, when, what changed, and who
    consulted personal information). The library owns the table; this app owns the page."""

    name = "audit"
    verbose_name = _("Audit trail")
