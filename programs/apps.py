from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    """Programs, calls for projects, action plans, measures and reports."""

    name = "programs"
    verbose_name = _("Programs and action plans")

    def ready(self):
        from auditlog.registry import auditlog

        from .models import ActionPlan, Attachment, Call, Comment, Program, Report

        auditlog.register(Program)
        auditlog.register(Call)
        auditlog.register(ActionPlan, exclude_fields=["updated_at"])
        auditlog.register(Attachment, exclude_fields=["file"])
        auditlog.register(Comment)
        auditlog.register(Report)
