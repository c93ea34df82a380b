from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The versioned API (``/api/v1/``) for partners' and the ministry's systems: personal
    tokens, and operations that go through the same scope and services as the pages.
    *Why an app:* like ``hub``, it composes every domain; nothing imports it."""

    name = "api"
    verbose_name = _("API")

    def ready(self):
        from auditlog.registry import auditlog

        from .models import ApiToken

        # The hash is a secret's fingerprint, the last use a stamp: neither is audited.
        auditlog.register(ApiToken, exclude_fields=["key_hash", "last_used_at"])
