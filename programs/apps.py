from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    """Programs, calls for projects, action plans, measures and reports."""

    name = "programs"
    verbose_name = _("Programs and action plans")

    def ready(self):
        from auditlog.registry import auditlog

        from . import models
        from .models import ActionPlan, Attachment, Call, Comment, Program, Report

        auditlog.register(Program)
        auditlog.register(Call)
        auditlog.register(ActionPlan, exclude_fields=["updated_at"])
        auditlog.register(Attachment, exclude_fields=["file"])
        auditlog.register(Comment)
        auditlog.register(Report)
        auditlog.register(models.Instalment)  # who set, authorised, paid
        auditlog.register(models.PlanReview)  # who reviewed, asked, completed
        auditlog.register(models.ReviewAnswer)
        auditlog.register(models.ReviewCriterion)
        auditlog.register(models.RegionEnvelope)
        auditlog.register(models.LetterTemplate)
        auditlog.register(models.DecisionLetter, exclude_fields=["file"])
        auditlog.register(models.IndicatorDefinition)
