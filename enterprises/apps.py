from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    """Enterprises, support cases, follow-ups and referrals. The foundation (issue 2) only
    reserves the app; enterprises are partner organisations of kind ``enterprise`` until the
    enterprise issue adds their details (NEQ, sector, size) here."""

    name = "enterprises"
    verbose_name = _("Enterprises")
