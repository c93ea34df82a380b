"""Computing the public figures, and choosing what is published.

``figures_compute()`` reads the domains (every table, published or not, so that ticking
« published » shows figures at once), suppresses small counts (``suppression.publish``) and
replaces the snapshot in one transaction under an advisory lock: a reader sees the old
snapshot or the new one, never half of each, and two runs at once write one after the other.
Running it twice gives the same tables (idempotent).

Fictitious demo data: every record of a demo organisation (``Organisation.is_demo``) and every
demo cohort statistic (``CohortStatistic.is_demo``) counts like any other, and a table holding
any of them is marked ``includes_demo``: the page, the CSV, the JSON and the metadata record
then say that its figures are fictitious. Demo cohort statistics are published only if an
administrator made their import publishable (``seed_demo`` does, for the demo).
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Case, Count, DecimalField, F, Min, Sum, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.models import ActionPlan, Axis, Measure, Program, fiscal_year_label, fiscal_year_of
from regionalisation.followup import Period, regional_followup
from regionalisation.models import (
    VALIDATED_STATUSES,
    Activity,
    ActivityRegion,
    Opportunity,
)
from regions.models import CohortImport, CohortStatistic, ImmigrationCategory, Region

from .models import CohortPublication, FigureRow, FigureTable, PublishedTable, TableKey
from .suppression import RawRow, publish
from .tables import SPECS, both

#: The plan statuses a decision to fund leads to.
FUNDED = ("approved", "in_progress", "closed")
#: At most this many fiscal years back are published.
MAX_YEARS = 10
#: The advisory lock two computations take in turn (any fixed number).
LOCK_ID = 0x0DA7A


def _quebec() -> dict[str, str]:
    return both(_("Quebec"))


def _quebec_outside_montreal() -> dict[str, str]:
    return both(_("Quebec (regions outside Montréal)"))


def _years(first: int | None, today: date) -> list[int]:
    current = fiscal_year_of(today)
    first = current if first is None else max(min(first, current), current - MAX_YEARS + 1)
    return list(range(first, current + 1))


def _fiscal_span(years) -> tuple[date | None, date | None]:
    years = list(years)
    if not years:
        return None, None
    return date(min(years), 4, 1), date(max(years) + 1, 3, 31)


class Computed:
    def __init__(self, rows, includes_demo=False, span=(None, None), cohort_import_ids=()):
        self.rows, self.includes_demo, self.span = rows, includes_demo, span
        self.cohort_import_ids = sorted(cohort_import_ids)


# --- Regionalisation --------------------------------------------------------------------------


def _regionalisation(today: date) -> Computed:
    firsts = [
        Opportunity.objects.filter(status__in=VALIDATED_STATUSES)
        .aggregate(first=Min("published_at"))["first"],
        Activity.objects.aggregate(first=Min("starts_on"))["first"],
    ]
    firsts = [fiscal_year_of(timezone.localdate(d) if hasattr(d, "hour") else d)
              for d in firsts if d]
    years = _years(min(firsts) if firsts else None, today)
    total_label = _quebec_outside_montreal()
    rows = []
    for year in reversed(years):
        followup = regional_followup(period=Period(year), today=today)
        group = fiscal_year_label(year)
        for line in [*followup.rows, followup.total]:
            is_total = line is followup.total
            rows.append(RawRow(
                group=group, key="QC" if is_total else line.code,
                region_code="" if is_total else line.code,
                label_fr=total_label["fr"] if is_total else line.name,
                label_en=total_label["en"] if is_total else line.name,
                is_total=is_total,
                values={name: getattr(line, name) for name in (
                    "opportunities", "positions", "hires", "activities", "participants",
                    "settled_6", "settled_12")}))
    includes_demo = (
        Opportunity.objects.filter(status__in=VALIDATED_STATUSES,
                                   enterprise__is_demo=True).exists()
        or ActivityRegion.objects.filter(activity__organisation__is_demo=True).exists())
    return Computed(rows, includes_demo, _fiscal_span(years))


# --- Plans ------------------------------------------------------------------------------------


def _plans(today: date) -> dict[str, Computed]:
    funded = ActionPlan.objects.filter(status__in=FUNDED)
    grouped = list(funded.order_by().values(
        "organisation__region__code", "call__program__code", "call__fiscal_year").annotate(
        n=Count("pk"), amount=Sum("approved_amount")))
    line = F("budget_lines__requested_amount")
    prorated = Case(
        When(plan__approved_amount__isnull=False, plan__requested_total__gt=0,
             then=line * F("plan__approved_amount") / F("plan__requested_total")),
        default=None, output_field=DecimalField(max_digits=30, decimal_places=10))
    by_axis = {(row["axis"], row["plan__call__fiscal_year"]): row for row in (
        Measure.objects.filter(plan__status__in=FUNDED).order_by()
        .values("axis", "plan__call__fiscal_year")
        .annotate(n=Count("plan", distinct=True), amount=Sum(prorated)))}
    includes_demo = funded.filter(organisation__is_demo=True).exists()
    regions = list(Region.objects.order_by("code").values_list("code", "name"))
    programs = list(Program.objects.order_by("code").values_list("code", "name_fr", "name_en"))
    years = sorted({row["call__fiscal_year"] for row in grouped}, reverse=True)
    if not years:
        years = [fiscal_year_of(today)]

    def add(target, key, value):
        n, amount = target.get(key, (0, Decimal(0)))
        target[key] = (n + value["n"], amount + (value["amount"] or Decimal(0)))

    quebec = _quebec()
    per_region, per_program, per_year = {}, {}, {}
    for row in grouped:
        year = row["call__fiscal_year"]
        add(per_region, (row["organisation__region__code"], year), row)
        add(per_program, (row["call__program__code"], year), row)
        add(per_year, year, row)

    def table(entries, source, axis_table=False):
        rows = []
        for year in years:
            group = fiscal_year_label(year)
            for key, label_fr, label_en, region_code in entries:
                if axis_table:
                    found = by_axis.get((key, year)) or {}
                    n, amount = found.get("n") or 0, found.get("amount") or Decimal(0)
                else:
                    n, amount = source.get((key, year), (0, Decimal(0)))
                rows.append(RawRow(group=group, key=key, label_fr=label_fr, label_en=label_en,
                                   region_code=region_code,
                                   values={"plans": n, "amount": Decimal(amount).quantize(
                                       Decimal("0.01"))}))
            n, amount = per_year.get(year, (0, Decimal(0)))
            rows.append(RawRow(group=group, key="QC", label_fr=quebec["fr"],
                               label_en=quebec["en"], is_total=True,
                               values={"plans": n, "amount": amount}))
        return Computed(rows, includes_demo, _fiscal_span(years))

    axes = []
    for value, label in Axis.choices:
        names = both(label)
        axes.append((value, names["fr"], names["en"], ""))
    return {
        TableKey.PLANS_BY_REGION: table([(c, n, n, c) for c, n in regions], per_region),
        TableKey.PLANS_BY_PROGRAM: table([(c, fr, en, "") for c, fr, en in programs],
                                         per_program),
        TableKey.PLANS_BY_AXIS: table(axes, None, axis_table=True),
    }


# --- Cohorts ----------------------------------------------------------------------------------


def _cohorts(today: date) -> Computed:
    allowed = CohortPublication.objects.values("cohort_import_id")
    stats = list(CohortStatistic.objects.filter(
        last_import_id__in=allowed, category=ImmigrationCategory.ALL).order_by(
        "-cohort_start", "-reference_year", "region__code").values(
        "region__code", "region__name", "cohort_start", "cohort_end", "reference_year",
        "admitted", "present", "is_demo", "last_import_id"))
    groups: dict[str, list[dict]] = defaultdict(list)
    for stat in stats:
        groups[f"{stat['cohort_start']}-{stat['cohort_end']} → {stat['reference_year']}"].append(
            stat)
    rows, quebec = [], _quebec()
    for group, members in groups.items():
        for stat in members:
            rows.append(RawRow(group=group, key=stat["region__code"],
                               region_code=stat["region__code"], label_fr=stat["region__name"],
                               label_en=stat["region__name"],
                               values={"admitted": stat["admitted"],
                                       "present": stat["present"]}))
        rows.append(RawRow(group=group, key="QC", label_fr=quebec["fr"],
                           label_en=quebec["en"], is_total=True,
                           values={"admitted": sum(s["admitted"] for s in members),
                                   "present": sum(s["present"] for s in members)}))
    span = ((date(min(s["cohort_start"] for s in stats), 1, 1),
             date(max(s["reference_year"] for s in stats), 12, 31)) if stats else (None, None))
    return Computed(rows, any(s["is_demo"] for s in stats), span,
                    {s["last_import_id"] for s in stats})


# --- The snapshot -----------------------------------------------------------------------------


def compute_all(today: date) -> dict[str, Computed]:
    """Every table's raw rows (exact counts: never stored, never shown)."""
    return {TableKey.REGIONALISATION: _regionalisation(today), **_plans(today),
            TableKey.COHORT_PRESENCE: _cohorts(today)}


def tables_ensure() -> None:
    """One ``PublishedTable`` row per table (unpublished until an administrator ticks it)."""
    PublishedTable.objects.bulk_create([PublishedTable(key=key) for key in TableKey.values],
                                       ignore_conflicts=True)


def figures_compute(*, today: date | None = None) -> dict[str, int]:
    """Compute every table and replace the snapshot atomically; returns rows per table."""
    today = today or timezone.localdate()
    computed = compute_all(today)
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])
        # SQLite (``bin/run``) writes one transaction at a time: its lock is the database's.
        tables_ensure()
        FigureRow.objects.all().delete()
        FigureTable.objects.all().delete()
        rows = []
        for key, result in computed.items():
            spec = SPECS[key]
            table = FigureTable.objects.create(
                key=key, computed_at=now, includes_demo=result.includes_demo,
                temporal_start=result.span[0], temporal_end=result.span[1],
                cohort_import_ids=result.cohort_import_ids)
            cells = publish(result.rows, spec.counts, spec.amounts,
                            {name: (top, bottom) for name, top, bottom in spec.rates})
            rows += [FigureRow(table=table, position=position, group=row.group, key=row.key,
                               region_code=row.region_code, label_fr=row.label_fr[:200],
                               label_en=row.label_en[:200], is_total=row.is_total,
                               cells=published)
                     for position, (row, published) in enumerate(
                         zip(result.rows, cells, strict=True))]
        FigureRow.objects.bulk_create(rows, batch_size=2000)
    return {key: len(result.rows) for key, result in computed.items()}


def table_publish(*, key: str, published: bool = True) -> PublishedTable:
    """Publish (or withdraw) a table; it shows (or vanishes) at once, on every page and
    download."""
    tables_ensure()
    PublishedTable.objects.filter(key=TableKey(key)).update(is_published=published,
                                                           updated_at=timezone.now())
    return PublishedTable.objects.get(key=key)


def cohort_import_publish(*, cohort_import: CohortImport, publishable: bool = True) -> None:
    """Allow (or stop) publishing a cohort import's statistics. Stopping hides the cohort
    table at once (its figures name the imports they come from, ``selectors``); the next
    computation leaves them out."""
    if publishable:
        CohortPublication.objects.get_or_create(cohort_import=cohort_import)
    else:
        CohortPublication.objects.filter(cohort_import=cohort_import).delete()
