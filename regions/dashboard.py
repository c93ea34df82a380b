"""The regional dashboard's figures: two admission cohorts side by side, region by region.

``cohort_dashboard()`` reads everything in two queries (the 17 regions, then the statistics of
both cohorts for one category) and hands them to ``build_dashboard()``, a pure function the
tests check against hand-computed values.

Percentages are computed exactly (fractions) and rounded once, to one decimal, half up; a
percentage whose denominator is 0 (or whose figures are missing) is ``None``, shown as "—".
"""

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from .models import (
    CohortStatistic,
    DashboardSettings,
    ImmigrationCategory,
    MontrealArea,
    Region,
)

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


def log_width(value, biggest) -> Decimal | None:
    """The length of a chart bar for ``value`` on a logarithmic scale whose end is ``biggest``:
    ``log10(1 + value) / log10(1 + biggest)`` in percent, one decimal. Montréal's count is a
    hundred times a small region's: on a linear scale the small regions' bars vanish, on this
    one each power of ten takes the same length and every region stays readable."""
    if value is None or not biggest:
        return None
    width = Decimal(math.log10(1 + value) / math.log10(1 + biggest) * 100)
    return width.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


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
    #: Width of each bar of the chart on a logarithmic scale, in % of the largest count shown
    #: (``log_width``; "42.5", unlocalised).
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


@dataclass(frozen=True)
class MontrealDefinition:
    """What « Montréal » means for the share of immigrants living outside it: the regions
    wholly inside, and those only partly inside (whose cohort figures cannot be split)."""

    key: str
    whole: tuple[str, ...]
    partial: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return MontrealArea(self.key).label

    @property
    def explanation(self) -> str:
        if self.key == MontrealArea.CMM:
            return _("The Montréal metropolitan community (CMM) covers all of Montréal (06) "
                     "and Laval (13) and part of Lanaudière (14), Laurentides (15) and "
                     "Montérégie (16). Cohort figures are per region and cannot be split "
                     "between the parts of a region inside and outside the CMM, so the share "
                     "living outside the CMM is given as a range: at least the share outside "
                     "regions 06, 13, 14, 15 and 16, at most the share outside regions 06 and "
                     "13. No change in points is computed for it.")
        if self.key == MontrealArea.MONTREAL_LAVAL:
            return _("“Montréal” means the Montréal (06) and Laval (13) administrative "
                     "regions.")
        return _("“Montréal” means the Montréal administrative region (06).")


MONTREAL_DEFINITIONS = {
    MontrealArea.REGION_06: MontrealDefinition(MontrealArea.REGION_06, ("06",)),
    MontrealArea.MONTREAL_LAVAL: MontrealDefinition(MontrealArea.MONTREAL_LAVAL, ("06", "13")),
    MontrealArea.CMM: MontrealDefinition(MontrealArea.CMM, ("06", "13"), ("14", "15", "16")),
}


@dataclass
class Dashboard:
    cohort_a: Cohort
    cohort_b: Cohort
    category: str
    rows: list[RegionRow]
    #: The totals of the regions both cohorts cover (all of Quebec when both are complete).
    total: RegionRow
    #: Share of the present living outside Montréal, per cohort, in % (over the regions both
    #: cohorts cover); None when « Montréal » is only partly in the regional figures (CMM).
    outside_montreal_a: Decimal | None = None
    outside_montreal_b: Decimal | None = None
    #: Its change from A to B, in percentage points.
    outside_montreal_change: Decimal | None = None
    #: For a « Montréal » only partly covered by whole regions (CMM): (at least, at most).
    outside_montreal_range_a: tuple[Decimal | None, Decimal | None] | None = None
    outside_montreal_range_b: tuple[Decimal | None, Decimal | None] | None = None
    montreal: MontrealDefinition = MONTREAL_DEFINITIONS[MontrealArea.REGION_06]
    has_demo: bool = False
    has_data: bool = False
    regions_with_data: list[str] = field(default_factory=list)
    #: Regions each cohort has no figures for (in the chosen category).
    missing_a: list[str] = field(default_factory=list)
    missing_b: list[str] = field(default_factory=list)
    #: The regions both cohorts cover: the totals, shares and headline are computed over them.
    compared: list[str] = field(default_factory=list)
    regions_count: int = 0

    @property
    def category_label(self) -> str:
        return ImmigrationCategory(self.category).label

    @property
    def incomplete_a(self) -> bool:
        return bool(self.missing_a)

    @property
    def incomplete_b(self) -> bool:
        return bool(self.missing_b)

    @property
    def is_partial_comparison(self) -> bool:
        """True when the figures are compared over fewer regions than Quebec has."""
        return len(self.compared) < self.regions_count


def build_dashboard(regions, statistics, cohort_a: Cohort, cohort_b: Cohort,
                    category: str = ImmigrationCategory.ALL,
                    montreal_area: str = MontrealArea.REGION_06) -> Dashboard:
    """The dashboard from plain rows.

    ``regions``: [{"code", "name"}] in the order to show; ``statistics``: [{"region__code",
    "cohort_start", "cohort_end", "reference_year", "admitted", "present", "is_demo"}] of the
    chosen category. A region without a row for a cohort has no figures for it (not zeros).

    A cohort is compared with the other only where both cover the same regions: the totals,
    each region's share of them and the share living outside Montréal add the regions both
    cohorts have figures for, never a region one of them lacks."""
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
    compared = [row for row in rows if row.a.has_data and row.b.has_data]
    compared_codes = {row.code for row in compared}

    def total(side):
        shown = [getattr(row, side) for row in compared]
        if not shown:
            return Figures()
        return Figures(admitted=sum(f.admitted for f in shown),
                       present=sum(f.present for f in shown),
                       is_demo=any(f.is_demo for f in shown))

    if len(compared) == len(rows):
        total_name = _("Québec (all regions)")
    else:
        total_name = _("Regions both cohorts cover (%(count)s of %(total)s)") % {
            "count": len(compared), "total": len(rows)}
    quebec = RegionRow(code="", name=total_name, a=total("a"), b=total("b"))
    biggest = max([f.present for row in rows for f in (row.a, row.b) if f.has_data] or [0])
    for row in rows:
        for side in ("a", "b"):
            figs = getattr(row, side)
            if row.code in compared_codes:
                figs.share = percent(figs.present, getattr(quebec, side).present)
            width = log_width(figs.present, biggest)
            setattr(row, f"bar_{side}", f"{width}" if width is not None else "0")
    for side in ("a", "b"):
        figs = getattr(quebec, side)
        figs.share = percent(figs.present, figs.present)

    montreal = MONTREAL_DEFINITIONS.get(montreal_area, MONTREAL_DEFINITIONS["06"])
    present = {row.code: (row.a.present, row.b.present) for row in compared}

    def outside(side, codes):
        """The exact share of the compared regions' present living outside ``codes``; None
        unless every region wholly inside Montréal is among the compared ones."""
        index = 0 if side == "a" else 1
        if not all(code in present for code in montreal.whole):
            return None
        quebec_present = getattr(quebec, side).present
        inside = sum(present[code][index] for code in codes if code in present)
        return _ratio(quebec_present - inside, quebec_present)

    dashboard = Dashboard(
        cohort_a=cohort_a, cohort_b=cohort_b, category=category, rows=rows, total=quebec,
        montreal=montreal,
        has_demo=any(row.is_demo for row in rows),
        has_data=any(row.a.has_data or row.b.has_data for row in rows),
        regions_with_data=[row.code for row in rows if row.a.has_data or row.b.has_data],
        missing_a=[row.code for row in rows if not row.a.has_data],
        missing_b=[row.code for row in rows if not row.b.has_data],
        compared=[row.code for row in compared], regions_count=len(rows),
    )
    if montreal.partial:
        for side in ("a", "b"):
            at_most = outside(side, montreal.whole)
            at_least = outside(side, montreal.whole + montreal.partial)
            setattr(dashboard, f"outside_montreal_range_{side}",
                    (_points(at_least), _points(at_most)))
        return dashboard
    exact_a, exact_b = outside("a", montreal.whole), outside("b", montreal.whole)
    change = exact_b - exact_a if exact_a is not None and exact_b is not None else None
    dashboard.outside_montreal_a = _points(exact_a)
    dashboard.outside_montreal_b = _points(exact_b)
    dashboard.outside_montreal_change = _points(change)
    return dashboard


# --- Reads ----------------------------------------------------------------------------------


def available_cohorts() -> list[Cohort]:
    """The cohorts in the data, most recent first (one query)."""
    return [cohort for cohort, _count in cohort_coverage()]


def cohort_coverage(category: str = ImmigrationCategory.ALL) -> list[tuple[Cohort, int]]:
    """Every cohort in the data, most recent first, with how many regions it has figures for
    in ``category`` (one query)."""
    found = (CohortStatistic.objects.order_by()
             .values_list("cohort_start", "cohort_end", "reference_year")
             .annotate(regions=Count("region", filter=Q(category=category), distinct=True)))
    return sorted(((Cohort(start, end, year), regions) for start, end, year, regions in found),
                  key=lambda item: (item[0].reference_year, item[0].end, item[0].start),
                  reverse=True)


def default_pair(cohorts: list[Cohort], complete=None) -> tuple[Cohort, Cohort] | None:
    """The two most recent cohorts, the earlier one first (A) — or the only one twice.

    With ``complete`` (the cohorts covering every region in the chosen category), only those
    are candidates: an incomplete cohort is never picked by default while a complete one
    exists. When none is complete, there is nothing better to offer: the most recent ones are
    shown, and the page flags them."""
    if complete:
        cohorts = [cohort for cohort in cohorts if cohort in complete]
    if not cohorts:
        return None
    if len(cohorts) == 1:
        return cohorts[0], cohorts[0]
    return cohorts[1], cohorts[0]


def montreal_area() -> str:
    """The administrators' choice of what « Montréal » means (one query)."""
    return DashboardSettings.current().montreal_area


def cohort_dashboard(cohort_a: Cohort, cohort_b: Cohort,
                     category: str = ImmigrationCategory.ALL, montreal: str | None = None,
                     regions=None) -> Dashboard:
    """The dashboard of two cohorts for one category, in a fixed number of queries whatever
    the number of regions with data."""
    if montreal is None:
        montreal = montreal_area()
    if regions is None:
        regions = list(Region.objects.order_by("code").values("code", "name"))
    wanted = Q()
    for cohort in {cohort_a, cohort_b}:
        wanted |= Q(cohort_start=cohort.start, cohort_end=cohort.end,
                    reference_year=cohort.reference_year)
    statistics = (CohortStatistic.objects.filter(wanted, category=category).order_by()
                  .values("region__code", "cohort_start", "cohort_end", "reference_year",
                          "admitted", "present", "is_demo"))
    return build_dashboard(regions, list(statistics), cohort_a, cohort_b, category, montreal)
