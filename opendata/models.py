"""What the ministry publishes, and the computed figures the public pages read.

- ``PublishedTable``: one row per table the portal can publish; an administrator ticks
  « published » in the Django admin. A table not ticked appears nowhere (page, CSV, JSON,
  metadata record), even while its figures are computed.
- ``CohortPublication``: the cohort imports whose statistics may be published. Cohort figures
  come only from the statistics whose last import is listed here; the demo's fictitious file
  may be listed too, and every place that shows it then says it is fictitious.
- ``FigureTable`` / ``FigureRow``: the figures, as published (small counts already
  suppressed: ``opendata/suppression.py``), written by ``services.figures_compute`` in one
  transaction that replaces the previous snapshot. The pages read nothing else.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TableKey(models.TextChoices):
    REGIONALISATION = "regionalisation", _("Regionalisation by region and fiscal year")
    PLANS_BY_REGION = "plans-by-region", _("Plans funded by region")
    PLANS_BY_PROGRAM = "plans-by-program", _("Plans funded by program")
    PLANS_BY_AXIS = "plans-by-axis", _("Plans funded by intervention axis")
    COHORT_PRESENCE = "cohort-presence", _("Presence of immigrants by region (cohorts)")


class PublishedTableQuerySet(models.QuerySet):
    def published_keys(self) -> list[str]:
        return list(self.filter(is_published=True).values_list("key", flat=True))


class PublishedTable(models.Model):
    """Whether a table of public figures is published (chosen by an administrator)."""

    key = models.CharField(_("table"), max_length=30, choices=TableKey.choices, unique=True)
    is_published = models.BooleanField(
        _("published"), default=False,
        help_text=_("Only published tables appear on the public page, in its downloads and "
                    "in its metadata record."))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PublishedTableQuerySet.as_manager()

    class Meta:
        verbose_name = _("publishable table")
        verbose_name_plural = _("publishable tables")
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(condition=Q(key__in=TableKey.values),
                                   name="published_table_key_known"),
        ]

    def __str__(self):
        return str(TableKey(self.key).label)


class CohortPublication(models.Model):
    """A cohort import whose statistics an administrator allowed to publish."""

    cohort_import = models.OneToOneField("regions.CohortImport", verbose_name=_("cohort import"),
                                         on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("allowed on"), default=timezone.now)

    class Meta:
        verbose_name = _("publishable cohort import")
        verbose_name_plural = _("publishable cohort imports")
        ordering = ["-created_at", "pk"]

    def __str__(self):
        return str(self.cohort_import)


class FigureTable(models.Model):
    """One computed table of the current snapshot."""

    key = models.CharField(_("table"), max_length=30, choices=TableKey.choices, unique=True)
    computed_at = models.DateTimeField(_("computed"))
    #: Some figure comes from fictitious demo data (a demo organisation, the demo cohort file).
    includes_demo = models.BooleanField(_("includes fictitious demo data"), default=False)
    #: The fiscal years (or reference years) covered.
    temporal_start = models.DateField(_("covers from"), null=True, blank=True)
    temporal_end = models.DateField(_("covers to"), null=True, blank=True)
    #: The cohort imports the figures come from (cohort table only): the table is shown only
    #: while every one of them is still publishable.
    cohort_import_ids = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("computed table")
        verbose_name_plural = _("computed tables")
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(condition=Q(key__in=TableKey.values),
                                   name="figure_table_key_known"),
        ]

    def __str__(self):
        return f"{self.key} ({self.computed_at:%Y-%m-%d %H:%M})"


class FigureRow(models.Model):
    """One published row: its group (a fiscal year, a cohort), what it describes (a region, a
    program, an axis, or the total) and its cells as published: a whole number of at least 5,
    ``"<5"`` (a small count), ``"x"`` (hidden so that a small count cannot be worked out from
    the total), an amount (``"1234.00"``), a rate (``"45.2"``) or ``None`` (not applicable)."""

    table = models.ForeignKey(FigureTable, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()
    group = models.CharField(max_length=40)
    key = models.CharField(max_length=40)
    region_code = models.CharField(max_length=2, blank=True)
    label_fr = models.CharField(max_length=200)
    label_en = models.CharField(max_length=200)
    is_total = models.BooleanField(default=False)
    cells = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("computed row")
        verbose_name_plural = _("computed rows")
        ordering = ["table", "position"]
        constraints = [
            models.UniqueConstraint(fields=["table", "position"], name="figure_row_position"),
        ]

    def __str__(self):
        return f"{self.table_id} {self.group} {self.key}"
