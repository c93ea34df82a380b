"""The per-region follow-up of regional opportunities and regionalisation activities: what the
ministry's staff read on the follow-up page, on the regional dashboard and in the export.

One row per administrative region outside Montréal (the 16 regions, by code; or the regions of
one SIT), and a total row. The period is a fiscal year (April 1 to March 31, named by the year
it starts in: « 2026-2027 ») or all time.

Opportunities (the region of an opportunity is the region of its municipality,
``Opportunity.region``). Only validated opportunities count: published, filled or expired
(``VALIDATED_STATUSES``). Drafts, opportunities awaiting validation and withdrawn ones are never
counted, so the figures reveal nothing unpublished (an opportunity withdrawn after publication
is not counted either: its positions were taken back).

- *validated*: opportunities published (validated by an adviser) in the period;
- *open today*: on the board today (published, not past their expiry date), whatever the
  period: a snapshot of today;
- *filled*: of those validated in the period, the ones now marked filled;
- *positions*: the positions of the opportunities validated in the period;
- *candidates*, *interviews*, *hires*: the referral counts every organisation recorded on the
  opportunities validated in the period (whenever they were recorded);
- *hire rate*: hires / positions.

Activities (``Activity`` and its promoted regions, ``ActivityRegion``): the activities whose
first day is in the period.

- *activities*, *participants*: the activities promoting the region and their participants. An
  activity promoting several regions counts, with all its participants, in each of them; the
  total row counts it once;
- *settled after 6 / 12 months*: the participants living in the region 6 and 12 months after
  the activity, as the organisations recorded them (nothing until they are recorded);
- *settlement rate*: settled after 12 months / participants of the activities whose 12-month
  outcome is recorded (an activity still waiting for it does not lower the rate).

Every figure is a count of the portal's own records, so a region without any shows 0; a rate
whose denominator is 0 is ``None`` (shown « — »). Rates are percentages rounded half up to one
decimal, like the cohort dashboard's.

Scope: every staff member (adviser, SIT manager, central administrator) sees every region, as
on the cohort dashboard: the figures are aggregate counts of validated opportunities and of
activities, with no immigrant's identity and nothing unpublished. Partners do not see them.

``regional_followup()`` reads everything in four queries whatever the number of
opportunities, referrals and activities (the regions; the opportunities grouped by region, with
the referral sums as correlated subqueries; the activities grouped by promoted region; the
activities counted once for the total row) and hands plain rows to ``build_followup()``.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programs.models import fiscal_year_label, fiscal_year_of
from regions.dashboard import percent
from regions.models import Region

from .models import (
    MONTREAL_REGION_CODE,
    VALIDATED_STATUSES,
    Activity,
    ActivityRegion,
    Opportunity,
    OpportunityStatus,
)

#: The period key of « all time ».
ALL_TIME = "all"
#: How many fiscal years the period filter offers (the current one and those before it).
FISCAL_YEARS_OFFERED = 6

OPPORTUNITY_FIGURES = ("opportunities", "open_now", "filled", "positions", "candidates",
                       "interviews", "hires")
ACTIVITY_FIGURES = ("activities", "participants", "settled_6", "settled_12",
                    "followed_participants_12")

#: The funnel's steps, in order: (figure, label).
FUNNEL_STEPS = (
    ("positions", gettext_lazy("Positions offered")),
    ("candidates", gettext_lazy("Candidates presented")),
    ("interviews", gettext_lazy("Interviews")),
    ("hires", gettext_lazy("Hires")),
)


# --- The period -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A fiscal year (``year``: the calendar year of its April 1) or all time (``None``)."""

    year: int | None = None

    @classmethod
    def from_key(cls, key: str) -> "Period":
        return cls(None if key == ALL_TIME else int(key))

    @property
    def key(self) -> str:
        return ALL_TIME if self.year is None else str(self.year)

    @property
    def label(self) -> str:
        if self.year is None:
            return _("All time")
        return _("Fiscal year %(year)s") % {"year": fiscal_year_label(self.year)}

    @property
    def first_day(self) -> date | None:
        return None if self.year is None else date(self.year, 4, 1)

    @property
    def last_day(self) -> date | None:
        return None if self.year is None else date(self.year + 1, 3, 31)

    def published(self, prefix: str = "") -> Q:
        """Published in the period: from April 1 at midnight, Montréal time, to March 31 at
        the end of the day."""
        if self.year is None:
            return Q(**{f"{prefix}published_at__isnull": False})
        tz = timezone.get_default_timezone()
        start = timezone.make_aware(datetime.combine(self.first_day, time.min), tz)
        end = timezone.make_aware(datetime.combine(self.last_day + timedelta(days=1),
                                                   time.min), tz)
        return Q(**{f"{prefix}published_at__gte": start, f"{prefix}published_at__lt": end})

    def started(self, prefix: str = "") -> Q:
        """The activity's first day is in the period."""
        if self.year is None:
            return Q()
        return Q(**{f"{prefix}starts_on__range": (self.first_day, self.last_day)})


def current_period(today: date | None = None) -> Period:
    return Period(fiscal_year_of(today or timezone.localdate()))


def period_choices(today: date | None = None) -> list[tuple[str, str]]:
    """The current fiscal year and the ones before it, most recent first, then all time."""
    current = fiscal_year_of(today or timezone.localdate())
    years = [Period(current - n) for n in range(FISCAL_YEARS_OFFERED)]
    return [(period.key, fiscal_year_label(period.year)) for period in years] + [
        (ALL_TIME, _("All time"))]


# --- The figures ------------------------------------------------------------------------------


@dataclass
class FunnelStep:
    key: str
    label: str
    value: int
    #: Width of the bar, in % of the largest step ("42.5", unlocalised, for the CSS).
    width: str = "0"
    #: This step in % of the one before it (``None`` for the first step).
    of_previous: Decimal | None = None


@dataclass
class Funnel:
    name: str
    steps: list[FunnelStep]

    @property
    def is_empty(self) -> bool:
        return not any(step.value for step in self.steps)


@dataclass
class RegionFollowup:
    """One region's figures (or the total's, ``code`` empty)."""

    code: str
    name: str
    opportunities: int = 0
    open_now: int = 0
    filled: int = 0
    positions: int = 0
    candidates: int = 0
    interviews: int = 0
    hires: int = 0
    activities: int = 0
    participants: int = 0
    settled_6: int = 0
    settled_12: int = 0
    #: Participants of the activities whose 12-month outcome is recorded (the rate's base).
    followed_participants_12: int = 0

    @property
    def hire_rate(self) -> Decimal | None:
        return percent(self.hires, self.positions)

    @property
    def settlement_rate(self) -> Decimal | None:
        return percent(self.settled_12, self.followed_participants_12)

    @property
    def funnel(self) -> Funnel:
        values = [getattr(self, key) for key, _label in FUNNEL_STEPS]
        biggest = max(values)
        steps, previous = [], None
        for (key, label), value in zip(FUNNEL_STEPS, values, strict=True):
            width = percent(value, biggest)
            steps.append(FunnelStep(
                key=key, label=str(label), value=value,
                width=f"{width}" if width is not None else "0",
                of_previous=None if previous is None else percent(value, previous)))
            previous = value
        return Funnel(name=self.name, steps=steps)


@dataclass
class Followup:
    period: Period
    rows: list[RegionFollowup]
    total: RegionFollowup
    #: The SIT whose regions are shown (``None``: every region outside Montréal).
    sit: object = None
    today: date = field(default_factory=timezone.localdate)

    def row(self, code: str | None) -> RegionFollowup:
        """The region's row, or the total when ``code`` is empty or not shown."""
        return next((row for row in self.rows if code and row.code == code), self.total)


def build_followup(regions, opportunity_rows, activity_rows, activity_total, period: Period,
                   sit=None, today: date | None = None) -> Followup:
    """The follow-up from plain rows.

    ``regions``: [{"pk", "code", "name"}] in the order to show; ``opportunity_rows``:
    [{"region_id", *OPPORTUNITY_FIGURES}]; ``activity_rows``: [{"region_id",
    *ACTIVITY_FIGURES}] (``activities`` and ``participants`` counted per promoted region);
    ``activity_total``: {"activities", "participants", "followed_participants_12"} with each
    activity counted once. A missing figure (no row, or a sum of nothing) is 0."""
    opportunities = {row["region_id"]: row for row in opportunity_rows}
    activities = {row["region_id"]: row for row in activity_rows}
    rows = []
    for region in regions:
        figures = {}
        for name in OPPORTUNITY_FIGURES:
            figures[name] = (opportunities.get(region["pk"]) or {}).get(name) or 0
        for name in ACTIVITY_FIGURES:
            figures[name] = (activities.get(region["pk"]) or {}).get(name) or 0
        rows.append(RegionFollowup(code=region["code"], name=region["name"], **figures))
    totals = {name: sum(getattr(row, name) for row in rows)
              for name in (*OPPORTUNITY_FIGURES, "settled_6", "settled_12")}
    for name in ("activities", "participants", "followed_participants_12"):
        totals[name] = (activity_total or {}).get(name) or 0
    if sit is None:
        total_name = _("All regions outside Montréal")
    else:
        total_name = _("All regions of the SIT %(sit)s") % {"sit": sit}
    return Followup(period=period, rows=rows, sit=sit,
                    total=RegionFollowup(code="", name=total_name, **totals),
                    today=today or timezone.localdate())


# --- Reads ------------------------------------------------------------------------------------


def _sum_referrals(name: str, in_period: Q):
    """The per-opportunity referral total (``with_referral_totals``) summed over the group."""
    return Sum(f"total_{name}", filter=in_period)


def regional_followup(*, period: Period, sit=None, today: date | None = None) -> Followup:
    """The follow-up of ``period`` for every region outside Montréal (or those of ``sit``),
    in four queries whatever the number of opportunities, referrals and activities."""
    today = today or timezone.localdate()
    regions = Region.objects.exclude(code=MONTREAL_REGION_CODE)
    if sit is not None:
        regions = regions.filter(sit=sit)
    regions = list(regions.order_by("code").values("pk", "code", "name"))
    region_ids = [region["pk"] for region in regions]

    in_period = period.published()
    opportunity_rows = (
        Opportunity.objects.filter(region_id__in=region_ids, status__in=VALIDATED_STATUSES)
        .with_referral_totals().order_by().values("region_id").annotate(
            opportunities=Count("pk", filter=in_period),
            open_now=Count("pk", filter=Q(status=OpportunityStatus.PUBLISHED,
                                          expires_on__gte=today)),
            filled=Count("pk", filter=in_period & Q(status=OpportunityStatus.FILLED)),
            positions=Sum("positions", filter=in_period),
            candidates=_sum_referrals("candidates", in_period),
            interviews=_sum_referrals("interviews", in_period),
            hires=_sum_referrals("hires", in_period),
        ))

    recorded_12 = Q(settled_12_months__isnull=False)
    activity_rows = (
        ActivityRegion.objects.filter(period.started("activity__"), region_id__in=region_ids)
        .order_by().values("region_id").annotate(
            activities=Count("pk"),
            participants=Sum("activity__participants"),
            settled_6=Sum("settled_6_months"),
            settled_12=Sum("settled_12_months"),
            followed_participants_12=Sum("activity__participants", filter=recorded_12),
        ))

    promoted = ActivityRegion.objects.filter(activity=OuterRef("pk"), region_id__in=region_ids)
    counted_once = (
        Activity.objects.filter(period.started()).filter(Exists(promoted)).aggregate(
            n_activities=Count("pk"),
            n_participants=Sum("participants"),
            n_followed=Sum("participants", filter=Exists(promoted.filter(recorded_12))),
        ))
    activity_total = {"activities": counted_once["n_activities"],
                      "participants": counted_once["n_participants"],
                      "followed_participants_12": counted_once["n_followed"]}
    return build_followup(regions, list(opportunity_rows), list(activity_rows),
                          activity_total, period, sit=sit, today=today)
