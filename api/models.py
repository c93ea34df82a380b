"""Personal API tokens: a person's key for their organisation's or the ministry's system.

The secret is shown once, at creation; only its SHA-256 is kept, with a short visible prefix
so the person can tell their tokens apart (``prt_<prefix>_<secret>``). Every token expires;
a revoked token stays, for the audit trail, and is refused like an expired one."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: Every token starts with this, so a leaked one is recognisable (secret scanners).
TOKEN_PREFIX = "prt_"  # noqa: S105 (a marker, not a secret)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Not revoked, not expired, of an active person."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens", verbose_name=_("person"))
    name = models.CharField(_("name"), max_length=80,
                            help_text=_("What the token is for, e.g. the system that uses it."))
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(_("read only"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")),
                                   name="api_token_expires_after_creation"),
        ]

    def __str__(self):
        return f"{self.name} ({TOKEN_PREFIX}{self.prefix}…)"

    @property
    def display_prefix(self) -> str:
        return f"{TOKEN_PREFIX}{self.prefix}"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now
