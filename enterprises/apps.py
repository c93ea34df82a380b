from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    """Enterprises (the details of partner organisations of kind « enterprise »), their support
    cases, follow-ups, notes, referrals, their reminders and escalation (``reminders.py``, run by
    the reminder engine of ``notifications``)."""

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
        )

        auditlog.register(Enterprise)
        auditlog.register(JoinRequest)
        auditlog.register(Case, exclude_fields=["updated_at"])
        auditlog.register(CaseNote)
        auditlog.register(Referral)
        auditlog.register(CaseAttachment, exclude_fields=["file"])

        from .models import Intervention

        auditlog.register(Intervention)

        from .models import CaseChecklistItem, ChecklistStep, ChecklistTemplate, ReadyAnswer

        auditlog.register(ChecklistTemplate, exclude_fields=["updated_at"])
        auditlog.register(ChecklistStep)
        auditlog.register(CaseChecklistItem)  # who ticked what, when
        auditlog.register(ReadyAnswer, exclude_fields=["updated_at"])
