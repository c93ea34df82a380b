from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    """Programs, calls for projects, action plans, measures and reports (a later issue)."""

    name = "programs"
    verbose_name = _("Programs and action plans")
