from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self):
        from auditlog.registry import auditlog

        from .models import Contact, Invitation, Organisation, PartnerMembership

        auditlog.register(Organisation, exclude_fields=["search_text", "updated_at"])
        auditlog.register(Contact)
        auditlog.register(PartnerMembership)
        auditlog.register(Invitation, exclude_fields=["token_hash"])
