from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    """Public figures: what the ministry chooses to publish per region and for Quebec,
    computed by a periodic job into tables of their own, served without sign-in, with small
    counts suppressed, downloadable as CSV and JSON with their licence and metadata.
    *Why an app:* the figures read several domains (plans, opportunities and activities,
    cohorts); none of them owns the publication, and the API above reads it too."""

    name = "opendata"
    verbose_name = _("Public figures")
