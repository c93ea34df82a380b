"""What the public pages and downloads read: the published tables of the current snapshot,
in a constant number of queries (the published keys; the publishable cohort imports; the
tables; their rows), whatever the number of rows.

A table is served only if an administrator published it and it was computed; the cohort table
only while every cohort import its figures come from is still publishable (an import withdrawn
from publication vanishes at once, before the next computation)."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils.html import format_html_join
from django.utils.translation import get_language

from portal.money import NBSP, money

from .models import CohortPublication, FigureRow, FigureTable, PublishedTable, TableKey
from .suppression import HIDDEN, SMALL
from .tables import AMOUNT, ORDER, RATE, SPECS, Spec

#: The tables whose rows are regions (shown on a region's page).
REGIONAL = (TableKey.REGIONALISATION, TableKey.PLANS_BY_REGION, TableKey.COHORT_PRESENCE)


def _french() -> bool:
    return (get_language() or "fr").startswith("fr")


def display(value, kind: str) -> str:
    """A published cell as the page shows it, in the current language."""
    if value is None:
        return "—"
    if value == SMALL:
        return f"<{NBSP}5"
    if value == HIDDEN:
        return HIDDEN
    if kind == AMOUNT:
        return money(value)
    if kind == RATE:
        return f"{value.replace('.', ',')}{NBSP}%" if _french() else f"{value}%"
    number = f"{int(value):,}"
    return number.replace(",", NBSP) if _french() else number


@dataclass
class ShownRow:
    row: FigureRow
    label: str
    cells: list[tuple[str, object, str]]  # (column, published value, shown text)

    @property
    def cells_html(self) -> str:
        """The row's figure cells, written here rather than by a template loop (the page's
        hundreds of cells cost a tenth of the time)."""
        return format_html_join("", '<td class="num" data-column="{}">{}</td>',
                                ((column, text) for column, _value, text in self.cells))


@dataclass
class ShownGroup:
    label: str
    rows: list[ShownRow] = field(default_factory=list)


@dataclass
class ShownTable:
    spec: Spec
    table: FigureTable
    groups: list[ShownGroup]

    @property
    def key(self) -> str:
        return self.table.key

    @property
    def rows(self) -> list[FigureRow]:
        return [shown.row for group in self.groups for shown in group.rows]


def _shown(spec: Spec, table: FigureTable) -> ShownTable:
    french = _french()
    groups: list[ShownGroup] = []
    for row in table.rows.all():
        if not groups or groups[-1].label != row.group:
            groups.append(ShownGroup(label=row.group))
        groups[-1].rows.append(ShownRow(
            row=row, label=row.label_fr if french else row.label_en,
            cells=[(column.key, row.cells.get(column.key),
                    display(row.cells.get(column.key), column.kind))
                   for column in spec.columns]))
    return ShownTable(spec=spec, table=table, groups=groups)


def published_tables(*, keys=None, region_code: str | None = None) -> list[ShownTable]:
    """The published, computed tables (all, or ``keys``) in the page's order, with their rows
    (only the region's and the totals when ``region_code`` is given)."""
    published = set(PublishedTable.objects.published_keys())
    if keys is not None:
        published &= set(keys)
    if not published:
        return []
    rows = FigureRow.objects.order_by("position")
    if region_code is not None:
        rows = rows.filter(Q(region_code=region_code) | Q(is_total=True))
    tables = {table.key: table for table in FigureTable.objects.filter(key__in=published)
              .prefetch_related(Prefetch("rows", queryset=rows))}
    cohort = tables.get(TableKey.COHORT_PRESENCE)
    if cohort is not None:
        allowed = set(CohortPublication.objects.values_list("cohort_import_id", flat=True))
        if not set(cohort.cohort_import_ids) <= allowed:
            del tables[TableKey.COHORT_PRESENCE]
    return [_shown(SPECS[key], tables[key]) for key in ORDER if key in tables]


def last_computed(tables: list[ShownTable]):
    return max((shown.table.computed_at for shown in tables), default=None)
