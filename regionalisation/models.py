"""Regional opportunities, referrals counted per organisation, regionalisation activities and
their settlement outcomes.

Privacy by design: these models hold counts, dates, places and organisations, never an
immigrant's identity (name, contact, birth date, file number...). ``tests/regionalisation/
test_privacy.py`` lists every field and fails if one is added without review. The opportunity
workflow (who may move it from one status to another) is in ``regionalisation/workflow.py``;
every write goes through ``regionalisation/services.py``.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Role
from enterprises.models import FrenchLevel, Sector
from portal.scoping import ScopedQuerySet, user_organisation_ids, visible_offices

#: The region whose jobs are not « regional » opportunities: Montréal (06).
MONTREAL_REGION_CODE = "06"

noc_validator = RegexValidator(r"^\d{5}$", _("A NOC 2021 code has 5 digits."))


class OpportunityStatus(models.TextChoices):
    # An « offre » is feminine in French: the labels carry a context of their own.
    DRAFT = "draft", pgettext_lazy("opportunity status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("opportunity status", "Awaiting validation")
    PUBLISHED = "published", pgettext_lazy("opportunity status", "Published")
    FILLED = "filled", pgettext_lazy("opportunity status", "Filled")
    EXPIRED = "expired", pgettext_lazy("opportunity status", "Expired")
    WITHDRAWN = "withdrawn", pgettext_lazy("opportunity status", "Withdrawn")


#: Statuses in which an opportunity was validated (it was, or is, on the board): the ones the
#: follow-up counts and referrals may be recorded for.
VALIDATED_STATUSES = (OpportunityStatus.PUBLISHED, OpportunityStatus.FILLED,
                      OpportunityStatus.EXPIRED)


class SettlementHelp(models.TextChoices):
    """What an employer offers to help a worker settle (one boolean column each)."""

    HOUSING = "offers_housing", _("Housing")
    MOVING_COSTS = "offers_moving_costs", _("Moving costs")
    SPOUSE_EMPLOYMENT = "offers_spouse_employment", _("Help for the spouse to find work")


def board_organisation_ids():
    """Organisations whose users see the board: regionalisation and settlement non-profits."""
    from partners.models import Kind, NonProfitKind, Organisation

    return Organisation.objects.filter(
        kind=Kind.NON_PROFIT,
        non_profit_kind__in=[NonProfitKind.REGIONALISATION, NonProfitKind.SETTLEMENT],
    ).values("pk")


def sees_board(user) -> bool:
    """Ministry staff, and users of regionalisation and settlement organisations."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_ministry_staff:
        return True
    membership = getattr(user, "membership", None)
    organisation = getattr(membership, "organisation", None)
    return (user.role == Role.PARTNER and organisation is not None
            and organisation.kind == "non_profit"
            and organisation.non_profit_kind in ("regionalisation", "settlement"))


def served_regions(user):
    """Regions in which an office the user sees serves some territory (a subquery)."""
    from antennes.models import OfficeTerritory

    return OfficeTerritory.objects.filter(
        office__in=visible_offices(user).values("pk")).values("region")


class OpportunityQuerySet(ScopedQuerySet):
    """``for_user``: the ministry by the office serving the job's municipality, an enterprise
    its own opportunities. ``visible_to`` adds the board (and what an organisation followed or
    referred candidates to) for those who see the board."""

    office_path = "office"
    organisation_path = "enterprise"

    def on_board(self, today=None):
        today = today or timezone.localdate()
        return self.filter(status=OpportunityStatus.PUBLISHED, expires_on__gte=today)

    def visible_to(self, user, today=None):
        scoped = Q(pk__in=self.model.objects.for_user(user).values("pk"))
        if not sees_board(user):
            return self.filter(scoped)
        today = today or timezone.localdate()
        board = Q(status=OpportunityStatus.PUBLISHED, expires_on__gte=today)
        if user.role == Role.PARTNER:
            board |= Q(status__in=VALIDATED_STATUSES) & (
                Q(Exists(OpportunityFollow.objects.filter(opportunity=OuterRef("pk"),
                                                          user=user)))
                | Q(Exists(OpportunityReferral.objects.filter(
                    opportunity=OuterRef("pk"),
                    organisation__in=user_organisation_ids(user)))))
        return self.filter(scoped | board)

    def for_list(self):
        return self.select_related("enterprise", "municipality", "region", "office")

    def with_referral_totals(self):
        """Candidates, interviews and hires summed over every organisation's referrals, as
        correlated subqueries (computed for the page's rows only)."""
        annotations = {}
        for name in ("candidates", "interviews", "hires"):
            total = (OpportunityReferral.objects.filter(opportunity=OuterRef("pk"))
                     .order_by().values("opportunity").annotate(n=Sum(name)).values("n"))
            annotations[f"total_{name}"] = Coalesce(
                models.Subquery(total, output_field=models.IntegerField()), 0)
        return self.annotate(**annotations)

    def with_followed(self, user):
        return self.annotate(is_followed=Exists(
            OpportunityFollow.objects.filter(opportunity=OuterRef("pk"), user_id=user.pk)))


class Opportunity(models.Model):
    """Jobs in a municipality outside Montréal that an employer offers to immigrants ready to
    settle in the region. Validated by an adviser of the territory before it is on the board;
    closes when filled, withdrawn or on expiry."""

    enterprise = models.ForeignKey("partners.Organisation", verbose_name=_("employer"),
                                   on_delete=models.PROTECT, related_name="opportunities")
    #: The recruitment case an adviser published it from, if any.
    case = models.ForeignKey("enterprises.Case", verbose_name=_("support case"),
                             on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="opportunities")
    title = models.CharField(_("job title"), max_length=200)
    description = models.TextField(_("the job and its conditions"), blank=True)
    positions = models.PositiveSmallIntegerField(
        _("number of positions"), validators=[MinValueValidator(1), MaxValueValidator(999)])
    noc_code = models.CharField(_("NOC code"), max_length=5, validators=[noc_validator],
                                help_text=_("The 5-digit code of the National Occupational "
                                            "Classification (NOC 2021)."))
    sector = models.CharField(_("sector"), max_length=10, choices=Sector.choices)
    french_level = models.CharField(_("French level needed"), max_length=20,
                                    choices=FrenchLevel.choices)
    municipality = models.ForeignKey("regions.Municipality",
                                     verbose_name=_("municipality of work"),
                                     on_delete=models.PROTECT, related_name="+")
    #: The municipality's region (kept for filters and the follow-up).
    region = models.ForeignKey("regions.Region", verbose_name=_("region"),
                               on_delete=models.PROTECT, related_name="opportunities")
    #: The office serving the municipality: its advisers validate the opportunity.
    office = models.ForeignKey("antennes.Office", verbose_name=_("office"),
                               on_delete=models.PROTECT, related_name="opportunities")
    start_date = models.DateField(_("start date"))
    offers_housing = models.BooleanField(_("helps with housing"), default=False)
    offers_moving_costs = models.BooleanField(_("pays moving costs"), default=False)
    offers_spouse_employment = models.BooleanField(_("helps the spouse find work"),
                                                   default=False)
    settlement_details = models.TextField(_("details of the settlement help"), blank=True)
    expires_on = models.DateField(_("expiry date"),
                                  help_text=_("The last day the opportunity is on the board."))
    status = models.CharField(_("status"), max_length=20, choices=OpportunityStatus.choices,
                              default=OpportunityStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    validated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("validated by"),
                                     on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("regional opportunity")
        verbose_name_plural = _("regional opportunities")
        ordering = ["-published_at", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OpportunityStatus.values),
                                   name="opportunity_status_known"),
            models.CheckConstraint(condition=Q(positions__gte=1),
                                   name="opportunity_positions_positive"),
            models.CheckConstraint(condition=Q(noc_code__regex=r"^[0-9]{5}$"),
                                   name="opportunity_noc_five_digits"),
            models.CheckConstraint(
                condition=Q(status__in=[OpportunityStatus.DRAFT, OpportunityStatus.SUBMITTED,
                                        OpportunityStatus.WITHDRAWN])
                | Q(published_at__isnull=False),
                name="opportunity_validated_has_published_at"),
        ]
        indexes = [
            models.Index(fields=["status", "expires_on"]),
            models.Index(fields=["region", "status"]),
            # The list's default order (latest first), walked in order.
            models.Index(fields=["-created_at", "-id"], name="opportunity_created_newest"),
        ]

    def __str__(self):
        return f"{self.title} ({self.positions})"

    @property
    def settlement_help(self) -> list[str]:
        return [help.label for help in SettlementHelp if getattr(self, help.value)]

    def is_on_board(self, today=None) -> bool:
        return (self.status == OpportunityStatus.PUBLISHED
                and self.expires_on >= (today or timezone.localdate()))


class OpportunityEventQuerySet(ScopedQuerySet):
    office_path = "opportunity__office"
    organisation_path = "opportunity__enterprise"


class OpportunityEvent(models.Model):
    """One status move of an opportunity: the history row. ``actor`` is empty for the daily
    sweep that expires opportunities."""

    opportunity = models.ForeignKey(Opportunity, verbose_name=_("opportunity"),
                                    on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=20,
                                   choices=OpportunityStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=OpportunityStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"),
                              on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    objects = OpportunityEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity history entry")
        verbose_name_plural = _("opportunity history")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.opportunity_id}: {self.from_status} → {self.to_status}"


class OpportunityFollow(models.Model):
    """A person following an opportunity from the board (told when it is filled, withdrawn or
    expires)."""

    opportunity = models.ForeignKey(Opportunity, verbose_name=_("opportunity"),
                                    on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.CASCADE, related_name="followed_opportunities")
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("followed opportunity")
        verbose_name_plural = _("followed opportunities")
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "user"],
                                    name="opportunity_follow_once"),
        ]

    def __str__(self):
        return f"{self.user_id} → {self.opportunity_id}"


class OpportunityReferralQuerySet(models.QuerySet):
    def for_user(self, user):
        """The referring organisation sees its own counts; the employer the counts on its
        opportunities; the ministry those on its territory's opportunities and those of the
        organisations its offices serve (Montréal's advisers follow their organisations)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role == Role.ADMIN:
            return self.all()
        if user.role in (Role.SIT_MANAGER, Role.ADVISER):
            offices = visible_offices(user).values("pk")
            return self.filter(Q(opportunity__office__in=offices)
                               | Q(organisation__office__in=offices))
        if user.role == Role.PARTNER:
            own = user_organisation_ids(user)
            return self.filter(Q(organisation__in=own) | Q(opportunity__enterprise__in=own))
        return self.none()


class OpportunityReferral(models.Model):
    """How many candidates an organisation presented for an opportunity, how many had an
    interview and how many were hired: counts only, never who. One row per (opportunity,
    organisation), updated as the numbers grow."""

    opportunity = models.ForeignKey(Opportunity, verbose_name=_("opportunity"),
                                    on_delete=models.CASCADE, related_name="referrals")
    organisation = models.ForeignKey("partners.Organisation",
                                     verbose_name=_("referring organisation"),
                                     on_delete=models.PROTECT, related_name="referrals_made")
    candidates = models.PositiveIntegerField(_("candidates presented"), default=0)
    interviews = models.PositiveIntegerField(_("interviews"), default=0)
    hires = models.PositiveIntegerField(_("hires"), default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("updated by"),
                                   on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = OpportunityReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral count")
        verbose_name_plural = _("referral counts")
        ordering = ["opportunity", "organisation__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "organisation"],
                                    name="opportunity_referral_once_per_organisation"),
            models.CheckConstraint(
                condition=Q(interviews__lte=models.F("candidates"))
                & Q(hires__lte=models.F("interviews")),
                name="opportunity_referral_funnel_narrows"),
        ]

    def __str__(self):
        return f"{self.organisation_id} → {self.opportunity_id}: {self.candidates}"


class ActivityKind(models.TextChoices):
    INFORMATION_SESSION = "information_session", _("Information session")
    JOB_FAIR = "job_fair", _("Job fair")
    EXPLORATORY_STAY = "exploratory_stay", _("Exploratory stay in a region")
    GROUP_VISIT = "group_visit", _("Group visit")


#: The two follow-ups of an activity's outcomes, in months after it ended.
OUTCOME_MONTHS = (6, 12)


def outcomes_due_by(months: int, day):
    """The last ``ends_on`` whose outcomes after ``months`` months are due on ``day``, i.e.
    ``ends_on + months <= day`` as ``Activity.outcome_due_on`` computes it. Adding months
    clamps to the month's end (31 August + 6 months = 28 February), so on the last day of a
    month every activity ended in the month ``months`` before is due, not only those ended
    on or before the same day number."""
    from datetime import timedelta

    from dateutil.relativedelta import relativedelta

    last = day - relativedelta(months=months)
    if (day + timedelta(days=1)).day == 1:
        last += relativedelta(day=31)
    return last


class ActivityQuerySet(models.QuerySet):
    def for_user(self, user):
        """An organisation sees its own activities; the ministry those of the organisations
        its offices serve (Montréal's) and those promoting a region its offices serve."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role == Role.ADMIN:
            return self.all()
        if user.role in (Role.SIT_MANAGER, Role.ADVISER):
            promoted = ActivityRegion.objects.filter(activity=OuterRef("pk"),
                                                     region__in=served_regions(user))
            return self.filter(Q(organisation__office__in=visible_offices(user).values("pk"))
                               | Q(Exists(promoted)))
        if user.role == Role.PARTNER:
            return self.filter(organisation__in=user_organisation_ids(user))
        return self.none()

    def for_list(self):
        return self.select_related("organisation").prefetch_related(
            models.Prefetch("promoted", queryset=ActivityRegion.objects.select_related(
                "region").order_by("region__code")))

    def outcomes_missing(self, months: int, day):
        """Activities ended at least ``months`` months before ``day`` with a promoted region
        whose settlement count for that follow-up is not recorded."""
        field = f"settled_{months}_months"
        missing = ActivityRegion.objects.filter(activity=OuterRef("pk"),
                                                **{f"{field}__isnull": True})
        return self.filter(ends_on__lte=outcomes_due_by(months, day)).filter(
            Exists(missing))


class Activity(models.Model):
    """A regionalisation activity of a Montréal organisation: an information session, a job
    fair, an exploratory stay or a group visit, promoting one or more regions; later, how many
    participants settled in each region 6 and 12 months after it."""

    organisation = models.ForeignKey("partners.Organisation", verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="activities")
    kind = models.CharField(_("type"), max_length=30, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("date"))
    ends_on = models.DateField(_("last day"), help_text=_("The same day for a one-day "
                                                          "activity."))
    description = models.TextField(_("description"), blank=True)
    participants = models.PositiveIntegerField(_("number of participants"), null=True,
                                               blank=True)
    partner_enterprises = models.ManyToManyField(
        "partners.Organisation", verbose_name=_("partner enterprises"), blank=True,
        related_name="activities_as_employer", limit_choices_to={"kind": "enterprise"})
    partner_municipalities = models.ManyToManyField(
        "regions.Municipality", verbose_name=_("partner municipalities"), blank=True,
        related_name="+")
    other_partners = models.TextField(_("other partners"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("regionalisation activity")
        verbose_name_plural = _("regionalisation activities")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ActivityKind.values),
                                   name="activity_kind_known"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                   name="activity_ends_after_it_starts"),
        ]
        indexes = [models.Index(fields=["ends_on"])]

    def __str__(self):
        return self.title

    def outcome_due_on(self, months: int):
        from dateutil.relativedelta import relativedelta

        return self.ends_on + relativedelta(months=months)


class ActivityRegion(models.Model):
    """A region an activity promoted, with how many participants lived there 6 and 12 months
    after it (empty until the organisation records it)."""

    activity = models.ForeignKey(Activity, verbose_name=_("activity"),
                                 on_delete=models.CASCADE, related_name="promoted")
    region = models.ForeignKey("regions.Region", verbose_name=_("region"),
                               on_delete=models.PROTECT, related_name="+")
    settled_6_months = models.PositiveIntegerField(_("settled in the region after 6 months"),
                                                   null=True, blank=True)
    settled_12_months = models.PositiveIntegerField(
        _("settled in the region after 12 months"), null=True, blank=True)

    class Meta:
        verbose_name = _("promoted region")
        verbose_name_plural = _("promoted regions")
        ordering = ["activity", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "region"],
                                    name="activity_region_once"),
        ]

    def __str__(self):
        return f"{self.activity_id} → {self.region_id}"
