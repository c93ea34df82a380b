from django.db import models
from django.utils.translation import gettext_lazy as _

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
