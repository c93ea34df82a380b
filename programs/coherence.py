"""The coherence map: which intervention axes the action plans' measures cover, region by region.

The matrix crosses the regions the user sees (rows, in code order) with the seven intervention
axes (columns). Each cell counts the measures of the scoped, non-draft plans whose organisation
lies in the region and whose axis is the column's, and gives two amounts:

- **asked**: the sum of the amounts the cell's measures ask of the ministry (their budget lines'
  ``requested_amount``), whatever the plan's status;
- **approved (prorated)**: a plan is approved as a whole (``ActionPlan.approved_amount``), not
  measure by measure, so each measure of an approved, in-progress or closed plan receives the
  plan's approved amount in proportion to its share of what the plan asks
  (measure asked / plan asked x plan approved). Other plans add nothing. The row and column
  totals of this figure therefore add up to the plans' approved amounts (to the cent's rounding).

Gaps and crowded cells:

- a **gap** is a cell without any measure;
- a cell is **crowded** when it holds at least twice the mean number of measures of the matrix's
  non-empty cells (``CROWDED_FACTOR``). A matrix where every covered cell holds about as many
  measures has no crowded cell; one with a single covered cell neither.

Everything is computed in two queries whatever the number of measures: one for the regions, one
``GROUP BY region, axis`` aggregate.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

import django_filters
from django import forms
from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from antennes.models import OfficeTerritory
from portal.scoping import visible_offices
from regions.models import Region

from .filters import _ProgramChoiceFilter, fiscal_year_choices
from .models import ActionPlan, Axis, BudgetLine, Measure, Status

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=16, decimal_places=2)

#: The statuses the map counts when none is chosen: submitted or later, neither a partner's
#: draft nor a withdrawn plan.
DEFAULT_STATUSES = [s for s in Status.values if s not in (Status.DRAFT, Status.WITHDRAWN)]
#: The statuses the ministry may choose (a draft is the partner's until it is submitted).
STATUS_CHOICES = [(value, label) for value, label in Status.choices if value != Status.DRAFT]
#: Plans whose approved amount is shared among their measures.
FUNDED_STATUSES = (Status.APPROVED, Status.IN_PROGRESS, Status.CLOSED)
#: A cell is crowded from this many times the mean count of the non-empty cells.
CROWDED_FACTOR = 2

#: The filters a cell's link carries to the list of measures.
FILTER_KEYS = ("program", "fiscal_year", "status")


def visible_regions(user):
    """The regions of the user's territory, in code order: every region for a central
    administrator; for an adviser or a SIT manager, the regions of their offices and of those
    offices' territories, and any other region where an organisation they serve lies (so no
    measure of the scope is ever left out of the map)."""
    if getattr(user, "role", None) == Role.ADMIN:
        return Region.objects.order_by("code")
    offices = visible_offices(user).values("pk")
    return Region.objects.filter(
        Q(offices__in=offices)
        | Q(pk__in=OfficeTerritory.objects.filter(office__in=offices).values("region"))
        | Q(pk__in=scoped_measures(user).values("plan__organisation__region"))
    ).distinct().order_by("code")


def scoped_measures(user):
    """The measures of the plans the user sees, without the partners' drafts."""
    plans = ActionPlan.objects.for_user(user).exclude(status=Status.DRAFT)
    return Measure.objects.filter(plan__in=plans.values("pk"))


def with_defaults(data):
    """The GET data with the default statuses when none is chosen (so the form shows them
    checked and every link carries them)."""
    data = data.copy()
    if not data.getlist("status"):
        data.setlist("status", DEFAULT_STATUSES)
    return data


class CoherenceFilter(django_filters.FilterSet):
    """The map's filters: program, fiscal year and plan statuses."""

    program = _ProgramChoiceFilter(label=_("Program"), field_name="plan__call__program",
                                   empty_label=_("All programs"))
    fiscal_year = django_filters.ChoiceFilter(
        label=_("Fiscal year"), field_name="plan__call__fiscal_year",
        choices=fiscal_year_choices, empty_label=_("All fiscal years"))
    status = django_filters.MultipleChoiceFilter(
        label=_("Plan status"), field_name="plan__status", choices=STATUS_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("By default: every plan submitted, except withdrawn ones."))

    class Meta:
        model = Measure
        fields = ["program", "fiscal_year", "status"]

    def link_query(self) -> dict:
        """The valid filters, as query parameters for the links to the list of measures."""
        data = self.form.cleaned_data
        query = {}
        if data.get("program"):
            query["program"] = data["program"].code
        if data.get("fiscal_year"):
            query["fiscal_year"] = data["fiscal_year"]
        query["status"] = list(data.get("status") or DEFAULT_STATUSES)
        return query


class MeasureFilter(CoherenceFilter):
    """The list of measures: the map's filters, plus the cell (region and axis) and a sort."""

    region = django_filters.ModelChoiceFilter(
        label=_("Region"), field_name="plan__organisation__region", to_field_name="code",
        queryset=Region.objects.all(), empty_label=_("All regions"))
    axis = django_filters.ChoiceFilter(label=_("Intervention axis"), choices=Axis.choices,
                                       empty_label=_("All axes"))
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        empty_label=_("Plan, then the measures' order (default)"),
        fields=(
            ("plan__title", "plan"),
            ("plan__organisation__search_text", "organisation"),
            ("axis", "axis"),
            ("starts_on", "start"),
        ),
        field_labels={
            "plan__title": _("Action plan"),
            "plan__organisation__search_text": _("Organisation"),
            "axis": _("Intervention axis"),
            "starts_on": _("Start"),
        },
    )

    class Meta:
        model = Measure
        fields = ["region", "axis", "program", "fiscal_year", "status"]

    DEFAULT_ORDERING = "plan"
    ORDER_BY = {"plan": ("plan__title", "plan_id", "position")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["region"].queryset = visible_regions(getattr(self.request, "user", None))

    @property
    def qs(self):
        # A stable order under every sort, so pages never repeat or skip a row.
        queryset = super().qs
        ordering = list(queryset.query.order_by) or list(self.ORDER_BY["plan"])
        return queryset.order_by(*ordering, "pk")


def measure_asked():
    """What one measure asks of the ministry: the sum of its budget lines (a subquery, so the
    list stays one row per measure)."""
    lines = (BudgetLine.objects.filter(measure=OuterRef("pk")).order_by().values("measure")
             .annotate(total=Sum("requested_amount")).values("total"))
    return Coalesce(Subquery(lines, output_field=MONEY), Value(ZERO), output_field=MONEY)


def for_list(measures):
    """Everything the list of measures shows, in the page's one query."""
    return (measures.select_related("plan", "plan__organisation", "plan__organisation__region",
                                    "plan__call", "plan__call__program")
            .annotate(asked=measure_asked()))


def _cell_aggregates():
    line = F("budget_lines__requested_amount")
    prorated = Case(
        When(plan__status__in=FUNDED_STATUSES, plan__approved_amount__isnull=False,
             plan__requested_total__gt=0,
             then=line * F("plan__approved_amount") / F("plan__requested_total")),
        default=None, output_field=DecimalField(max_digits=30, decimal_places=10))
    return {
        "n": Count("pk", distinct=True),
        "asked": Coalesce(Sum(line), Value(ZERO), output_field=MONEY),
        "approved": Sum(prorated),
    }


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Cell:
    region: str
    axis: str
    n: int = 0
    asked: Decimal = ZERO
    approved: Decimal = ZERO
    crowded: bool = False
    url: str = ""
    axis_label: str = ""

    @property
    def gap(self) -> bool:
        return self.n == 0


@dataclass
class Row:
    region: Region
    cells: list[Cell] = field(default_factory=list)
    url: str = ""

    @property
    def n(self) -> int:
        return sum(cell.n for cell in self.cells)

    @property
    def asked(self) -> Decimal:
        return sum((cell.asked for cell in self.cells), ZERO)

    @property
    def approved(self) -> Decimal:
        return sum((cell.approved for cell in self.cells), ZERO)

    @property
    def gaps(self) -> int:
        return sum(1 for cell in self.cells if cell.gap)


@dataclass
class Matrix:
    axes: list[tuple[str, str]]
    rows: list[Row]
    columns: list[Cell]
    total: Cell
    mean: Decimal
    threshold: Decimal

    @property
    def gaps(self) -> int:
        return sum(row.gaps for row in self.rows)

    @property
    def crowded(self) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell.crowded)

    def cell(self, region_code, axis) -> Cell:
        for row in self.rows:
            if row.region.code == region_code:
                return next(cell for cell in row.cells if cell.axis == axis)
        raise KeyError(region_code)


def build_matrix(user, measures, *, list_url="", query=None) -> Matrix:
    """The region x axis matrix of ``measures`` (already scoped and filtered), with a link from
    each cell and total to the list of its measures (``list_url`` + the filters in ``query``)."""
    data = {(row["plan__organisation__region__code"], row["axis"]): row
            for row in measures.order_by().values("plan__organisation__region__code", "axis")
            .annotate(**_cell_aggregates())}
    regions = list(visible_regions(user))

    query = dict(query or {})

    def link(**params):
        return f"{list_url}?{urlencode({**params, **query}, doseq=True)}" if list_url else ""

    axes = list(Axis.choices)
    rows = []
    for region in regions:
        row = Row(region=region)
        for axis, label in axes:
            found = data.get((region.code, axis))
            cell = Cell(region=region.code, axis=axis, axis_label=label)
            if found:
                cell.n, cell.asked = found["n"], _money(found["asked"])
                cell.approved = _money(found["approved"])
                cell.url = link(region=region.code, axis=axis)
            row.cells.append(cell)
        rows.append(row)

    counts = [cell.n for row in rows for cell in row.cells if cell.n]
    mean = (Decimal(sum(counts)) / len(counts)) if counts else Decimal(0)
    threshold = mean * CROWDED_FACTOR
    for row in rows:
        for cell in row.cells:
            cell.crowded = bool(cell.n) and cell.n >= threshold

    columns = []
    for index, (axis, label) in enumerate(axes):
        column = Cell(region="", axis=axis, axis_label=label,
                      n=sum(row.cells[index].n for row in rows),
                      asked=sum((row.cells[index].asked for row in rows), ZERO),
                      approved=sum((row.cells[index].approved for row in rows), ZERO))
        column.url = link(axis=axis) if column.n else ""
        columns.append(column)
    total = Cell(region="", axis="", n=sum(c.n for c in columns),
                 asked=sum((c.asked for c in columns), ZERO),
                 approved=sum((c.approved for c in columns), ZERO))
    total.url = link() if total.n else ""
    for row in rows:
        row.url = link(region=row.region.code) if row.n else ""
    return Matrix(axes=axes, rows=rows, columns=columns, total=total,
                  mean=mean.quantize(Decimal("0.1")), threshold=threshold.quantize(Decimal("0.1")))
