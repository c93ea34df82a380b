"""Enterprises (a profile on a partner organisation of kind « enterprise »), their support
requests tracked as cases, with positions, notes, referrals and history.

The case workflow (who may move a case from one status to another) is in
``enterprises/workflow.py``; every write goes through ``enterprises/services.py``.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import STAFF_ROLES
from portal.files import private_storage
from portal.models import StoredDocument
from portal.scoping import ScopedQuerySet, StaffOnlyScopedQuerySet


class LegalForm(models.TextChoices):
    CORPORATION = "corporation", _("Corporation (legal person)")
    SOLE_PROPRIETORSHIP = "sole_proprietorship", _("Sole proprietorship")
    PARTNERSHIP = "partnership", _("Partnership")
    COOPERATIVE = "cooperative", _("Co-operative")
    NON_PROFIT = "non_profit", _("Non-profit legal person")
    PUBLIC_BODY = "public_body", _("Public body")
    OTHER = "other", _("Other")


class Nature(models.TextChoices):
    FOR_PROFIT = "for_profit", _("For-profit")
    NON_PROFIT = "non_profit", _("Non-profit")
    PARAPUBLIC = "parapublic", _("Parapublic")


class SizeBand(models.TextChoices):
    """Employees, as Statistics Canada's business register bands them."""

    MICRO = "1-4", _("1 to 4 employees")
    SMALL = "5-19", _("5 to 19 employees")
    SMALL_MEDIUM = "20-49", _("20 to 49 employees")
    MEDIUM = "50-99", _("50 to 99 employees")
    MEDIUM_LARGE = "100-499", _("100 to 499 employees")
    LARGE = "500+", _("500 employees or more")


class Sector(models.TextChoices):
    """NAICS / SCIAN 2022 sectors (two-digit codes; ranges grouped as Statistics Canada does)."""

    AGRICULTURE = "11", _("11 Agriculture, forestry, fishing and hunting")
    MINING = "21", _("21 Mining, quarrying, and oil and gas extraction")
    UTILITIES = "22", _("22 Utilities")
    CONSTRUCTION = "23", _("23 Construction")
    MANUFACTURING = "31-33", _("31-33 Manufacturing")
    WHOLESALE = "41", _("41 Wholesale trade")
    RETAIL = "44-45", _("44-45 Retail trade")
    TRANSPORTATION = "48-49", _("48-49 Transportation and warehousing")
    INFORMATION = "51", _("51 Information and cultural industries")
    FINANCE = "52", _("52 Finance and insurance")
    REAL_ESTATE = "53", _("53 Real estate and rental and leasing")
    PROFESSIONAL = "54", _("54 Professional, scientific and technical services")
    MANAGEMENT = "55", _("55 Management of companies and enterprises")
    ADMINISTRATIVE = "56", _("56 Administrative and support, waste management and "
                             "remediation services")
    EDUCATION = "61", _("61 Educational services")
    HEALTH = "62", _("62 Health care and social assistance")
    ARTS = "71", _("71 Arts, entertainment and recreation")
    ACCOMMODATION = "72", _("72 Accommodation and food services")
    OTHER_SERVICES = "81", _("81 Other services (except public administration)")
    PUBLIC_ADMINISTRATION = "91", _("91 Public administration")


class EnterpriseQuerySet(ScopedQuerySet):
    office_path = "organisation__office"
    organisation_path = "organisation"

    def verified(self):
        return self.filter(verified_at__isnull=False)

    def unverified(self):
        return self.filter(verified_at__isnull=True)


class Enterprise(models.Model):
    """The enterprise details of a partner organisation of kind « enterprise »: its name,
    region, municipality, serving office, contacts and users are the organisation's."""

    organisation = models.OneToOneField("partners.Organisation", verbose_name=_("organisation"),
                                        on_delete=models.CASCADE, related_name="enterprise")
    neq = models.CharField(_("NEQ"), max_length=10, unique=True,
                           validators=[RegexValidator(r"^(11|22|33|88)\d{8}$")],
                           error_messages={"unique": _("An enterprise with this NEQ is already "
                                                       "registered.")})
    #: The person confirmed an NEQ that fails the check the register's numbers pass.
    neq_checksum_confirmed = models.BooleanField(_("NEQ confirmed despite the check"),
                                                 default=False)
    other_names = models.CharField(_("other names"), max_length=300, blank=True)
    legal_form = models.CharField(_("legal form"), max_length=30, choices=LegalForm.choices)
    nature = models.CharField(_("for-profit, non-profit or parapublic"), max_length=20,
                              choices=Nature.choices)
    sector = models.CharField(_("sector (NAICS)"), max_length=10, choices=Sector.choices)
    naics_code = models.CharField(_("NAICS code"), max_length=6, blank=True,
                                  validators=[RegexValidator(r"^\d{2,6}$")])
    size_band = models.CharField(_("size"), max_length=10, choices=SizeBand.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    #: A self-registered enterprise is unverified until an adviser or SIT manager of its
    #: territory confirms it (``services.enterprise_verify``); those made by staff or the demo
    #: are verified when created.
    verified_at = models.DateTimeField(_("confirmed"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"),
                                    on_delete=models.PROTECT, null=True, blank=True,
                                    editable=False, related_name="+")

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            models.CheckConstraint(condition=Q(neq__regex=r"^(11|22|33|88)[0-9]{8}$"),
                                   name="enterprise_neq_format"),
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | Q(verified_at__isnull=False),
                name="enterprise_confirmer_has_a_date"),
        ]

    def __str__(self):
        return f"{self.organisation.name} ({self.neq})"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


def unverified_organisation_ids():
    """The organisations whose enterprise registered itself and is not confirmed yet (a
    subquery): not an employer of the regionalisation board nor a partner of activities."""
    return Enterprise.objects.unverified().values("organisation_id")


class JoinRequestQuerySet(ScopedQuerySet):
    office_path = "organisation__office"
    organisation_path = "organisation"

    def pending(self):
        return self.filter(decided_at__isnull=True)


class JoinRequest(models.Model):
    """A person who registered with an NEQ already in the portal asks to join that enterprise;
    an adviser of its territory confirms or declines."""

    organisation = models.ForeignKey("partners.Organisation", verbose_name=_("enterprise"),
                                     on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"),
                             on_delete=models.CASCADE, related_name="join_requests")
    message = models.TextField(_("message"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    accepted = models.BooleanField(_("accepted"), null=True)

    objects = JoinRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request to join an enterprise")
        verbose_name_plural = _("requests to join an enterprise")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(decided_at__isnull=True),
                                    name="join_request_one_pending_per_user"),
        ]

    def __str__(self):
        return f"{self.user} → {self.organisation}"


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


class HelpKind(models.TextChoices):
    INFORMATION = "information", _("Information")
    REFERRAL = "referral", _("Referral")
    ACCOMPANIMENT = "accompaniment", _("Accompaniment")


class Topic(models.TextChoices):
    ATTRACTION = "attraction", _("Attract")
    RECRUITMENT = "recruitment", _("Recruit")
    RECEPTION = "reception", _("Receive")
    INTEGRATION = "integration", _("Integrate")
    RETENTION = "retention", _("Retain")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting on the enterprise")
    CLOSED = "closed", _("Closed")


OPEN_CASE_STATUSES = (CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS,
                      CaseStatus.WAITING)


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    REFERRED = "referred", _("Referred")
    NO_RESPONSE = "no_response", _("No response")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    #: Closed by ``case_merge`` only: its content moved to ``merged_into``.
    MERGED = "merged", _("Merged into another case")


class Priority(models.TextChoices):
    """Set by the adviser; a high or urgent case escalates sooner (``reminders``)."""

    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class CaseQuerySet(ScopedQuerySet):
    office_path = "office"
    organisation_path = "organisation"

    def open(self):
        return self.filter(status__in=OPEN_CASE_STATUSES)

    def due(self, day):
        """Open cases whose next follow-up is on or before ``day``."""
        return self.open().filter(next_follow_up__lte=day)

    def overdue(self, today):
        return self.open().filter(next_follow_up__lt=today)

    def for_list(self):
        return self.select_related("organisation", "organisation__enterprise",
                                   "organisation__region", "office", "adviser")


class Case(models.Model):
    """An enterprise's request for support, tracked until it is closed. Every open case has a
    next follow-up date; reminders and escalations are computed from it."""

    organisation = models.ForeignKey("partners.Organisation", verbose_name=_("enterprise"),
                                     on_delete=models.PROTECT, related_name="cases")
    #: The office serving the enterprise when the case was opened; the case's territory.
    office = models.ForeignKey("antennes.Office", verbose_name=_("office"),
                               on_delete=models.PROTECT, related_name="cases")
    adviser = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("adviser"),
                                on_delete=models.PROTECT, null=True, blank=True,
                                related_name="cases")
    #: One line saying what the request is about, shown in every list of cases.
    subject = models.CharField(_("subject"), max_length=200)
    help_kinds = models.JSONField(_("help wanted"), default=list)
    #: Empty only for a request by email an adviser has not classified yet.
    topics = models.JSONField(_("topics"), default=list, blank=True)
    description = models.TextField(_("description"), max_length=5000)
    channel = models.CharField(_("received by"), max_length=10, choices=Channel.choices,
                               default=Channel.PORTAL)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices,
                              default=CaseStatus.NEW, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices,
                               blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices,
                                default=Priority.NORMAL)
    next_follow_up = models.DateField(_("next follow-up"), null=True, blank=True)
    waiting_since = models.DateField(_("waiting on the enterprise since"), null=True,
                                     blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    first_contact_at = models.DateTimeField(_("first contact"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    #: Who entered the request; none when an email from a known contact of the enterprise who
    #: has no account opened it (``inbound_message`` is that email).
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"),
                                   on_delete=models.PROTECT, related_name="+", null=True,
                                   blank=True)
    #: The email that opened the case (channel « email »), kept as received.
    inbound_message = models.ForeignKey("notifications.InboundMessage",
                                        verbose_name=_("email that opened it"),
                                        on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+")
    #: The case this one was merged into (outcome « merged »).
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"),
                                    on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="merged_cases")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("support case")
        verbose_name_plural = _("support cases")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values),
                                   name="case_status_known"),
            models.CheckConstraint(
                condition=(Q(status="closed") & ~Q(outcome="") & Q(closed_at__isnull=False))
                | (~Q(status="closed") & Q(outcome="") & Q(next_follow_up__isnull=False)),
                name="case_closed_iff_outcome_open_has_follow_up",
            ),
            models.CheckConstraint(condition=Q(outcome__in=["", *Outcome.values]),
                                   name="case_outcome_known"),
            models.CheckConstraint(condition=Q(priority__in=Priority.values),
                                   name="case_priority_known"),
            models.CheckConstraint(
                condition=(Q(outcome="merged", merged_into__isnull=False)
                           & ~Q(merged_into=models.F("pk")))
                | (~Q(outcome="merged") & Q(merged_into__isnull=True)),
                name="case_merged_iff_merged_into"),
        ]
        indexes = [
            models.Index(fields=["status", "next_follow_up"]),
            models.Index(fields=["adviser", "status", "next_follow_up"]),
            models.Index(fields=["office", "status"]),
            # The lists' default order (newest first), walked in order by the case list.
            models.Index(fields=["-opened_at", "-id"], name="case_opened_newest"),
        ]

    def __str__(self):
        return _("Case %(number)s — %(enterprise)s") % {"number": self.pk,
                                                       "enterprise": self.organisation.name}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CASE_STATUSES

    @property
    def time_to_first_contact(self):
        return self.first_contact_at - self.opened_at if self.first_contact_at else None

    @property
    def time_to_close(self):
        return self.closed_at - self.opened_at if self.closed_at else None


class FrenchLevel(models.TextChoices):
    NONE = "none", _("Not required")
    BASIC = "basic", _("Basic (levels 1-4)")
    INTERMEDIATE = "intermediate", _("Intermediate (levels 5-8)")
    ADVANCED = "advanced", _("Advanced (levels 9-12)")


class Position(models.Model):
    """Positions to fill, for a recruitment request."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="positions")
    count = models.PositiveSmallIntegerField(_("number of positions"),
                                             validators=[MinValueValidator(1),
                                                         MaxValueValidator(999)])
    job_title = models.CharField(_("job title"), max_length=200)
    noc_code = models.CharField(_("NOC code"), max_length=5, blank=True,
                                validators=[RegexValidator(r"^\d{5}$", _(
                                    "A NOC 2021 code has 5 digits."))])
    municipality = models.ForeignKey("regions.Municipality",
                                     verbose_name=_("municipality of work"),
                                     on_delete=models.PROTECT, related_name="+")
    french_level = models.CharField(_("French level needed"), max_length=20,
                                    choices=FrenchLevel.choices)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["case", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="position_count_positive"),
        ]

    def __str__(self):
        return f"{self.count} × {self.job_title}"


class EventKind(models.TextChoices):
    """What a history row records: a move (or an assignment, which may keep the status), or a
    change that keeps the status and is the ministry's own (the priority, a case merged in).
    The row's text is written from ``kind`` and ``params`` in the reader's language; its
    ``comment`` is only what the person wrote."""

    MOVE = "move", _("Status or adviser")
    PRIORITY = "priority", _("Priority")
    MERGED_IN = "merged_in", _("A case merged into this one")
    MERGED_INTO = "merged_into", _("Merged into another case")


#: The kinds only the ministry reads (the enterprise's timeline leaves them out).
STAFF_EVENT_KINDS = (EventKind.PRIORITY, EventKind.MERGED_IN)


class CaseEventQuerySet(ScopedQuerySet):
    office_path = "case__office"
    organisation_path = "case__organisation"


class CaseEvent(models.Model):
    """One row per move or assignment of a case: its timeline."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="events")
    from_status = models.CharField(_("from"), max_length=20)
    to_status = models.CharField(_("to"), max_length=20)
    #: Who moved it; none when an email did (a request by email from a contact of the
    #: enterprise who has no account: the case's ``inbound_message`` says who).
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"),
                              on_delete=models.PROTECT, related_name="+", null=True,
                              blank=True)
    adviser = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned to"),
                                on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices,
                            default=EventKind.MOVE)
    #: What the kind's text names: ``{"priority": "high"}``, ``{"case": 42}``.
    params = models.JSONField(default=dict, blank=True)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("case history entry")
        verbose_name_plural = _("case history")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EventKind.values),
                                   name="case_event_kind_known"),
        ]

    def __str__(self):
        return f"{self.case_id}: {self.from_status} → {self.to_status}"

    @property
    def text(self) -> str:
        """What a row of another kind than a move says, in the reader's language."""
        if self.kind == EventKind.PRIORITY:
            value = self.params.get("priority")
            label = Priority(value).label if value in Priority.values else value
            return _("Priority set to “%(priority)s”.") % {"priority": label}
        if self.kind == EventKind.MERGED_IN:
            return _("Case %(number)s merged into this case.") % {
                "number": self.params.get("case")}
        if self.kind == EventKind.MERGED_INTO:
            return _("Merged into case %(number)s.") % {"number": self.params.get("case")}
        return ""


class CaseNoteQuerySet(ScopedQuerySet):
    office_path = "case__office"
    organisation_path = "case__organisation"

    def for_user(self, user):
        """Staff see every note of their territory's cases; the enterprise only shared ones."""
        qs = super().for_user(user)
        if getattr(user, "role", None) not in STAFF_ROLES:
            qs = qs.filter(is_internal=False)
        return qs


class CaseNote(models.Model):
    """A note on a case: internal (ministry staff only) or shared with the enterprise, which
    may reply (its replies are shared)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="notes")
    #: None for a reply by email from a contact of the enterprise who has no account (its
    #: ``inbound_message`` names the sender).
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"),
                               on_delete=models.PROTECT, related_name="+", null=True,
                               blank=True)
    body = models.TextField(_("note"), max_length=5000)
    is_internal = models.BooleanField(_("internal (ministry only)"), default=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    #: The email this note was made from (a reply by email), kept as received.
    inbound_message = models.ForeignKey("notifications.InboundMessage",
                                        verbose_name=_("original email"),
                                        on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+")
    #: The ready answer the adviser started the note from (counted on the library's page).
    ready_answer = models.ForeignKey("enterprises.ReadyAnswer", verbose_name=_("ready answer"),
                                     on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="notes")

    objects = CaseNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.case_id} — {self.created_at:%Y-%m-%d}"


class ReferralTarget(models.TextChoices):
    EMPLOI_QUEBEC = "emploi_quebec", _("Emploi-Québec / Services Québec")
    PARTNER = "partner", _("A partner organisation of the directory")
    OFFICE = "office", _("Another office of the ministry")


class ReferralOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    TAKEN_UP = "taken_up", _("Taken up")
    NOT_TAKEN_UP = "not_taken_up", _("Not taken up")


class ReferralQuerySet(ScopedQuerySet):
    office_path = "case__office"
    organisation_path = "case__organisation"


class Referral(models.Model):
    """The enterprise was sent to another service (aiguillage)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="referrals")
    target = models.CharField(_("referred to"), max_length=20, choices=ReferralTarget.choices)
    organisation = models.ForeignKey("partners.Organisation",
                                     verbose_name=_("partner organisation"),
                                     on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="referrals_received")
    office = models.ForeignKey("antennes.Office", verbose_name=_("office"),
                               on_delete=models.PROTECT, null=True, blank=True,
                               related_name="referrals_received")
    referred_on = models.DateField(_("referred on"), default=timezone.localdate)
    outcome = models.CharField(_("outcome"), max_length=20, choices=ReferralOutcome.choices,
                               default=ReferralOutcome.PENDING)
    outcome_on = models.DateField(_("outcome on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"),
                                   on_delete=models.PROTECT, related_name="+")

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["referred_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(target="partner", organisation__isnull=False, office__isnull=True)
                           | Q(target="office", office__isnull=False,
                               organisation__isnull=True)
                           | Q(target="emploi_quebec", office__isnull=True,
                               organisation__isnull=True)),
                name="referral_target_matches",
            ),
        ]

    def __str__(self):
        return f"{self.case_id} → {self.get_target_display()}"


class CaseAttachmentQuerySet(ScopedQuerySet):
    office_path = "case__office"
    organisation_path = "case__organisation"


def case_attachment_path(instance, filename):
    import uuid

    return f"cases/{instance.case_id}/{uuid.uuid4().hex}"


class CaseAttachment(StoredDocument):
    """A document attached to a case (same rules as action-plan documents)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="attachments")
    file = models.FileField(_("file"), upload_to=case_attachment_path, max_length=200,
                            storage=private_storage)
    #: None for a file an email brought from a contact of the enterprise without an account.
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True)
    #: The note it came with (an email's attachments), if any.
    note = models.ForeignKey(CaseNote, verbose_name=_("note"), on_delete=models.SET_NULL,
                             null=True, blank=True, related_name="attachments")

    objects = CaseAttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


# --------------------------------------------------------------------------------------------
# Interventions: what advisers did on a case, and how long it took
# --------------------------------------------------------------------------------------------


class InterventionKind(models.TextChoices):
    PHONE = "phone", _("Phone call")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("Visit to the enterprise")
    EMAIL = "email", _("Email")
    INFO_SESSION = "info_session", _("Information session")


class InterventionQuerySet(StaffOnlyScopedQuerySet):
    """Interventions are the ministry's record of its work: staff only."""

    office_path = "case__office"
    organisation_path = "case__organisation"


class Intervention(models.Model):
    """One thing an adviser did on a case: a call, a meeting, a visit, an email, an information
    session; with its day, duration and who took part. ``help_kind`` is the kind of help it
    was (one of the case's); the workload report counts by it."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="interventions")
    kind = models.CharField(_("intervention"), max_length=20,
                            choices=InterventionKind.choices)
    help_kind = models.CharField(_("help given"), max_length=20, choices=HelpKind.choices)
    day = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(1440)])
    participants = models.CharField(_("participants"), max_length=500, blank=True)
    summary = models.TextField(_("summary"), max_length=2000, blank=True)
    #: The adviser who did it (the workload report's adviser).
    adviser = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("adviser"),
                                on_delete=models.PROTECT, related_name="interventions")
    created_at = models.DateTimeField(_("entered"), default=timezone.now)

    objects = InterventionQuerySet.as_manager()

    class Meta:
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        ordering = ["day", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=InterventionKind.values),
                                   name="intervention_kind_known"),
            models.CheckConstraint(condition=Q(help_kind__in=HelpKind.values),
                                   name="intervention_help_kind_known"),
            models.CheckConstraint(condition=Q(duration_minutes__gte=1,
                                               duration_minutes__lte=1440),
                                   name="intervention_duration_in_a_day"),
        ]
        indexes = [
            models.Index(fields=["case", "day"]),
            models.Index(fields=["day", "adviser"]),
        ]

    def __str__(self):
        return f"{self.case_id} — {self.get_kind_display()} {self.day}"


# --------------------------------------------------------------------------------------------
# Checklists: the known steps of a kind of help on a topic
# --------------------------------------------------------------------------------------------


class ChecklistTemplate(models.Model):
    """The steps administrators set for one help kind on one topic (e.g. accompaniment to
    recruit). A case gets the steps of every (kind, topic) pair it has, when the kind is set."""

    help_kind = models.CharField(_("help kind"), max_length=20, choices=HelpKind.choices)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    is_active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["help_kind", "topic"]
        constraints = [
            models.UniqueConstraint(fields=["help_kind", "topic"],
                                    name="checklist_one_per_kind_and_topic",
                                    violation_error_message=_("This help kind and topic "
                                                              "already have a checklist.")),
        ]

    def __str__(self):
        return f"{self.get_help_kind_display()} — {self.get_topic_display()}"


class ChecklistStep(models.Model):
    template = models.ForeignKey(ChecklistTemplate, verbose_name=_("checklist"),
                                 on_delete=models.CASCADE, related_name="steps")
    label_fr = models.CharField(_("step (French)"), max_length=200)
    label_en = models.CharField(_("step (English)"), max_length=200)
    required = models.BooleanField(_("required to close as resolved"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("checklist step")
        verbose_name_plural = _("checklist steps")
        ordering = ["template", "position", "pk"]

    def __str__(self):
        return self.label_fr


class CaseChecklistItemQuerySet(StaffOnlyScopedQuerySet):
    """The checklist is the ministry's working tool: staff only."""

    office_path = "case__office"
    organisation_path = "case__organisation"


class CaseChecklistItem(models.Model):
    """One step of a case's checklist, copied from its template when the case got it (a later
    change of the template does not rewrite a case's history)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="checklist")
    step = models.ForeignKey(ChecklistStep, verbose_name=_("step"), on_delete=models.SET_NULL,
                             null=True, blank=True, related_name="+")
    label_fr = models.CharField(_("step (French)"), max_length=200)
    label_en = models.CharField(_("step (English)"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("done by"),
                                on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")

    objects = CaseChecklistItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("checklist step of a case")
        verbose_name_plural = _("checklist steps of cases")
        ordering = ["case", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "step"], name="case_checklist_step_once"),
            models.CheckConstraint(condition=Q(done_by__isnull=True) | Q(done_at__isnull=False),
                                   name="case_checklist_done_by_has_a_date"),
        ]

    def __str__(self):
        return f"{self.case_id} — {self.label_fr}"


# --------------------------------------------------------------------------------------------
# Ready answers
# --------------------------------------------------------------------------------------------


class ReadyAnswer(models.Model):
    """An answer administrators and SIT managers keep ready, in French and English, that an
    adviser inserts into a shared note and edits before sending. ``topic`` empty: any topic.
    Its use is counted by the notes started from it (``CaseNote.ready_answer``)."""

    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    body_fr = models.TextField(_("answer (French)"), max_length=5000)
    body_en = models.TextField(_("answer (English)"), max_length=5000)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices, blank=True)
    help_kind = models.CharField(_("help kind"), max_length=20, choices=HelpKind.choices,
                                 blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("written by"),
                                   on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("ready answer")
        verbose_name_plural = _("ready answers")
        ordering = ["topic", "title_fr"]
        constraints = [
            models.CheckConstraint(condition=Q(topic__in=["", *Topic.values]),
                                   name="ready_answer_topic_known"),
            models.CheckConstraint(condition=Q(help_kind__in=["", *HelpKind.values]),
                                   name="ready_answer_help_kind_known"),
        ]

    def __str__(self):
        return self.title_fr


class RegisterEnterprise(models.Model):
    """One enterprise of the Registraire des entreprises' open data, as the last load left it
    (``enterprises/register.py``). Public data, read by NEQ only: the registration and profile
    forms prefill from it. Codes are kept as the file gives them and translated on display."""

    neq = models.CharField(_("NEQ"), max_length=10, unique=True)
    name = models.CharField(_("legal name"), max_length=500, blank=True)
    other_names = models.CharField(_("other names"), max_length=1000, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    legal_form_code = models.CharField(_("legal form code"), max_length=10, blank=True)
    status_code = models.CharField(_("registration status code"), max_length=10, blank=True)
    status_date = models.CharField(_("status date"), max_length=10, blank=True)
    activity_code = models.CharField(_("main activity code (CAE)"), max_length=10, blank=True)
    activity_description = models.CharField(_("main activity"), max_length=300, blank=True)
    #: The load that inserted the row, and the last load that changed it (only set when a
    #: value differs, so a load that changes nothing writes nothing).
    inserted_by_load = models.PositiveIntegerField(default=0, editable=False)
    changed_by_load = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("enterprise of the public register")
        verbose_name_plural = _("enterprises of the public register")

    def __str__(self):
        return f"{self.neq} {self.name}"


class RegisterCode(models.Model):
    """A code value of the register's DomaineValeur.csv (domain, code, French label)."""

    domain = models.CharField(_("domain"), max_length=50)
    code = models.CharField(_("code"), max_length=20)
    label = models.CharField(_("French label"), max_length=300)
    inserted_by_load = models.PositiveIntegerField(default=0, editable=False)
    changed_by_load = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("code of the public register")
        verbose_name_plural = _("codes of the public register")
        constraints = [models.UniqueConstraint(fields=["domain", "code"],
                                               name="register_code_unique")]

    def __str__(self):
        return f"{self.domain} {self.code}"


class RegisterLoad(models.Model):
    """One load of the register's file: when, which file, how many rows, its outcome."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file_name = models.CharField(_("file"), max_length=500)
    file_size = models.PositiveBigIntegerField(_("file size (bytes)"), default=0)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_inserted = models.PositiveIntegerField(_("rows inserted"), default=0)
    rows_updated = models.PositiveIntegerField(_("rows updated"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.RUNNING)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("load of the public register")
        verbose_name_plural = _("loads of the public register")
        ordering = ["-started_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(status__in=["running", "succeeded",
                                                                      "failed"]),
                                              name="register_load_status_known")]

    def __str__(self):
        return f"{self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"
