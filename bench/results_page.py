"""Benchmark: the results page (targets and results added by catalogue indicator) and its export.

Run: python bench/results_page.py [--scale X]   (against the PostgreSQL in DATABASE_URL)
--scale 1 seeds 5,000 plans with 50,000 measures and as many indicators (the plans queue
benchmark's data, ``plans_queue.seed``), ten in eleven of them chosen from the catalogue, and
for every funded plan an accepted progress report and a final report (accepted for closed
plans, only submitted for plans in progress) giving each indicator's value; --scale 0.01 seeds
50 plans and finishes in seconds. It works in its own database (bench_results_page), dropped
at the end, and prints a table, then one JSON line with every figure."""

import argparse
import json
import os
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from _pages import measure  # noqa: E402  (bench/ is the script's own folder)
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from plans_queue import seed as seed_plans  # noqa: E402

ROUNDS = 30


def seed_results():
    """Catalogue indicators on the seeded measures, and the funded plans' reports with a value
    for each indicator. Returns (funded plans, indicator results)."""
    from django.db.models.functions import Mod

    from programs.indicators import COUNTED_STATUSES
    from programs.models import (
        ActionPlan,
        Indicator,
        IndicatorDefinition,
        IndicatorResult,
        Report,
        ReportKind,
        ReportStatus,
        Status,
    )

    definitions = list(IndicatorDefinition.objects.order_by("position"))
    slots = len(definitions) + 1  # the last slot stays « other »
    for slot, definition in enumerate(definitions):
        (Indicator.objects.annotate(slot=Mod("id", slots)).filter(slot=slot)
         .update(definition=definition, name=definition.name_fr, unit=definition.unit_fr))

    funded = list(ActionPlan.objects.filter(status__in=COUNTED_STATUSES)
                  .values_list("pk", "status", "call__fiscal_year"))
    reports = []
    for pk, status, year in funded:
        reports.append(Report(plan_id=pk, kind=ReportKind.PROGRESS, due_on=date(year, 10, 1),
                              status=ReportStatus.ACCEPTED))
        if status != Status.APPROVED:
            reports.append(Report(
                plan_id=pk, kind=ReportKind.FINAL, due_on=date(year + 1, 3, 31),
                status=(ReportStatus.ACCEPTED if status == Status.CLOSED
                        else ReportStatus.SUBMITTED)))
    Report.objects.bulk_create(reports, batch_size=5000)
    by_plan = {}
    for report in Report.objects.values("pk", "plan_id", "kind"):
        by_plan.setdefault(report["plan_id"], []).append(report)
    results = []
    for indicator_pk, plan_pk in (Indicator.objects
                                  .filter(measure__plan__status__in=COUNTED_STATUSES)
                                  .values_list("pk", "measure__plan_id")):
        for report in by_plan.get(plan_pk, []):
            value = 20 if report["kind"] == ReportKind.PROGRESS else 38
            results.append(IndicatorResult(report_id=report["pk"], indicator_id=indicator_pk,
                                           value=Decimal(value)))
    IndicatorResult.objects.bulk_create(results, batch_size=10000)
    return len(funded), len(results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    count = max(50, int(5_000 * args.scale))

    setup_test_environment()
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_results_page"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_reference_data", verbosity=0)
        from django.urls import reverse

        from programs.indicators import counted_indicators
        from programs.models import fiscal_year_of
        from tests.factories.accounts import StaffFactory, UserFactory
        from tests.factories.antennes import office

        tr = office("trois-rivieres")
        users = {
            "adviser": StaffFactory(role="adviser", offices=[tr]),
            "admin": StaffFactory(role="admin"),
        }
        started = time.perf_counter()
        plans, measures = seed_plans(count, UserFactory(), users["adviser"])
        funded, values = seed_results()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        seed_s = round(time.perf_counter() - started, 1)
        from django.utils import timezone

        this_year = fiscal_year_of(timezone.localdate())
        page = reverse("programs:results")
        filtered = {"region": tr.region.code, "axis": "retention", "fiscal_year": this_year}
        results = {}
        print(f"Results page benchmark: {plans:,} plans ({funded:,} funded), {measures:,} "
              f"measures, {values:,} indicator values (seeded in {seed_s} s), {ROUNDS} rounds "
              f"per case")
        print(f"{'role':<8} {'case':<40} {'indicators':>10} {'median ms':>10} {'p95 ms':>8}"
              f" {'queries':>8}")
        for role, user in users.items():
            client = Client()
            client.force_login(user)
            counted = counted_indicators(user)
            cases = [
                ("results, every plan", page, None, counted.count()),
                ("results, region + axis + fiscal year", page, filtered,
                 counted.filter(measure__plan__organisation__region__code=tr.region.code,
                                measure__axis="retention",
                                measure__plan__call__fiscal_year=this_year).count()),
                ("CSV export, same filters", reverse("programs:results_export", args=["csv"]),
                 filtered, None),
            ]
            for label, url, params, rows in cases:
                figures = measure(client, url, params, rounds=ROUNDS)
                if rows is not None:
                    figures["rows"] = rows
                results[f"{role}: {label}"] = figures
                print(f"{role:<8} {label:<40} {rows if rows is not None else '':>10}"
                      f" {figures['median_ms']:>10} {figures['p95_ms']:>8}"
                      f" {figures['queries']:>8}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    summary = {"scale": args.scale, "plans": plans, "funded_plans": funded,
               "measures": measures, "indicator_values": values, "rounds": ROUNDS,
               "seed_s": seed_s}
    for key, figures in results.items():
        slug = (key.replace(": ", "_").replace(" + ", "_").replace(" ", "_").replace(",", ""))
        for name, value in figures.items():
            summary[f"{slug}_{name}"] = value
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
