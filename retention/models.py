"""The retention periods (one row administrators edit) and the report of each run."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """The kinds of personal information the portal keeps for a set period. Each has its
    period in ``RetentionSettings`` (field ``<kind>_months``); the rules that apply it are
    declared by the domains (``<app>/retention.py``)."""

    CONTACTS = "contacts", _("Contacts")
    NOTES = "notes", _("Notes and comments")
    CASE_DOCUMENTS = "case_documents", _("Case documents")
    FORMER_USERS = "former_users", _("Email addresses of former users")
    AUDIT_ENTRIES = "audit_entries", _("Audit trail entries")


def _months(label, default, minimum=1):
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MinValueValidator(minimum), MaxValueValidator(1200)])


class RetentionSettings(models.Model):
    """How long each kind of personal information is kept, in months (one row, edited by
    central administrators in the Django admin; ``current()`` creates it with the defaults)."""

    contacts_months = _months(
        _("contacts: months after a contact was removed or an invitation lapsed"), 24)
    notes_months = _months(
        _("notes and comments: months after their case or plan ended"), 84)
    case_documents_months = _months(
        _("case documents: months after their case was closed"), 84)
    former_users_months = _months(
        _("former users: months after an account was deactivated"), 12)
    audit_entries_months = _months(
        _("audit trail: months an entry is kept"), 84, minimum=12)

    class Meta:
        verbose_name = _("retention settings")
        verbose_name_plural = _("retention settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1),
                                   name="retention_settings_single_row"),
        ]

    def __str__(self):
        return str(_("Retention settings"))

    @classmethod
    def current(cls) -> "RetentionSettings":
        return cls.objects.get_or_create(pk=1)[0]

    def months(self, kind: str) -> int:
        return getattr(self, f"{kind}_months")


class RetentionRun(models.Model):
    """The report of one run of the retention job: when, with which periods, and how many rows
    each rule deleted or anonymised. Created once the run is over (its creation is the audit
    trail's entry for the run)."""

    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    #: kind -> months in force during the run.
    periods = models.JSONField(_("periods (months)"), default=dict)
    #: "kind.rule" -> rows deleted or anonymised.
    counts = models.JSONField(_("rows deleted or anonymised"), default=dict)
    total = models.PositiveIntegerField(_("total"), default=0)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} — {self.total}"

    def counts_by_kind(self) -> dict[str, int]:
        totals = dict.fromkeys(Kind.values, 0)
        for key, count in self.counts.items():
            kind = key.split(".", 1)[0]
            totals[kind] = totals.get(kind, 0) + count
        return totals
