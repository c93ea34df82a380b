from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Sit(models.Model):
    """A territorial service (Service d'intervention territoriale) with its seat city."""

    slug = models.SlugField(_("identifier"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=150)

    class Meta:
        verbose_name = _("territorial service (SIT)")
        verbose_name_plural = _("territorial services (SIT)")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Office(models.Model):
    """A point of service of the regional network: a SIT seat or an antenne."""

    class Kind(models.TextChoices):
        SIT_SEAT = "sit_seat", _("SIT seat")
        ANTENNE = "antenne", _("Antenne")

    slug = models.SlugField(_("identifier"), max_length=80, unique=True)
    city = models.CharField(_("city"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ANTENNE)
    sit = models.ForeignKey(Sit, verbose_name=_("SIT"), on_delete=models.PROTECT,
                            related_name="offices")
    region = models.ForeignKey("regions.Region", verbose_name=_("region"),
                               on_delete=models.PROTECT, related_name="offices")
    municipality = models.ForeignKey("regions.Municipality", verbose_name=_("municipality"),
                                     on_delete=models.PROTECT, related_name="offices",
                                     null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    #: The address enterprises write to (an alias delivered to the portal's IMAP mailbox,
    #: ``INBOUND_EMAIL``): mail to it opens a request at this office. Set by administrators.
    mailbox = models.EmailField(_("mailbox address"), blank=True,
                                help_text=_("Mail sent to this address opens a support request "
                                            "at the office. Leave empty if the office receives "
                                            "no mail through the portal."))

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["sit__name", "-kind", "city"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["sit_seat", "antenne"]),
                                   name="office_kind_known"),
            models.UniqueConstraint(fields=["sit"], condition=models.Q(kind="sit_seat"),
                                    name="office_one_seat_per_sit"),
            models.UniqueConstraint(Lower("mailbox"),
                                    condition=~models.Q(mailbox=""),
                                    name="office_mailbox_unique",
                                    violation_error_message=_("Another office already uses "
                                                              "this mailbox address.")),
        ]

    def __str__(self):
        return self.city


class OfficeTerritory(models.Model):
    """A piece of an office's territory: a whole region, one MRC, or one municipality.

    The most precise piece wins when the portal picks the office serving a partner:
    municipality, then MRC, then region.
    """

    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.CASCADE,
                               related_name="territories")
    region = models.ForeignKey("regions.Region", verbose_name=_("region"),
                               on_delete=models.PROTECT, related_name="+")
    mrc = models.ForeignKey("regions.Mrc", verbose_name=_("MRC"), on_delete=models.PROTECT,
                            null=True, blank=True, related_name="+")
    municipality = models.ForeignKey("regions.Municipality", verbose_name=_("municipality"),
                                     on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")

    class Meta:
        verbose_name = _("office territory")
        verbose_name_plural = _("office territories")
        ordering = ["region__code", "mrc__name", "municipality__name"]
        constraints = [
            # One office per piece of land, at each level of precision.
            models.UniqueConstraint(
                fields=["region"],
                condition=models.Q(mrc__isnull=True, municipality__isnull=True),
                name="territory_one_office_per_region",
            ),
            models.UniqueConstraint(fields=["mrc"], condition=models.Q(mrc__isnull=False),
                                    name="territory_one_office_per_mrc"),
            models.UniqueConstraint(fields=["municipality"],
                                    condition=models.Q(municipality__isnull=False),
                                    name="territory_one_office_per_municipality"),
            models.CheckConstraint(
                condition=~models.Q(mrc__isnull=False, municipality__isnull=False),
                name="territory_mrc_or_municipality_not_both",
            ),
        ]

    def __str__(self):
        return str(self.municipality or self.mrc or self.region)

    @property
    def level(self):
        if self.municipality_id:
            return _("municipality")
        if self.mrc_id:
            return _("MRC")
        return _("whole region")


class StaffAssignment(models.Model):
    """A ministry staff member works in an office. Advisers see the files of the offices they
    are assigned to; a SIT manager sees those of every office of the SIT they are assigned in."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.CASCADE, related_name="assignments")
    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.CASCADE,
                               related_name="assignments")

    class Meta:
        verbose_name = _("staff assignment")
        verbose_name_plural = _("staff assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "office"], name="assignment_unique"),
        ]

    def __str__(self):
        return f"{self.user} — {self.office}"
