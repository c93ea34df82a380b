"""Programs, calls for projects, action plans with their measures, and the reports on them.

The plan workflow (who may move a plan from one status to another) lives in
``programs/workflow.py``; every write goes through ``programs/services.py``.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import STAFF_ROLES
from portal.files import private_storage  # noqa: F401 (named by migration 0001)
from portal.models import StoredDocument
from portal.scoping import ScopedQuerySet, StaffOnlyScopedQuerySet

ZERO = Decimal("0.00")


class Axis(models.TextChoices):
    """The seed's seven intervention axes, used wherever an activity is classified."""

    ATTRACTION = "attraction", _("Attraction")
    PROMOTION = "promotion", _("Promotion")
    INTERCULTURAL = "intercultural", _("Intercultural rapprochement")
    CONCERTATION = "concertation", _("Concertation and mobilisation")
    RETENTION = "retention", _("Retention")
    PREPARATION = "preparation", _("Preparation of communities")
    AWARENESS = "awareness", _("Awareness")


class Characteristic(models.TextChoices):
    """The seed's five characteristics of a welcoming and inclusive community."""

    FAIR_ACCESS = "fair_access", _("Fair access to institutions, facilities and services")
    JOB_MARKET = "job_market", _(
        "A dynamic local job market, free of discrimination, where immigrants’ skills are "
        "recognised"
    )
    FRENCH = "french", _("Opportunities to learn French and to use it in public")
    DIVERSITY = "diversity", _("Recognition and valuing of ethnocultural diversity")
    EXCHANGE = "exchange", _("Occasions for intercultural exchange and networking")


def fiscal_year_of(day) -> int:
    """The Quebec government fiscal year (April 1 to March 31) a date falls in, named by the
    calendar year it starts in: 2026-05-01 and 2027-03-31 are both in 2026 (« 2026-2027 »)."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_label(year: int) -> str:
    return f"{year}-{year + 1}"


# --------------------------------------------------------------------------------------------
# Programs and calls for projects (edited by central administrators)
# --------------------------------------------------------------------------------------------


class ProgramQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Program(models.Model):
    """A funding program. Programs are data an administrator edits; the real ones are loaded
    from ``fixtures/programs.json``."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    #: partners.Kind values the program funds.
    eligible_kinds = models.JSONField(_("eligible organisation kinds"), default=list)
    #: Axis values the program funds.
    axes = models.JSONField(_("intervention axes funded"), default=list)
    max_amount = models.DecimalField(_("maximum amount per plan ($)"), max_digits=12,
                                     decimal_places=2, validators=[MinValueValidator(0)])
    is_active = models.BooleanField(_("active"), default=True)

    objects = ProgramQuerySet.as_manager()

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(max_amount__gte=0),
                                   name="program_max_amount_positive"),
        ]

    def __str__(self):
        return f"{self.code.upper()} — {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_fr

    @property
    def description(self) -> str:
        return (self.description_en if (get_language() or "").startswith("en")
                else self.description_fr)

    def clean(self):
        from django.core.exceptions import ValidationError

        from partners.models import Kind

        errors = {}
        unknown = set(self.eligible_kinds or []) - set(Kind.values)
        if not self.eligible_kinds or unknown:
            errors["eligible_kinds"] = _("Choose at least one known organisation kind.")
        unknown = set(self.axes or []) - set(Axis.values)
        if not self.axes or unknown:
            errors["axes"] = _("Choose at least one known intervention axis.")
        if errors:
            raise ValidationError(errors)

    def is_eligible(self, organisation) -> bool:
        return organisation.kind in (self.eligible_kinds or [])


class CallQuerySet(models.QuerySet):
    def open(self, now=None):
        now = now or timezone.now()
        return self.filter(opens_at__lte=now, closes_at__gt=now, program__is_active=True)


class Call(models.Model):
    """A call for projects: a window during which organisations submit plans to a program."""

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.PROTECT,
                                related_name="calls")
    title = models.CharField(_("title"), max_length=200)
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), help_text=_("The year the fiscal year starts in (April 1): 2026 for "
                                      "2026-2027."))
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    budget = models.DecimalField(_("budget envelope ($)"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(0)])

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("call for projects")
        verbose_name_plural = _("calls for projects")
        ordering = ["-opens_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")),
                                   name="call_closes_after_it_opens",
                                   violation_error_message=_("A call must close after it opens.")),
            models.CheckConstraint(condition=Q(budget__gte=0), name="call_budget_positive"),
        ]

    def __str__(self):
        return f"{self.program.code.upper()} — {self.title} ({self.fiscal_year_label})"

    @property
    def fiscal_year_label(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at and self.program.is_active


class RequiredDocument(models.Model):
    """A document every plan submitted under the call must attach."""

    call = models.ForeignKey(Call, verbose_name=_("call for projects"), on_delete=models.CASCADE,
                             related_name="required_documents")
    name = models.CharField(_("document"), max_length=200)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "name"], name="required_document_unique"),
        ]

    def __str__(self):
        return self.name


# --------------------------------------------------------------------------------------------
# Action plans
# --------------------------------------------------------------------------------------------


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    RECOMMENDED = "recommended", _("Recommended")
    NOT_RECOMMENDED = "not_recommended", _("Not recommended")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: Statuses in which the ministry gives a plan to an adviser: submitted and not yet over (a
#: draft is the partner's; a withdrawn, refused or closed plan needs nobody).
ASSIGNABLE_STATUSES = frozenset({
    Status.SUBMITTED, Status.IN_REVIEW, Status.CHANGES_REQUESTED, Status.RECOMMENDED,
    Status.NOT_RECOMMENDED, Status.APPROVED, Status.IN_PROGRESS})


def private_drafts(path: str = "") -> Q:
    """The plans still private to their organisation, as a ``Q`` from a model reaching the plan
    by ``path`` (``"plan__"``): never submitted (a draft, or a draft withdrawn as such) and no
    help asked of the ministry. The scope (``ScopedQuerySet.partner_drafts``) hides them, and
    everything reached through them, from every staff role."""
    return Q(**{f"{path}status__in": [Status.DRAFT, Status.WITHDRAWN],
                f"{path}submitted_at__isnull": True,
                f"{path}help_requested_at__isnull": True})


class ActionPlanQuerySet(ScopedQuerySet):
    office_path = "organisation__office"
    organisation_path = "organisation"
    partner_drafts = private_drafts()

    def for_list(self):
        """Everything the queue and the partner's list show, in the page's one query."""
        return self.select_related(
            "organisation", "organisation__region", "organisation__office",
            "call", "call__program", "adviser",
        )

    def with_axis(self, axis):
        return self.filter(Exists(Measure.objects.filter(plan=OuterRef("pk"), axis=axis)))


class ActionPlan(models.Model):
    """An organisation's action plan under a call for projects."""

    organisation = models.ForeignKey("partners.Organisation", verbose_name=_("organisation"),
                                     on_delete=models.PROTECT, related_name="action_plans")
    call = models.ForeignKey(Call, verbose_name=_("call for projects"), on_delete=models.PROTECT,
                             related_name="plans")
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("start"), null=True, blank=True)
    ends_on = models.DateField(_("end"), null=True, blank=True)
    needs_analysis = models.TextField(
        _("summary of the needs analysis"), blank=True,
        help_text=_("Required for municipal bodies."))
    objectives = models.TextField(_("objectives"), blank=True)
    #: Characteristic values the plan addresses.
    characteristics = models.JSONField(_("welcoming-community characteristics addressed"),
                                       default=list, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    adviser = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("adviser"),
                                on_delete=models.PROTECT, null=True, blank=True,
                                related_name="assigned_plans")
    # Derived totals, recomputed by programs.services from the budget lines; never typed.
    requested_total = models.DecimalField(_("asked of the ministry ($)"), max_digits=14,
                                          decimal_places=2, default=ZERO, editable=False)
    partner_total = models.DecimalField(_("partner contribution ($)"), max_digits=14,
                                        decimal_places=2, default=ZERO, editable=False)
    other_total = models.DecimalField(_("other funders ($)"), max_digits=14, decimal_places=2,
                                      default=ZERO, editable=False)
    recommended_amount = models.DecimalField(_("amount recommended ($)"), max_digits=14,
                                             decimal_places=2, null=True, blank=True,
                                             editable=False)
    approved_amount = models.DecimalField(_("amount approved ($)"), max_digits=14,
                                          decimal_places=2, null=True, blank=True,
                                          editable=False)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, editable=False)
    #: When the partner asked the office's advisers for help on the draft: from then on the
    #: ministry sees it (``partner_drafts``).
    help_requested_at = models.DateTimeField(_("help requested"), null=True, blank=True,
                                             editable=False)
    help_requested_by = models.ForeignKey(settings.AUTH_USER_MODEL,
                                          verbose_name=_("help requested by"),
                                          on_delete=models.PROTECT, null=True, blank=True,
                                          editable=False, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ActionPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values),
                                   name="action_plan_status_known"),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="action_plan_ends_after_start",
                violation_error_message=_("The end must not be before the start."),
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | Q(status__in=[Status.APPROVED, Status.IN_PROGRESS, Status.CLOSED]),
                name="action_plan_approved_amount_only_when_approved",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-updated_at"]),
            models.Index(fields=["organisation", "-updated_at"]),
            # The queue's default order (latest submitted first, blanks last), walked in order.
            models.Index(F("submitted_at").desc(nulls_last=True), F("id").desc(),
                         name="plan_submitted_newest"),
            # Every column the ministry's scope reads (``partner_drafts``) and the status: the
            # queue's count and its counts by status are read from the index alone.
            models.Index(fields=["status", "submitted_at", "help_requested_at"],
                         name="plan_status_scope"),
        ]

    def __str__(self):
        return self.title

    @property
    def total_budget(self) -> Decimal:
        return self.requested_total + self.partner_total + self.other_total

    @property
    def help_requested(self) -> bool:
        """A draft the partner asked the ministry's help on (the queue's marker)."""
        return self.help_requested_at is not None and self.status == Status.DRAFT

    @property
    def is_assignable(self) -> bool:
        """Whether the ministry may give this plan to an adviser now."""
        return self.status in ASSIGNABLE_STATUSES

    @property
    def fiscal_years(self) -> list[int]:
        """The fiscal years the plan's period spans."""
        if not (self.starts_on and self.ends_on):
            return []
        return list(range(fiscal_year_of(self.starts_on), fiscal_year_of(self.ends_on) + 1))

    def get_characteristics_display(self) -> list[str]:
        labels = dict(Characteristic.choices)
        return [labels[c] for c in self.characteristics if c in labels]


class Measure(models.Model):
    plan = models.ForeignKey(ActionPlan, verbose_name=_("action plan"), on_delete=models.CASCADE,
                             related_name="measures")
    axis = models.CharField(_("intervention axis"), max_length=20, choices=Axis.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    target_groups = models.CharField(_("target groups"), max_length=300, blank=True)
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"))
    partners_involved = models.CharField(_("partners involved"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["plan", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(axis__in=Axis.values), name="measure_axis_known"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                   name="measure_ends_after_start",
                                   violation_error_message=_("The end must not be before the "
                                                             "start.")),
        ]
        indexes = [models.Index(fields=["axis", "plan"])]

    def __str__(self):
        return self.title


class Indicator(models.Model):
    measure = models.ForeignKey(Measure, verbose_name=_("measure"), on_delete=models.CASCADE,
                                related_name="indicators")
    #: The catalogue's indicator; empty for an « other » indicator the partner names itself
    #: (counted apart in the results).
    definition = models.ForeignKey("IndicatorDefinition", verbose_name=_("standard indicator"),
                                   on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="indicators")
    name = models.CharField(_("indicator"), max_length=200)
    unit = models.CharField(_("unit"), max_length=50)
    target_value = models.DecimalField(_("target"), max_digits=12, decimal_places=2,
                                       validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["measure", "pk"]

    def __str__(self):
        return f"{self.name} ({self.unit})"


class BudgetLine(models.Model):
    measure = models.ForeignKey(Measure, verbose_name=_("measure"), on_delete=models.CASCADE,
                                related_name="budget_lines")
    label = models.CharField(_("expense"), max_length=200)
    requested_amount = models.DecimalField(_("asked of the ministry ($)"), max_digits=12,
                                           decimal_places=2, default=ZERO,
                                           validators=[MinValueValidator(0)])
    partner_amount = models.DecimalField(_("partner contribution ($)"), max_digits=12,
                                         decimal_places=2, default=ZERO,
                                         validators=[MinValueValidator(0)])
    other_amount = models.DecimalField(_("other funders ($)"), max_digits=12, decimal_places=2,
                                       default=ZERO, validators=[MinValueValidator(0)])
    other_funders = models.CharField(_("other funders"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["measure", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__gte=0, partner_amount__gte=0, other_amount__gte=0),
                name="budget_line_amounts_positive"),
        ]

    def __str__(self):
        return self.label

    @property
    def total(self) -> Decimal:
        return self.requested_amount + self.partner_amount + self.other_amount


# --------------------------------------------------------------------------------------------
# History, comments, attachments
# --------------------------------------------------------------------------------------------


class PlanEventQuerySet(ScopedQuerySet):
    office_path = "plan__organisation__office"
    organisation_path = "plan__organisation"
    partner_drafts = private_drafts("plan__")


class PlanEventKind(models.TextChoices):
    MOVE = "move", _("Status change")
    HELP_REQUESTED = "help_requested", _("Help requested")


class PlanEvent(models.Model):
    """One row per move of a plan or of one of its reports: the plan's timeline. A row of kind
    « help requested » records the partner asking for help on its draft (no status change:
    ``from_status`` and ``to_status`` are both the plan's status then)."""

    plan = models.ForeignKey(ActionPlan, verbose_name=_("action plan"), on_delete=models.CASCADE,
                             related_name="events")
    report = models.ForeignKey("Report", verbose_name=_("report"), on_delete=models.CASCADE,
                               null=True, blank=True, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=PlanEventKind.choices,
                            default=PlanEventKind.MOVE)
    from_status = models.CharField(_("from"), max_length=20)
    to_status = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"),
                              on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("comment"), blank=True)
    amount = models.DecimalField(_("amount ($)"), max_digits=14, decimal_places=2, null=True,
                                 blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    objects = PlanEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan history entry")
        verbose_name_plural = _("plan history")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["plan", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PlanEventKind.values),
                                   name="plan_event_kind_known"),
        ]

    def __str__(self):
        return f"{self.plan_id}: {self.from_status} → {self.to_status}"

    @property
    def is_help_request(self) -> bool:
        return self.kind == PlanEventKind.HELP_REQUESTED

    @property
    def from_label(self):
        return _status_label(self.from_status, self.report_id)

    @property
    def to_label(self):
        return _status_label(self.to_status, self.report_id)


def _status_label(value, is_report):
    choices = ReportStatus if is_report else Status
    try:
        return choices(value).label
    except ValueError:
        return value


class CommentQuerySet(ScopedQuerySet):
    office_path = "plan__organisation__office"
    organisation_path = "plan__organisation"
    partner_drafts = private_drafts("plan__")

    def for_user(self, user):
        """Staff read every comment of their territory's plans; a partner never an internal
        one (the ministry's discussion among its staff)."""
        qs = super().for_user(user)
        if getattr(user, "role", None) not in STAFF_ROLES:
            qs = qs.filter(is_internal=False)
        return qs


class Comment(models.Model):
    """The thread between the partner and the ministry about a plan (both sides read it), and
    the ministry's internal comments (``is_internal``), which only its staff read."""

    plan = models.ForeignKey(ActionPlan, verbose_name=_("action plan"), on_delete=models.CASCADE,
                             related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"),
                               on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"), max_length=5000)
    is_internal = models.BooleanField(_("internal (ministry only)"), default=False)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.author} — {self.created_at:%Y-%m-%d}"


class AttachmentQuerySet(ScopedQuerySet):
    office_path = "plan__organisation__office"
    organisation_path = "plan__organisation"
    partner_drafts = private_drafts("plan__")


def attachment_path(instance, filename):
    # The stored name never uses the uploaded name: a random one in the plan's folder.
    import uuid

    return f"plans/{instance.plan_id}/{uuid.uuid4().hex}"


class Attachment(StoredDocument):
    """A document attached to a plan (or to one of its reports). Files live in private storage
    outside the web root and are served only through the scoped download view."""

    plan = models.ForeignKey(ActionPlan, verbose_name=_("action plan"), on_delete=models.CASCADE,
                             related_name="attachments")
    report = models.ForeignKey("Report", verbose_name=_("report"), on_delete=models.CASCADE,
                               null=True, blank=True, related_name="attachments")
    required_document = models.ForeignKey(RequiredDocument, verbose_name=_("document"),
                                          on_delete=models.SET_NULL, null=True, blank=True,
                                          related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200,
                            storage=private_storage)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------


class ReportKind(models.TextChoices):
    PROGRESS = "progress", _("Progress report")
    FINAL = "final", _("Final report")


class ReportStatus(models.TextChoices):
    EXPECTED = "expected", _("Expected")
    SUBMITTED = "submitted", _("Submitted")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    ACCEPTED = "accepted", _("Accepted")


#: Reports the partner still owes.
OWED_REPORT_STATUSES = (ReportStatus.EXPECTED, ReportStatus.CHANGES_REQUESTED)


class ReportQuerySet(ScopedQuerySet):
    office_path = "plan__organisation__office"
    organisation_path = "plan__organisation"
    partner_drafts = private_drafts("plan__")

    def owed(self):
        return self.filter(status__in=OWED_REPORT_STATUSES)

    def due_between(self, start, end):
        """Owed reports due from ``start`` to ``end`` inclusive (the reminders' query)."""
        return self.owed().filter(due_on__gte=start, due_on__lte=end)

    def late(self, today=None):
        today = today or timezone.localdate()
        return self.owed().filter(due_on__lt=today)

    def for_list(self):
        return self.select_related("plan", "plan__organisation", "plan__organisation__office",
                                   "plan__adviser", "plan__call__program")


class Report(models.Model):
    """A report the partner owes on an approved plan, at a date the adviser sets."""

    plan = models.ForeignKey(ActionPlan, verbose_name=_("action plan"), on_delete=models.CASCADE,
                             related_name="reports")
    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus.choices,
                              default=ReportStatus.EXPECTED)
    narrative = models.TextField(_("overall narrative"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True, editable=False)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["plan", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values),
                                   name="report_status_known"),
            models.CheckConstraint(condition=Q(kind__in=ReportKind.values),
                                   name="report_kind_known"),
            models.UniqueConstraint(fields=["plan"], condition=Q(kind="final"),
                                    name="report_one_final_per_plan",
                                    violation_error_message=_("This plan already has a final "
                                                              "report.")),
            models.UniqueConstraint(fields=["plan", "due_on", "kind"],
                                    name="report_one_per_plan_kind_and_date"),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.due_on}"

    def is_late(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status in OWED_REPORT_STATUSES and self.due_on < today


class MeasureReport(models.Model):
    """What a report says of one measure: the amount spent and a narrative."""

    report = models.ForeignKey(Report, verbose_name=_("report"), on_delete=models.CASCADE,
                               related_name="measure_reports")
    measure = models.ForeignKey(Measure, verbose_name=_("measure"), on_delete=models.CASCADE,
                                related_name="reports")
    amount_spent = models.DecimalField(_("amount spent ($)"), max_digits=12, decimal_places=2,
                                       default=ZERO, validators=[MinValueValidator(0)])
    narrative = models.TextField(_("what was done"), blank=True)

    class Meta:
        verbose_name = _("measure report")
        verbose_name_plural = _("measure reports")
        constraints = [
            models.UniqueConstraint(fields=["report", "measure"], name="measure_report_unique"),
            models.CheckConstraint(condition=Q(amount_spent__gte=0),
                                   name="measure_report_amount_positive"),
        ]

    def __str__(self):
        return f"{self.report} — {self.measure}"


class IndicatorResult(models.Model):
    """The value an indicator reached, as of a report."""

    report = models.ForeignKey(Report, verbose_name=_("report"), on_delete=models.CASCADE,
                               related_name="indicator_results")
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"),
                                  on_delete=models.CASCADE, related_name="results")
    value = models.DecimalField(_("value reached"), max_digits=12, decimal_places=2,
                                validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("indicator result")
        verbose_name_plural = _("indicator results")
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"],
                                    name="indicator_result_unique"),
        ]

    def __str__(self):
        return f"{self.indicator}: {self.value}"


# --------------------------------------------------------------------------------------------
# Deciding and funding: review grids, regional envelopes, decision letters, instalments,
# the indicator catalogue
# --------------------------------------------------------------------------------------------


class StaffOnlyQuerySet(StaffOnlyScopedQuerySet):
    """Rows about a plan that only the ministry's staff read (review grids): the plan's scope
    for staff, nothing for anyone else."""

    office_path = "plan__organisation__office"
    organisation_path = "plan__organisation"
    partner_drafts = private_drafts("plan__")


class CriterionKind(models.TextChoices):
    ELIGIBILITY = "eligibility", _("Eligibility check (yes or no)")
    SCORED = "scored", _("Scored criterion")


class ReviewCriterion(models.Model):
    """One line of a program's review grid, defined by central administrators: an eligibility
    check (met or not) or a criterion scored from 1 to ``scale_max`` with a ``weight``."""

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.CASCADE,
                                related_name="review_criteria")
    kind = models.CharField(_("kind"), max_length=12, choices=CriterionKind.choices,
                            default=CriterionKind.SCORED)
    label_fr = models.CharField(_("criterion (French)"), max_length=300)
    label_en = models.CharField(_("criterion (English)"), max_length=300)
    guidance_fr = models.TextField(_("guidance for reviewers (French)"), blank=True)
    guidance_en = models.TextField(_("guidance for reviewers (English)"), blank=True)
    scale_max = models.PositiveSmallIntegerField(
        _("highest score"), default=5, help_text=_("Scored criteria: from 1 to this score."))
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2,
                                 default=Decimal("1.00"))
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("review criterion")
        verbose_name_plural = _("review criteria")
        ordering = ["program", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CriterionKind.values),
                                   name="review_criterion_kind_known"),
            models.CheckConstraint(condition=Q(scale_max__gte=2, scale_max__lte=10),
                                   name="review_criterion_scale_2_to_10"),
            models.CheckConstraint(condition=Q(weight__gt=0),
                                   name="review_criterion_weight_positive"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return self.label_en if (get_language() or "").startswith("en") else self.label_fr

    @property
    def guidance(self) -> str:
        return self.guidance_en if (get_language() or "").startswith("en") else self.guidance_fr


class PlanReview(models.Model):
    """One reviewer's grid for one plan. The adviser's own grid, or a second opinion asked of
    another adviser or of the SIT manager (``requested_by``). Complete once ``submitted_at``."""

    plan = models.ForeignKey(ActionPlan, verbose_name=_("action plan"), on_delete=models.CASCADE,
                             related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewer"),
                                 on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("asked by"),
                                     on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    comment = models.TextField(_("overall comment"), blank=True, max_length=5000)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    submitted_at = models.DateTimeField(_("completed"), null=True, blank=True)

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")
        ordering = ["plan", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "reviewer"], name="plan_review_once"),
        ]

    def __str__(self):
        return f"{self.plan} — {self.reviewer}"


class ReviewAnswer(models.Model):
    """A reviewer's answer to one criterion: ``meets`` for an eligibility check, ``score``
    for a scored criterion."""

    review = models.ForeignKey(PlanReview, verbose_name=_("review"), on_delete=models.CASCADE,
                               related_name="answers")
    criterion = models.ForeignKey(ReviewCriterion, verbose_name=_("criterion"),
                                  on_delete=models.PROTECT, related_name="answers")
    meets = models.BooleanField(_("met"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("review answer")
        verbose_name_plural = _("review answers")
        ordering = ["review", "criterion__position", "criterion__pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="review_answer_once"),
            models.CheckConstraint(condition=Q(meets__isnull=True) | Q(score__isnull=True),
                                   name="review_answer_meets_or_score"),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__gte=1),
                                   name="review_answer_score_from_1"),
        ]

    def __str__(self):
        return f"{self.review} — {self.criterion}"


class RegionEnvelope(models.Model):
    """The part of a call's envelope set aside for one region (optional: a call without them
    has only its total ``budget``)."""

    call = models.ForeignKey(Call, verbose_name=_("call for projects"), on_delete=models.CASCADE,
                             related_name="region_envelopes")
    region = models.ForeignKey("regions.Region", verbose_name=_("region"),
                               on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("envelope ($)"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("regional envelope")
        verbose_name_plural = _("regional envelopes")
        ordering = ["call", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["call", "region"], name="region_envelope_once"),
            models.CheckConstraint(condition=Q(amount__gte=0),
                                   name="region_envelope_positive"),
        ]

    def __str__(self):
        return f"{self.call} — {self.region}: {self.amount}"


class LetterKind(models.TextChoices):
    """The decisions that produce a letter (their values are the plan statuses they follow)."""

    APPROVED = "approved", _("Approval")
    REFUSED = "refused", _("Refusal")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")


class LetterLanguage(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


class LetterTemplate(models.Model):
    """The text of a decision letter, per program, decision and language, edited by central
    administrators. ``body`` holds placeholders (``{organisation}``, ``{plan}``,
    ``{amount}``, ``{instalments}``, ``{conditions}``, ``{date}``...); a letter keeps the
    text it was made from, so a change applies to the next letters only."""

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.CASCADE,
                                related_name="letter_templates")
    kind = models.CharField(_("decision"), max_length=20, choices=LetterKind.choices)
    language = models.CharField(_("language"), max_length=2, choices=LetterLanguage.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), max_length=20000)
    signatory_name = models.CharField(_("signatory"), max_length=200)
    signatory_title = models.CharField(_("signatory's title"), max_length=200)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("decision letter template")
        verbose_name_plural = _("decision letter templates")
        ordering = ["program", "kind", "language"]
        constraints = [
            models.UniqueConstraint(fields=["program", "kind", "language"],
                                    name="letter_template_once"),
            models.CheckConstraint(condition=Q(kind__in=LetterKind.values),
                                   name="letter_template_kind_known"),
            models.CheckConstraint(condition=Q(language__in=LetterLanguage.values),
                                   name="letter_template_language_known"),
        ]

    def __str__(self):
        return f"{self.program.code.upper()} — {self.get_kind_display()} ({self.language})"


class DecisionLetterQuerySet(ScopedQuerySet):
    office_path = "plan__organisation__office"
    organisation_path = "plan__organisation"
    partner_drafts = private_drafts("plan__")


def letter_path(instance, filename):
    import uuid

    return f"letters/{instance.plan_id}/{uuid.uuid4().hex}.pdf"


class DecisionLetter(models.Model):
    """The letter a decision produced (one per decision, its history row): the text as issued
    (French, then English for an organisation that corresponds in English) and its PDF."""

    plan = models.ForeignKey(ActionPlan, verbose_name=_("action plan"), on_delete=models.CASCADE,
                             related_name="letters")
    event = models.OneToOneField(PlanEvent, verbose_name=_("decision"),
                                 on_delete=models.CASCADE, related_name="letter")
    kind = models.CharField(_("decision"), max_length=20, choices=LetterKind.choices)
    #: The languages of the letter, in order: "fr" or "fr,en".
    languages = models.CharField(_("languages"), max_length=10, default="fr")
    subject = models.CharField(_("subject"), max_length=200)
    #: The text as issued (every language, placeholders filled).
    text = models.TextField(_("text"))
    file = models.FileField(_("file"), upload_to=letter_path, max_length=200,
                            storage=private_storage)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("issued"), default=timezone.now)

    objects = DecisionLetterQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision letter")
        verbose_name_plural = _("decision letters")
        ordering = ["plan", "created_at", "pk"]

    def __str__(self):
        return f"{self.plan} — {self.subject}"


class InstalmentCondition(models.TextChoices):
    SIGNATURE = "signature", _("At the signature of the agreement")
    REPORT = "report", _("When a report is accepted")
    DATE = "date", _("On a date")


class InstalmentStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DUE = "due", _("Due")
    AUTHORISED = "authorised", _("Authorised")
    PAID = "paid", _("Paid")


class InstalmentQuerySet(ScopedQuerySet):
    office_path = "plan__organisation__office"
    organisation_path = "plan__organisation"
    partner_drafts = private_drafts("plan__")


class Instalment(models.Model):
    """One payment of an approved plan's schedule. It becomes due when its condition is met
    (the agreement signed, a report accepted, a date reached), staff authorise it, finance
    pays it. The instalments of a plan add up to its approved amount (a rule of the service
    that sets the schedule, and a deferred database trigger on PostgreSQL)."""

    plan = models.ForeignKey(ActionPlan, verbose_name=_("action plan"), on_delete=models.CASCADE,
                             related_name="instalments")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    amount = models.DecimalField(_("amount ($)"), max_digits=14, decimal_places=2)
    condition = models.CharField(_("condition"), max_length=12,
                                 choices=InstalmentCondition.choices)
    report = models.ForeignKey(Report, verbose_name=_("report"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="instalments")
    due_on = models.DateField(_("date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=InstalmentStatus.choices,
                              default=InstalmentStatus.PLANNED, db_index=True)
    due_at = models.DateTimeField(_("due since"), null=True, blank=True)
    authorised_at = models.DateTimeField(_("authorised"), null=True, blank=True)
    authorised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("authorised by"),
                                      on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("payment recorded by"),
                                on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)

    objects = InstalmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["plan", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=InstalmentStatus.values),
                                   name="instalment_status_known"),
            models.CheckConstraint(
                condition=(Q(condition="signature", report__isnull=True, due_on__isnull=True)
                           | Q(condition="report", report__isnull=False, due_on__isnull=True)
                           | Q(condition="date", report__isnull=True, due_on__isnull=False)),
                name="instalment_condition_complete"),
            models.CheckConstraint(
                condition=(Q(status="planned", due_at__isnull=True, authorised_at__isnull=True,
                             paid_at__isnull=True)
                           | Q(status="due", due_at__isnull=False, authorised_at__isnull=True,
                               paid_at__isnull=True)
                           | Q(status="authorised", due_at__isnull=False,
                               authorised_at__isnull=False, authorised_by__isnull=False,
                               paid_at__isnull=True)
                           | Q(status="paid", due_at__isnull=False, authorised_at__isnull=False,
                               authorised_by__isnull=False, paid_at__isnull=False,
                               paid_by__isnull=False)),
                name="instalment_status_stamped"),
        ]

    def __str__(self):
        return f"{self.plan} — {self.amount}"


class IndicatorDefinition(models.Model):
    """A standard indicator of the ministry's catalogue (participants reached, newcomers
    welcomed...): measures choose their indicators here so that results add up across plans.
    An indicator outside the catalogue (« other ») stays possible and is counted apart."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    unit_fr = models.CharField(_("unit (French)"), max_length=50)
    unit_en = models.CharField(_("unit (English)"), max_length=50)
    definition_fr = models.TextField(_("definition (French)"))
    definition_en = models.TextField(_("definition (English)"))
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("standard indicator")
        verbose_name_plural = _("standard indicators")
        ordering = ["position", "code"]

    def __str__(self):
        return f"{self.name} ({self.unit})"

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_fr

    @property
    def unit(self) -> str:
        return self.unit_en if (get_language() or "").startswith("en") else self.unit_fr

    @property
    def definition(self) -> str:
        return (self.definition_en if (get_language() or "").startswith("en")
                else self.definition_fr)
