from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.files import private_storage
from portal.text import fold


class Region(models.Model):
    """One of Quebec's 17 administrative regions (two-digit code 01-17)."""

    code = models.CharField(_("code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)
    sit = models.ForeignKey(
        "antennes.Sit",
        verbose_name=_("territorial service (SIT)"),
        on_delete=models.PROTECT,
        related_name="regions",
        help_text=_("Every region lies in exactly one SIT's territory."),
    )

    class Meta:
        verbose_name = _("administrative region")
        verbose_name_plural = _("administrative regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^(0[1-9]|1[0-7])$"), name="region_code_01_17"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class RegisterQuerySet(models.QuerySet):
    def search(self, text: str):
        """Entries whose code starts with ``text`` (digits) or whose name contains it,
        ignoring case, accents and dash variants."""
        text = fold(text)
        if not text:
            return self.none()
        if text.isdigit():
            return self.filter(code__startswith=text)
        return self.filter(search_name__contains=text)


class RegisterEntry(models.Model):
    """An entry of the municipal register, found by code or by name."""

    name = models.CharField(_("name"), max_length=150)
    search_name = models.CharField(max_length=150, editable=False, db_index=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # Derived column for accent- and case-insensitive search on every database.
        self.search_name = fold(self.name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name"}
        super().save(*args, **kwargs)


class Mrc(RegisterEntry):
    """A regional county municipality (MRC), three-digit code, within one region."""

    code = models.CharField(_("code"), max_length=3, unique=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="mrcs"
    )

    objects = RegisterQuerySet.as_manager()

    class Meta:
        verbose_name = _("MRC")
        verbose_name_plural = _("MRCs")
        ordering = ["name"]

    def __str__(self):
        return self.name


class MunicipalityQuerySet(RegisterQuerySet):
    #: Designations of territories nobody represents as a partner (empty or unorganised lands).
    UNREPRESENTED = ("Territoire non organisé",)

    def representable(self):
        return self.exclude(designation__in=self.UNREPRESENTED)


class Municipality(RegisterEntry):
    """An entry of the municipal register (Répertoire des municipalités du Québec)."""

    code = models.CharField(_("geographic code"), max_length=5, unique=True)
    designation = models.CharField(_("designation"), max_length=60)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="municipalities"
    )
    mrc = models.ForeignKey(
        Mrc,
        verbose_name=_("MRC"),
        on_delete=models.PROTECT,
        related_name="municipalities",
        null=True,
        blank=True,
    )
    metropolitan_community = models.CharField(_("metropolitan community"), max_length=100,
                                              blank=True)
    population = models.PositiveIntegerField(_("population"), default=0)
    website = models.CharField(_("website"), max_length=200, blank=True)

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[0-9]{5}$"),
                                   name="municipality_code_5_digits"),
        ]

    def __str__(self):
        return f"{self.name} ({self.designation})"


# --------------------------------------------------------------------------------------------
# Cohort statistics: where immigrants settle and stay (imported by administrators)
# --------------------------------------------------------------------------------------------


class ImmigrationCategory(models.TextChoices):
    ALL = "all", _("All categories")
    ECONOMIC = "economic", _("Economic immigration")
    FAMILY = "family", _("Family reunification")
    REFUGEE = "refugee", _("Refugees")
    OTHER = "other", _("Other immigrants")


class CohortStatistic(models.Model):
    """How many immigrants of an admission cohort (admitted from ``cohort_start`` to
    ``cohort_end``) lived in a region at a reference year, out of those admitted, per
    immigration category. The presence (retention) rate is derived."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT,
                               related_name="cohort_statistics")
    cohort_start = models.PositiveSmallIntegerField(_("first admission year"))
    cohort_end = models.PositiveSmallIntegerField(_("last admission year"))
    reference_year = models.PositiveSmallIntegerField(_("reference year of presence"))
    category = models.CharField(_("immigration category"), max_length=10,
                                choices=ImmigrationCategory.choices,
                                default=ImmigrationCategory.ALL)
    admitted = models.PositiveIntegerField(_("admitted"))
    present = models.PositiveIntegerField(_("present"))
    #: Fictitious figures (the demo's generated file); every page showing them says so.
    is_demo = models.BooleanField(_("fictitious demo data"), default=False)
    last_import = models.ForeignKey("CohortImport", verbose_name=_("last import"),
                                    on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("cohort statistic")
        verbose_name_plural = _("cohort statistics")
        ordering = ["cohort_start", "reference_year", "region__code", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "cohort_start", "cohort_end", "reference_year", "category"],
                name="cohort_statistic_unique"),
            models.CheckConstraint(condition=models.Q(present__lte=models.F("admitted")),
                                   name="cohort_present_at_most_admitted"),
            models.CheckConstraint(
                condition=models.Q(cohort_end__gte=models.F("cohort_start")),
                name="cohort_ends_after_it_starts"),
            models.CheckConstraint(
                condition=models.Q(reference_year__gte=models.F("cohort_start")),
                name="cohort_reference_after_first_admission"),
            models.CheckConstraint(condition=models.Q(category__in=ImmigrationCategory.values),
                                   name="cohort_category_known"),
        ]

    def __str__(self):
        return (f"{self.region.code} {self.cohort_label} @ {self.reference_year} "
                f"{self.category}")

    @property
    def cohort_label(self) -> str:
        return f"{self.cohort_start}-{self.cohort_end}"

    @property
    def presence_rate(self):
        return self.present / self.admitted if self.admitted else None


class CohortImport(models.Model):
    """One upload of a cohort file: who, when, which file (name and SHA-256) and what it did.
    Files of more than ``COHORT_IMPORT_SYNC_ROWS`` rows are applied by a Celery job, whose
    progress the page shows."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed, waiting for confirmation")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired without confirmation")

    #: How long a preview waits for confirmation before it expires (its counts compare the
    #: file with the database as it was at upload time, and a preview in error never can be
    #: confirmed: neither should stay « waiting » forever).
    PREVIEW_LIFETIME = timedelta(hours=24)
    #: A running import whose job gave no sign of life for this long, and whose row its job
    #: no longer holds (``services.cohort_imports_recover``), died with its worker.
    HEARTBEAT_TIMEOUT = timedelta(minutes=2)
    #: A queued import no worker started for this long lost its job (broker emptied).
    QUEUE_TIMEOUT = timedelta(minutes=30)
    #: How long a failed import keeps its file for a retry; then the file is deleted.
    RETRY_LIFETIME = timedelta(hours=24)

    #: Empty for the demo's fictitious file, loaded by ``seed_demo`` (no person uploads it).
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    #: The uploaded file, kept in private storage while the import may still be applied: until
    #: it is done, cancelled or expired, or RETRY_LIFETIME after it failed. A preview with
    #: errors never keeps it (it cannot be confirmed).
    file = models.FileField(_("file"), upload_to="cohort-imports/", max_length=200,
                            storage=private_storage, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.PREVIEWED)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_new = models.PositiveIntegerField(_("new"), default=0)
    rows_updated = models.PositiveIntegerField(_("updated"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rows_error = models.PositiveIntegerField(_("in error"), default=0)
    #: Rows done by the Celery job so far (for the progress bar).
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    #: The job's last sign of life: set when queued and started, then after every chunk.
    heartbeat_at = models.DateTimeField(_("last sign of life of the job"), null=True,
                                        blank=True)
    #: How many times the file was applied (1 + retries after a failure).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    #: The first errors found: [{"row": 3, "column": "admitted", "message": "..."}].
    errors = models.JSONField(_("errors"), default=list, blank=True)
    is_demo = models.BooleanField(_("fictitious demo data"), default=False)

    class Meta:
        verbose_name = _("cohort import")
        verbose_name_plural = _("cohort imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=[
                "previewed", "queued", "running", "done", "failed", "cancelled", "expired"]),
                name="cohort_import_status_known"),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def expires_at(self):
        """When a preview stops waiting for confirmation."""
        return self.created_at + self.PREVIEW_LIFETIME

    @property
    def retry_until(self):
        """Until when a failed import keeps its file for a retry."""
        return self.finished_at + self.RETRY_LIFETIME if self.finished_at else None

    @property
    def can_retry(self) -> bool:
        """A failed import whose file is still kept may be applied again."""
        return self.status == self.Status.FAILED and bool(self.file)

    def is_stale(self, now=None) -> bool:
        """A preview past its lifetime (expired, even before the sweep marks it so)."""
        return (self.status == self.Status.PREVIEWED
                and (now or timezone.now()) >= self.expires_at)


class MontrealArea(models.TextChoices):
    """What « Montréal » means in the dashboard's share of immigrants living outside it."""

    REGION_06 = "06", _("The Montréal administrative region (06)")
    MONTREAL_LAVAL = "06+13", _("Montréal (06) and Laval (13)")
    CMM = "cmm", _("The Montréal metropolitan community (CMM)")


class DashboardSettings(models.Model):
    """The cohort dashboard's settings, set by central administrators (one row)."""

    montreal_area = models.CharField(
        _("“Montréal” in the share of immigrants living outside Montréal"), max_length=5,
        choices=MontrealArea.choices, default=MontrealArea.REGION_06,
        help_text=_("Cohort figures are per administrative region. The CMM covers all of "
                    "Montréal (06) and Laval (13) but only part of Lanaudière (14), "
                    "Laurentides (15) and Montérégie (16): for it the dashboard gives the "
                    "exact range the regional figures allow, not a single number."))

    class Meta:
        verbose_name = _("cohort dashboard settings")
        verbose_name_plural = _("cohort dashboard settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1),
                                   name="dashboard_settings_single_row"),
            models.CheckConstraint(condition=models.Q(montreal_area__in=MontrealArea.values),
                                   name="dashboard_settings_montreal_area_known"),
        ]

    def __str__(self):
        return str(_("Cohort dashboard settings"))

    @classmethod
    def current(cls) -> "DashboardSettings":
        """The row, or the defaults while no administrator saved one (one query, no write)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)
