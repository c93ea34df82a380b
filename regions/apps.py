from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "regions"
    verbose_name = _("Regions and municipalities")

    def ready(self):
        from auditlog.registry import auditlog

        from .models import DashboardSettings

        # Who changed what « Montréal » means on the dashboard, and when.
        auditlog.register(DashboardSettings)
