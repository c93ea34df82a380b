from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionalisationConfig(AppConfig):
    """Regional opportunities (jobs outside Montréal that employers publish and advisers
    validate), the board where regionalisation and settlement organisations find them and
    count their referrals, regionalisation activities with their settlement outcomes, and the
    per-region follow-up of it all. Counts only: no immigrant's identity is stored."""

    name = "regionalisation"
    verbose_name = _("Regionalisation")

    def ready(self):
        from auditlog.registry import auditlog

        from .models import (
            Activity,
            ActivityRegion,
            Opportunity,
            OpportunityReferral,
        )

        auditlog.register(Opportunity, exclude_fields=["updated_at"])
        auditlog.register(OpportunityReferral, exclude_fields=["updated_at"])
        auditlog.register(Activity, exclude_fields=["updated_at"],
                          m2m_fields={"partner_enterprises", "partner_municipalities"})
        auditlog.register(ActivityRegion)
