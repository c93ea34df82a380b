"""Indicators that add up: the ministry's catalogue of standard indicators (loaded from
``fixtures/indicators.json``, then edited by central administrators in the Django admin) and the
results page's figures, the targets and results of every funded plan added by catalogue
indicator.

What the figures count (said on the page too):

- **plans**: the plans of the user's scope that were funded, i.e. « approved », « in progress »
  or « closed » (``COUNTED_STATUSES``). A plan still under review or refused has no result to
  add up, and its targets are not commitments yet.
- **target**: the sum of the target values of the measures' indicators chosen from the
  catalogue (one catalogue indicator, one unit: the figures add up).
- **result**: for each indicator, the value reached in the **latest accepted report** of its
  plan that gives one (reports give the value reached as of their date, so the latest
  supersedes the earlier ones; a report not yet accepted does not count). An indicator without
  an accepted value adds nothing to the result and is not « reported ».
- an indicator outside the catalogue (« other », named by the partner with its own unit) is
  never added to anything: the page counts how many there are, apart.

Every figure comes from SQL aggregates: the page runs the same number of queries for 3 plans
or 5,000 (``indicator_results``: four queries)."""

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import django_filters
from django.db import connection, transaction
from django.db.models import Count, DecimalField, F, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from antennes.models import OfficeTerritory
from portal.scoping import visible_offices
from regions.models import Region

from .filters import _ProgramChoiceFilter, fiscal_year_choices
from .models import (
    ActionPlan,
    Axis,
    Indicator,
    IndicatorDefinition,
    IndicatorResult,
    ReportStatus,
    Status,
)

#: The plans whose indicators the results page adds: the funded ones.
COUNTED_STATUSES = (Status.APPROVED, Status.IN_PROGRESS, Status.CLOSED)

ZERO = Decimal("0.00")

# --------------------------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------------------------

DEFAULT_INDICATORS_FILE = (Path(__file__).resolve().parent.parent / "fixtures"
                           / "indicators.json")


def indicator_definitions_load(*, path: Path = DEFAULT_INDICATORS_FILE) -> int:
    """Create the standard indicators that do not exist yet (by code) and return how many.
    Existing ones are left as administrators edited them (renamed, reordered, deactivated)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    existing = set(IndicatorDefinition.objects.values_list("code", flat=True))
    created = 0
    with transaction.atomic():
        for row in data["indicators"]:
            if row["code"] in existing:
                continue
            definition = IndicatorDefinition(**row)
            definition.full_clean()
            definition.save()
            created += 1
    return created


# --------------------------------------------------------------------------------------------
# The results page
# --------------------------------------------------------------------------------------------


def counted_indicators(user):
    """The indicators of the funded plans in ``user``'s scope (the page's starting rows)."""
    plans = ActionPlan.objects.for_user(user).filter(status__in=COUNTED_STATUSES)
    return Indicator.objects.filter(measure__plan__in=plans.values("pk"))


def _territory_regions(user):
    """The regions of the offices ``user`` sees (every region for a central administrator)."""
    offices = visible_offices(user).values("pk")
    return Region.objects.filter(
        Q(offices__in=offices)
        | Q(pk__in=OfficeTerritory.objects.filter(office__in=offices).values("region"))
    ).distinct().order_by("code")


class ResultsFilter(django_filters.FilterSet):
    """The results page's filters, on indicators: the plan's program, its call's fiscal year,
    its organisation's region, and the axis of the indicator's own measure (a plan's measures
    may have different axes: only those of the axis count)."""

    program = _ProgramChoiceFilter(label=_("Program"), field_name="measure__plan__call__program",
                                   empty_label=_("All programs"))
    fiscal_year = django_filters.ChoiceFilter(
        label=_("Fiscal year"), field_name="measure__plan__call__fiscal_year",
        choices=fiscal_year_choices, empty_label=_("All fiscal years"),
        help_text=_("The fiscal year of the plan’s call for projects."))
    region = django_filters.ModelChoiceFilter(
        label=_("Region"), field_name="measure__plan__organisation__region",
        queryset=Region.objects.all(), to_field_name="code", empty_label=_("All regions"))
    axis = django_filters.ChoiceFilter(label=_("Intervention axis"), field_name="measure__axis",
                                       choices=Axis.choices, empty_label=_("All axes"))

    class Meta:
        model = Indicator
        fields = ["program", "fiscal_year", "region", "axis"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["region"].queryset = _territory_regions(getattr(self.request, "user", None))


@dataclass
class IndicatorTotal:
    """One catalogue indicator's figures across the plans counted."""

    definition: IndicatorDefinition
    plans: int = 0
    indicators: int = 0
    reported: int = 0
    target: Decimal = ZERO
    result: Decimal = ZERO

    @property
    def percent(self) -> Decimal | None:
        """The result as a percentage of the target (none when there is no target)."""
        if not self.target:
            return None
        return (self.result * 100 / self.target).quantize(Decimal("1"))


@dataclass
class OtherTotal:
    """The « other » indicators, named by partners outside the catalogue: counted, not added."""

    indicators: int = 0
    plans: int = 0
    reported: int = 0


@dataclass
class Results:
    rows: list[IndicatorTotal]
    others: OtherTotal
    plans: int


def _latest_accepted_values(indicators):
    """The result rows that count, one per indicator at most: the value of the latest
    accepted report of the indicator's plan that gives one (PostgreSQL's DISTINCT ON, one
    pass over the accepted values, instead of a subquery per indicator; SQLite, the local
    mode's database, has no DISTINCT ON: the first row of each indicator by a window)."""
    values = IndicatorResult.objects.filter(indicator__in=indicators.values("pk"),
                                            report__status=ReportStatus.ACCEPTED)
    latest = ["-report__due_on", "-report__accepted_at", "-report_id"]
    if connection.features.can_distinct_on_fields:
        return values.order_by("indicator_id", *latest).distinct("indicator_id")
    return values.annotate(rank=Window(
        RowNumber(), partition_by=F("indicator_id"),
        order_by=[F(name.lstrip("-")).desc() for name in latest])).filter(rank=1)


def _total(field):
    return Sum(field, output_field=DecimalField(max_digits=16, decimal_places=2))


def indicator_results(indicators) -> Results:
    """The targets and results of ``indicators`` (from ``counted_indicators``, filtered) added
    by catalogue indicator, every active catalogue indicator listed (with zeros when no measure
    chose it), and the « other » indicators counted apart (their group is ``None``). Four
    queries, whatever the number of plans."""
    indicators = indicators.order_by()
    targets = {row["definition"]: row for row in indicators.values("definition").annotate(
        plans=Count("measure__plan", distinct=True),
        indicators=Count("pk"),
        target=_total("target_value"),
    ).order_by()}
    reached = {row["indicator__definition"]: row for row in IndicatorResult.objects.filter(
        pk__in=_latest_accepted_values(indicators).values("pk"),
    ).values("indicator__definition").annotate(
        reported=Count("pk"),
        result=_total("value"),
    ).order_by()}
    plans = indicators.aggregate(plans=Count("measure__plan", distinct=True))["plans"]
    used = [pk for pk in targets if pk is not None]
    definitions = IndicatorDefinition.objects.filter(
        Q(is_active=True) | Q(pk__in=used)).order_by("position", "code")
    rows = []
    for definition in definitions:
        target, result = targets.get(definition.pk, {}), reached.get(definition.pk, {})
        rows.append(IndicatorTotal(
            definition=definition, plans=target.get("plans", 0),
            indicators=target.get("indicators", 0), reported=result.get("reported", 0),
            target=target.get("target") or ZERO, result=result.get("result") or ZERO))
    others, other_results = targets.get(None, {}), reached.get(None, {})
    return Results(rows=rows, plans=plans, others=OtherTotal(
        indicators=others.get("indicators", 0), plans=others.get("plans", 0),
        reported=other_results.get("reported", 0)))
