"""Generated worlds for the public figures, and a reader of the page's tables."""

import csv
import io
import random
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

from django.utils import timezone

from antennes.models import Office
from opendata import services
from opendata.models import TableKey
from programs.models import Axis, Status
from regions.models import CohortImport, CohortStatistic, ImmigrationCategory, Municipality
from tests.factories.partners import OrganisationFactory
from tests.factories.programs import ActionPlanFactory, CallFactory, MeasureFactory, program
from tests.factories.regionalisation import (
    ActivityFactory,
    OpportunityFactory,
    OpportunityReferralFactory,
)


def generated_world(seed: int, *, size: int = 12, demo: bool = False,
                    cohorts: bool = True) -> dict:
    """Funded plans, validated opportunities with hires, activities with settlement counts and
    a publishable cohort import, spread at random over the regions, with many small counts."""
    from regions.models import Region

    rng = random.Random(seed)
    offices = list(Office.objects.select_related("region").order_by("pk"))
    municipalities = list(Municipality.objects.exclude(region__code="06")
                          .select_related("region").order_by("code")[::97])
    today = timezone.localdate()
    for _n in range(size):
        where = rng.choice(offices)
        organisation = OrganisationFactory(office=where, region=where.region, is_demo=demo)
        year = today.year - rng.randint(0, 2) - (today.month < 4)
        code = rng.choice(["pac-1", "pac-2"])
        plan = ActionPlanFactory(
            organisation=organisation, call=CallFactory(program=program(code), fiscal_year=year),
            status=rng.choice([Status.APPROVED, Status.IN_PROGRESS, Status.CLOSED,
                               Status.SUBMITTED, Status.REFUSED]))
        for axis in rng.sample(list(Axis.values), rng.randint(1, 3)):
            MeasureFactory(plan=plan, axis=axis)
        if plan.status in (Status.APPROVED, Status.IN_PROGRESS, Status.CLOSED):
            plan.approved_amount = Decimal(rng.randint(1000, 90000))
            plan.requested_total = Decimal(10000) * plan.measures.count()
            plan.save(update_fields=["approved_amount", "requested_total"])
        municipality = rng.choice(municipalities)
        opportunity = OpportunityFactory(
            published=True, municipality=municipality, region=municipality.region,
            positions=rng.randint(1, 12),
            published_at=timezone.now() - timedelta(days=rng.randint(0, 500)))
        if demo:
            type(organisation).objects.filter(pk=opportunity.enterprise_id).update(is_demo=True)
        if rng.random() < .6:
            OpportunityReferralFactory(opportunity=opportunity, candidates=6, interviews=5,
                                       hires=rng.randint(0, 5))
        regions = rng.sample(list(Region.objects.exclude(code="06")), rng.randint(1, 2))
        activity = ActivityFactory(regions=regions, participants=rng.randint(1, 60),
                                   starts_on=today - timedelta(days=rng.randint(0, 600)))
        activity.organisation.is_demo = demo
        activity.organisation.save(update_fields=["is_demo"])
        activity.promoted.update(settled_6_months=rng.randint(0, 9),
                                 settled_12_months=rng.randint(0, 7))
    if not cohorts:
        return {}
    published_import = cohort_import(rng, demo=demo, start=1996)
    hidden_import = cohort_import(rng, demo=demo, start=2006)
    services.cohort_import_publish(cohort_import=published_import)
    return {"published_import": published_import, "hidden_import": hidden_import}


def cohort_import(rng, *, demo=False, start=1996) -> CohortImport:
    from regions.models import Region

    now = timezone.now()
    record = CohortImport.objects.create(
        file_name=f"cohortes-{start}.csv", sha256="0" * 64, size=1, finished_at=now,
        status=CohortImport.Status.DONE, is_demo=demo)
    for region in Region.objects.order_by("code")[: rng.randint(3, 17)]:
        admitted = rng.choice([0, 3, 8, 40, 2000])
        CohortStatistic.objects.create(
            region=region, cohort_start=start, cohort_end=start + 9,
            reference_year=start + 10, category=ImmigrationCategory.ALL, admitted=admitted,
            present=rng.randint(0, admitted), is_demo=demo, last_import=record)
    return record


def publish_all():
    for key in TableKey.values:
        services.table_publish(key=key, published=True)


class PageTables(HTMLParser):
    """The page's tables: {table key: [(group, row key, {column: shown text})]}."""

    def __init__(self):
        super().__init__()
        self.tables, self._table, self._row, self._column, self._text = {}, None, None, None, ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self._table = self.tables.setdefault(attrs["data-table"], [])
        elif tag == "tr" and "data-key" in attrs and self._table is not None:
            self._row = (attrs["data-group"], attrs["data-key"], {})
            self._table.append(self._row)
        elif tag == "td" and "data-column" in attrs and self._row is not None:
            self._column, self._text = attrs["data-column"], ""

    def handle_data(self, data):
        if self._column:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "td" and self._column:
            self._row[2][self._column] = self._text.strip()
            self._column = None
        elif tag == "table":
            self._table = None


def page_tables(html: str) -> dict:
    parser = PageTables()
    parser.feed(html)
    return parser.tables


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
