from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    """The room at the top: pages and commands that compose several domains (the home pages,
    the combined regional dashboard, the demo, reference loading). Nothing imports it."""

    name = "hub"
    verbose_name = _("Portal pages")
