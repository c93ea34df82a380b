"""The regional dashboard's figures: two admission cohorts side by side, region by region.

``cohort_dashboard()`` reads everything in two queries (the 17 regions, then the statistics of
both cohorts for one category) and hands them to ``build_dashboard()``, a pure function the
tests check against hand-computed values.

Percentages are computed exactly (fractions) and rounded once, to one decimal, half up; a
percentage whose denominator is 0 (or whose figures are missing) is ``None``, shown as "—".
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Q
from django.utils.translation import gettext as _

from .models import CohortStatistic, ImmigrationCategory, Region

#: The Montréal administrative region, whose pull the dashboard measures.
MONTREAL_CODE = "06"
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True, order=True)
class Cohort:
    """An admission cohort (first and last admission years) and the year presence was
    measured."""

    start: int
    end: int
    reference_year: int

    @property
    def key(self) -> str:
        """The form value: "1996-2005-2006"."""
        return f"{self.start}-{self.end}-{self.reference_year}"

    @classmethod
    def from_key(cls, key: str) -> "Cohort":
        start, end, year = (int(part) for part in key.split("-"))
        return cls(start, end, year)

    @property
    def span(self) -> str:
        return f"{self.start}-{self.end}"

    @property
    def label(self) -> str:
        return _("%(start)s-%(end)s (present in %(year)s)") % {
            "start": self.start, "end": self.end, "year": self.reference_year}

    def __str__(self):
        return self.label


def percent(numerator, denominator) -> Decimal | None:
    """``numerator / denominator`` as a percentage rounded half up to one decimal; ``None``
    when the denominator is 0 or a figure is missing."""
    if numerator is None or not denominator:
        return None
    exact = Fraction(numerator) * 100 / Fraction(denominator)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _points(exact) -> Decimal | None:
    if exact is None:
        return None
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _ratio(numerator, denominator) -> Fraction | None:
    if numerator is None or not denominator:
        return None
    return Fraction(numerator) * 100 / Fraction(denominator)


@dataclass
class Figures:
    """One cohort's counts for a region (or Quebec) and what follows from them."""

    admitted: int | None = None
    present: int | None = None
    is_demo: bool = False
    #: The region's share of Quebec's total present, in %.
    share: Decimal | None = None

    @property
    def rate(self) -> Decimal | None:
        """Presence (retention) rate: present / admitted, in %."""
        return percent(self.present, self.admitted)

    @property
    def has_data(self) -> bool:
        return self.present is not None


@dataclass
class RegionRow:
    code: str
    name: str
    a: Figures
    b: Figures
    #: Width of each bar of the chart, in % of the largest count shown ("42.5", unlocalised).
    bar_a: str = "0"
    bar_b: str = "0"

    @property
    def variation(self) -> int | None:
        """Present in cohort B minus present in cohort A."""
        if self.a.present is None or self.b.present is None:
            return None
        return self.b.present - self.a.present

    @property
    def variation_percent(self) -> Decimal | None:
        return percent(self.variation, self.a.present)

    @property
    def is_demo(self) -> bool:
        return self.a.is_demo or self.b.is_demo

    @property
    def trend(self) -> str:
        """A colour class for the map tile (the value is always shown in text too)."""
        pct = self.variation_percent
        if pct is None:
            return "none"
        if pct >= 10:
            return "up2"
        if pct > 0:
            return "up1"
        if pct <= -10:
            return "down2"
        if pct < 0:
            return "down1"
        return "flat"


@dataclass
class Dashboard:
    cohort_a: Cohort
    cohort_b: Cohort
    category: str
    rows: list[RegionRow]
    total: RegionRow
    #: Share of Quebec's present living outside the Montréal region, per cohort, in %.
    outside_montreal_a: Decimal | None = None
    outside_montreal_b: Decimal | None = None
    #: Its change from A to B, in percentage points.
    outside_montreal_change: Decimal | None = None
    has_demo: bool = False
    has_data: bool = False
    regions_with_data: list[str] = field(default_factory=list)

    @property
    def category_label(self) -> str:
        return ImmigrationCategory(self.category).label


def build_dashboard(regions, statistics, cohort_a: Cohort, cohort_b: Cohort,
                    category: str = ImmigrationCategory.ALL) -> Dashboard:
    """The dashboard from plain rows.

    ``regions``: [{"code", "name"}] in the order to show; ``statistics``: [{"region__code",
    "cohort_start", "cohort_end", "reference_year", "admitted", "present", "is_demo"}] of the
    chosen category. A region without a row for a cohort has no figures for it (not zeros);
    Quebec's totals add the regions that have some."""
    found = {}
    for stat in statistics:
        cohort = Cohort(stat["cohort_start"], stat["cohort_end"], stat["reference_year"])
        found[(stat["region__code"], cohort)] = stat

    def figures(code, cohort):
        stat = found.get((code, cohort))
        if stat is None:
            return Figures()
        return Figures(admitted=stat["admitted"], present=stat["present"],
                       is_demo=bool(stat["is_demo"]))

    rows = [RegionRow(code=r["code"], name=r["name"], a=figures(r["code"], cohort_a),
                      b=figures(r["code"], cohort_b)) for r in regions]

    def total(side):
        shown = [getattr(row, side) for row in rows if getattr(row, side).has_data]
        if not shown:
            return Figures()
        return Figures(admitted=sum(f.admitted for f in shown),
                       present=sum(f.present for f in shown),
                       is_demo=any(f.is_demo for f in shown))

    quebec = RegionRow(code="", name=_("Québec (all regions)"), a=total("a"), b=total("b"))
    biggest = max([f.present for row in rows for f in (row.a, row.b) if f.has_data] or [0])
    for row in rows:
        for side in ("a", "b"):
            figs = getattr(row, side)
            figs.share = percent(figs.present, getattr(quebec, side).present)
            width = percent(figs.present, biggest)
            setattr(row, f"bar_{side}", f"{width}" if width is not None else "0")
    for side in ("a", "b"):
        figs = getattr(quebec, side)
        figs.share = percent(figs.present, figs.present)

    montreal = next((row for row in rows if row.code == MONTREAL_CODE), None)

    def outside(side):
        quebec_present = getattr(quebec, side).present
        if montreal is None or not getattr(montreal, side).has_data:
            return None
        return _ratio(quebec_present - getattr(montreal, side).present, quebec_present)

    exact_a, exact_b = outside("a"), outside("b")
    change = exact_b - exact_a if exact_a is not None and exact_b is not None else None
    return Dashboard(
        cohort_a=cohort_a, cohort_b=cohort_b, category=category, rows=rows, total=quebec,
        outside_montreal_a=_points(exact_a), outside_montreal_b=_points(exact_b),
        outside_montreal_change=_points(change),
        has_demo=quebec.is_demo,
        has_data=quebec.a.has_data or quebec.b.has_data,
        regions_with_data=[row.code for row in rows if row.a.has_data or row.b.has_data],
    )


# --- Reads ----------------------------------------------------------------------------------


def available_cohorts() -> list[Cohort]:
    """The cohorts in the data, most recent first (one query)."""
    found = (CohortStatistic.objects.order_by().values_list(
        "cohort_start", "cohort_end", "reference_year").distinct())
    return sorted((Cohort(*values) for values in found),
                  key=lambda c: (c.reference_year, c.end, c.start), reverse=True)


def default_pair(cohorts: list[Cohort]) -> tuple[Cohort, Cohort] | None:
    """The two most recent cohorts, the earlier one first (A) — or the only one twice."""
    if not cohorts:
        return None
    if len(cohorts) == 1:
        return cohorts[0], cohorts[0]
    return cohorts[1], cohorts[0]


def cohort_dashboard(cohort_a: Cohort, cohort_b: Cohort,
                     category: str = ImmigrationCategory.ALL) -> Dashboard:
    """The dashboard of two cohorts for one category, in two queries whatever the number of
    regions with data."""
    regions = list(Region.objects.order_by("code").values("code", "name"))
    wanted = Q()
    for cohort in {cohort_a, cohort_b}:
        wanted |= Q(cohort_start=cohort.start, cohort_end=cohort.end,
                    reference_year=cohort.reference_year)
    statistics = (CohortStatistic.objects.filter(wanted, category=category).order_by()
                  .values("region__code", "cohort_start", "cohort_end", "reference_year",
                          "admitted", "present", "is_demo"))
    return build_dashboard(regions, list(statistics), cohort_a, cohort_b, category)
