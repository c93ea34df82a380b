from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    """Enterprises (the details of partner organisations of kind « enterprise »), their support
    cases, follow-ups, notes, referrals, reminders and escalation."""

    name = "enterprises"
    verbose_name = _("Enterprises")

    def ready(self):
        from auditlog.registry import auditlog

        from .models import (
            Case,
            CaseAttachment,
            CaseNote,
            Enterprise,
            JoinRequest,
            Referral,
            ReminderSettings,
        )

        auditlog.register(Enterprise)
        auditlog.register(JoinRequest)
        auditlog.register(Case, exclude_fields=["updated_at"])
        auditlog.register(CaseNote)
        auditlog.register(Referral)
        auditlog.register(CaseAttachment, exclude_fields=["file"])
        auditlog.register(ReminderSettings)
