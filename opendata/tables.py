"""The tables the portal can publish: their titles, descriptions and columns.

A column is a count (suppressed under 5, ``opendata/suppression.py``), an amount in dollars
or a rate in %. The same specs drive the page, the CSV, the JSON and the metadata record, so
the four cannot disagree on what a table holds."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from .models import TableKey

COUNT, AMOUNT, RATE = "count", "amount", "rate"

LICENCE_ID = "cc-by"
LICENCE_TITLE = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENCE_SHORT = "CC BY 4.0"


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    kind: str = COUNT


@dataclass(frozen=True)
class Spec:
    key: str
    title: Promise
    description: Promise
    #: What the rows describe (a region, a program, an axis).
    dimension: Promise
    #: What groups the rows (a fiscal year, a cohort).
    grouping: Promise
    columns: tuple[Column, ...]
    #: Rates: column -> (numerator, denominator).
    rates: tuple[tuple[str, str, str], ...] = ()

    @property
    def counts(self) -> list[str]:
        return [c.key for c in self.columns if c.kind == COUNT]

    @property
    def amounts(self) -> dict[str, str]:
        """Each amount column and the count it goes with (the first count column)."""
        return {c.key: self.counts[0] for c in self.columns if c.kind == AMOUNT}


SPECS = {
    TableKey.REGIONALISATION: Spec(
        key=TableKey.REGIONALISATION,
        title=_("Regionalisation: opportunities, hires, activities and settlement"),
        description=_(
            "Per region outside Montréal and for Quebec, by fiscal year (April 1 to March 31): "
            "the regional job opportunities validated by the ministry’s advisers, their "
            "positions and the hires the referring organisations recorded; the regionalisation "
            "activities promoting the region (by their first day), their participants and how "
            "many of them lived in the region 6 and 12 months later. An activity promoting "
            "several regions counts in each, and once for Quebec."),
        dimension=_("Region"), grouping=_("Fiscal year"),
        columns=(
            Column("opportunities", _("Opportunities validated")),
            Column("positions", _("Positions")),
            Column("hires", _("Hires")),
            Column("activities", _("Activities")),
            Column("participants", _("Participants")),
            Column("settled_6", _("Settled after 6 months")),
            Column("settled_12", _("Settled after 12 months")),
        )),
    TableKey.PLANS_BY_REGION: Spec(
        key=TableKey.PLANS_BY_REGION,
        title=_("Action plans funded by region"),
        description=_(
            "Action plans funded (approved, in progress or closed) and the amounts approved, "
            "by the region of the organisation and the fiscal year of the call for projects."),
        dimension=_("Region"), grouping=_("Fiscal year"),
        columns=(Column("plans", _("Plans funded")),
                 Column("amount", _("Amount approved ($)"), AMOUNT))),
    TableKey.PLANS_BY_PROGRAM: Spec(
        key=TableKey.PLANS_BY_PROGRAM,
        title=_("Action plans funded by program"),
        description=_(
            "Action plans funded (approved, in progress or closed) and the amounts approved, "
            "by program and fiscal year of the call for projects."),
        dimension=_("Program"), grouping=_("Fiscal year"),
        columns=(Column("plans", _("Plans funded")),
                 Column("amount", _("Amount approved ($)"), AMOUNT))),
    TableKey.PLANS_BY_AXIS: Spec(
        key=TableKey.PLANS_BY_AXIS,
        title=_("Action plans funded by intervention axis"),
        description=_(
            "Action plans funded with at least one measure on the axis, and the amount approved "
            "shared among a plan’s measures in proportion to what each asks. A plan with "
            "measures on several axes counts in each, and once in the total."),
        dimension=_("Intervention axis"), grouping=_("Fiscal year"),
        columns=(Column("plans", _("Plans funded")),
                 Column("amount", _("Amount approved ($)"), AMOUNT))),
    TableKey.COHORT_PRESENCE: Spec(
        key=TableKey.COHORT_PRESENCE,
        title=_("Presence of immigrants by region, per admission cohort"),
        description=_(
            "For each admission cohort and reference year, the immigrants admitted and those "
            "present in the region at the reference year, all immigration categories, from the "
            "cohort statistics the ministry imported and chose to publish."),
        dimension=_("Region"), grouping=_("Cohort (admitted → reference year)"),
        columns=(Column("admitted", _("Admitted")),
                 Column("present", _("Present")),
                 Column("presence_rate", _("Presence rate (%)"), RATE)),
        rates=(("presence_rate", "present", "admitted"),)),
}

ORDER = [TableKey.REGIONALISATION, TableKey.PLANS_BY_REGION, TableKey.PLANS_BY_PROGRAM,
         TableKey.PLANS_BY_AXIS, TableKey.COHORT_PRESENCE]


def both(text) -> dict[str, str]:
    """A lazy text in French and in English."""
    with override("fr"):
        fr = str(text)
    with override("en"):
        en = str(text)
    return {"fr": fr, "en": en}
