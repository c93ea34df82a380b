from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AntennesConfig(AppConfig):
    name = "antennes"
    verbose_name = _("Regional network")

    def ready(self):
        from auditlog.registry import auditlog

        from .models import Office, OfficeTerritory, Sit, StaffAssignment

        for model in (Sit, Office, OfficeTerritory, StaffAssignment):
            auditlog.register(model)
