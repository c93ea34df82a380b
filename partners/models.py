from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.scoping import ScopedQuerySet
from portal.text import fold


class Kind(models.TextChoices):
    LOCAL_MUNICIPALITY = "local_municipality", _("Local municipality")
    MRC = "mrc", _("Regional county municipality (MRC)")
    AGGLOMERATION = "agglomeration", _("Agglomeration")
    METROPOLITAN_COMMUNITY = "metropolitan_community", _("Metropolitan community")
    NON_PROFIT = "non_profit", _("Non-profit organisation")
    ENTERPRISE = "enterprise", _("Enterprise")


MUNICIPAL_KINDS = frozenset(
    {Kind.LOCAL_MUNICIPALITY, Kind.MRC, Kind.AGGLOMERATION, Kind.METROPOLITAN_COMMUNITY}
)


class NonProfitKind(models.TextChoices):
    REGIONALISATION = "regionalisation", _("Regionalisation organisation (Montréal)")
    SETTLEMENT = "settlement", _("Settlement and integration organisation")
    FRANCISATION = "francisation", _("Francisation provider")
    SCHOOL_SERVICE_CENTRE = "school_service_centre", _("School service centre")
    CEGEP = "cegep", _("CEGEP")
    UNIVERSITY = "university", _("University")
    OTHER = "other", _("Other non-profit")


class OrganisationQuerySet(ScopedQuerySet):
    office_path = "office"
    organisation_path = "pk"

    def for_list(self):
        """What the directory and its export show: related names in the same query, and the
        contact count as a correlated subquery, which PostgreSQL evaluates only for the rows
        of the page (after ORDER BY ... LIMIT), unlike a GROUP BY over the whole directory."""
        contacts = (
            Contact.objects.filter(organisation=models.OuterRef("pk"))
            .order_by()
            .values("organisation")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.select_related("region", "mrc", "municipality", "office").annotate(
            contact_count=Coalesce(
                models.Subquery(contacts, output_field=models.IntegerField()), 0
            )
        )


class Organisation(models.Model):
    """A partner organisation: a municipal body, a non-profit or an enterprise."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    non_profit_kind = models.CharField(_("kind of non-profit"), max_length=30,
                                       choices=NonProfitKind.choices, blank=True)
    region = models.ForeignKey("regions.Region", verbose_name=_("region"),
                               on_delete=models.PROTECT, related_name="organisations")
    mrc = models.ForeignKey("regions.Mrc", verbose_name=_("MRC"), on_delete=models.PROTECT,
                            null=True, blank=True, related_name="organisations")
    municipality = models.ForeignKey("regions.Municipality", verbose_name=_("municipality"),
                                     on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="organisations")
    office = models.ForeignKey("antennes.Office", verbose_name=_("serving office"),
                               on_delete=models.PROTECT, related_name="organisations")
    email = models.EmailField(_("general email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    #: The language the organisation corresponds in: letters are in French, followed by their
    #: English version for an English-language organisation.
    language = models.CharField(_("language of correspondence"), max_length=2,
                                choices=[("fr", _("French")), ("en", _("English"))],
                                default="fr")
    is_demo = models.BooleanField(
        _("fictitious demo data"), default=False,
        help_text=_("Created by seed_demo; not a real organisation."),
    )
    #: Folded name and codes, for accent- and case-insensitive search (see portal.text.fold).
    search_text = models.CharField(max_length=400, editable=False, db_index=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=Kind.values),
                                   name="organisation_kind_known"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=Kind.NON_PROFIT, non_profit_kind__in=NonProfitKind.values)
                    | (~models.Q(kind=Kind.NON_PROFIT) & models.Q(non_profit_kind=""))
                ),
                name="organisation_non_profit_kind_iff_non_profit",
            ),
            models.UniqueConstraint(
                fields=["municipality"],
                condition=models.Q(kind="local_municipality"),
                name="organisation_one_per_municipality",
                violation_error_message=_("This municipality already has an organisation."),
            ),
            models.UniqueConstraint(
                fields=["mrc"],
                condition=models.Q(kind="mrc"),
                name="organisation_one_per_mrc",
                violation_error_message=_("This MRC already has an organisation."),
            ),
        ]
        indexes = [models.Index(fields=["kind", "region"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Derived column: folded name and register codes, so "trois-rivieres" or "37067"
        # finds "Trois-Rivières" on SQLite and PostgreSQL alike.
        self.search_text = fold(" ".join(filter(None, [self.name, self.code])))
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @property
    def code(self) -> str:
        """The register code that identifies a municipal body (municipality or MRC code)."""
        if self.kind == Kind.MRC and self.mrc_id:
            return self.mrc.code
        if self.municipality_id:
            return self.municipality.code
        return ""


class ContactQuerySet(ScopedQuerySet):
    office_path = "organisation__office"
    organisation_path = "organisation"


class Contact(models.Model):
    """A person to reach at a partner organisation. Personal information: every view of a page
    that shows contacts is logged in the audit trail."""

    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"),
                                     on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    title = models.CharField(_("title"), max_length=150, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_primary = models.BooleanField(_("main contact"), default=False)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation"], condition=models.Q(is_primary=True),
                                    name="contact_one_primary_per_organisation"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class MembershipQuerySet(ScopedQuerySet):
    office_path = "organisation__office"
    organisation_path = "organisation"


class PartnerMembership(models.Model):
    """A partner user belongs to exactly one organisation."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                                on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"),
                                     on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner membership")
        verbose_name_plural = _("partner memberships")

    def __str__(self):
        return f"{self.user} — {self.organisation}"


class InvitationQuerySet(ScopedQuerySet):
    office_path = "organisation__office"
    organisation_path = "organisation"

    def pending(self, now=None):
        now = now or timezone.now()
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


class Invitation(models.Model):
    """A staff member invites a person, by email, to join a partner organisation."""

    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"),
                                     on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("invited by"),
                                   on_delete=models.PROTECT, related_name="+")
    #: SHA-256 of the secret token sent by email; the token itself is never stored. Empty
    #: (NULL) until the email leaves: the worker draws the token when it sends.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True,
                                  editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("account created"),
                             on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email_and_organisation",
                violation_error_message=_(
                    "An invitation is already waiting for this address at this organisation."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.organisation}"

    @property
    def status(self):
        if self.accepted_at:
            return _("accepted")
        if self.revoked_at:
            return _("revoked")
        if self.expires_at <= timezone.now():
            return _("expired")
        if not self.sent_at:
            return _("being sent")
        return _("pending")
