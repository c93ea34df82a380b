from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    """How long personal information is kept (Quebec's Law 25): the periods administrators
    set, the monthly job that deletes or anonymises what is past them, and its reports. It
    belongs to no domain: each domain declares its rules in its own ``<app>/retention.py``
    (see ``retention.engine``)."""

    name = "retention"
    verbose_name = _("Retention of personal information")

    def ready(self):
        from auditlog.registry import auditlog

        from .models import RetentionRun, RetentionSettings

        auditlog.register(RetentionSettings)
        auditlog.register(RetentionRun)
