"""Benchmark: the public figures page, served from its computed tables, and the job computing them.

Run: python bench/public_figures.py [--scale X]   (against the PostgreSQL in DATABASE_URL)
--scale 1 seeds 5,000 action plans (the plans queue benchmark's data), 20,000 regional
opportunities with their referral counts (the opportunity board benchmark's), 5,000
regionalisation activities promoting one to three regions with their settlement counts, and
the demo's fictitious cohort file, every table published; --scale 0.01 seeds 50 plans, 200
opportunities and 50 activities and finishes in seconds. It times the computation
(``opendata.services.figures_compute``), then the public page, a region's page, a CSV, a JSON
and the metadata record as an anonymous visitor (median, 95th percentile, queries: the page
reads the computed tables only, so its cost does not grow with the data). It works in its own
database (bench_public_figures), dropped at the end, and prints a table, then one JSON line
with every figure."""

import argparse
import json
import os
import random
import sys
import time
from datetime import timedelta
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
from opportunity_board import seed as seed_opportunities  # noqa: E402
from plans_queue import seed as seed_plans  # noqa: E402

ROUNDS = 30
COMPUTE_ROUNDS = 3


def seed_activities(count: int) -> int:
    """``count`` activities of Montréal regionalisation organisations over the last three
    years, each promoting one to three regions outside Montréal, with settlement counts for
    those old enough."""
    from django.utils import timezone

    from partners.models import Kind, NonProfitKind, Organisation
    from portal.text import fold
    from regionalisation.models import Activity, ActivityKind, ActivityRegion
    from regions.models import Region
    from tests.factories.accounts import UserFactory
    from tests.factories.antennes import office

    rng = random.Random(18)
    montreal = office("montreal")
    organisations = Organisation.objects.bulk_create([
        Organisation(name=f"Régionalisation {i:03}", kind=Kind.NON_PROFIT,
                     non_profit_kind=NonProfitKind.REGIONALISATION, office=montreal,
                     region=montreal.region, search_text=fold(f"Régionalisation {i:03}"),
                     is_demo=True) for i in range(20)])
    creator = UserFactory()
    today = timezone.localdate()
    kinds = list(ActivityKind.values)
    activities = []
    for i in range(count):
        starts = today - timedelta(days=rng.randint(0, 1095))
        activities.append(Activity(
            organisation=organisations[i % len(organisations)], kind=kinds[i % len(kinds)],
            title=f"Activité {i:05}", starts_on=starts, ends_on=starts,
            participants=rng.randint(3, 80), created_by=creator))
    activities = Activity.objects.bulk_create(activities, batch_size=5000)
    regions = list(Region.objects.exclude(code="06").values_list("pk", flat=True))
    promoted = []
    for activity in activities:
        old = (today - activity.ends_on).days
        for region in rng.sample(regions, rng.randint(1, 3)):
            promoted.append(ActivityRegion(
                activity=activity, region_id=region,
                settled_6_months=rng.randint(0, 6) if old > 183 else None,
                settled_12_months=rng.randint(0, 4) if old > 365 else None))
    ActivityRegion.objects.bulk_create(promoted, batch_size=5000)
    return len(activities)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    plan_count = max(50, int(5_000 * args.scale))
    opportunity_count = max(200, int(20_000 * args.scale))
    activity_count = max(50, int(5_000 * args.scale))

    setup_test_environment()
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_public_figures"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_reference_data", verbosity=0)
        import statistics

        from django.urls import reverse

        from opendata.demo import seed_demo_public_figures
        from opendata.models import FigureRow
        from opendata.services import figures_compute
        from regions.demo import seed_demo_cohorts
        from tests.factories.accounts import StaffFactory, UserFactory
        from tests.factories.antennes import office

        started = time.perf_counter()
        plans, measures = seed_plans(plan_count, UserFactory(),
                                     StaffFactory(role="adviser",
                                                  offices=[office("trois-rivieres")]))
        opportunities = seed_opportunities(opportunity_count)["opportunities"]
        activities = seed_activities(activity_count)
        cohorts = seed_demo_cohorts()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        seed_s = round(time.perf_counter() - started, 1)

        seed_demo_public_figures()  # publishes every table, then computes (warm-up)
        compute_ms = []
        for _round in range(COMPUTE_ROUNDS):
            start = time.perf_counter()
            figures_compute()
            compute_ms.append((time.perf_counter() - start) * 1000)
        rows = FigureRow.objects.count()

        print(f"Public figures benchmark: {plans:,} plans ({measures:,} measures), "
              f"{opportunities:,} opportunities, {activities:,} activities, {cohorts:,} cohort "
              f"rows (seeded in {seed_s} s); {rows:,} published rows")
        print(f"Computation (figures_compute, {COMPUTE_ROUNDS} runs): median "
              f"{statistics.median(compute_ms):.0f} ms, max {max(compute_ms):.0f} ms")
        print(f"{'case':<34} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        client = Client()
        cases = [
            ("page (Quebec), French", reverse("opendata:index"), None),
            ("page (Quebec), English", reverse("opendata:index"), "en"),
            ("region page (04 Mauricie)", reverse("opendata:region", args=["04"]), None),
            ("CSV (regionalisation)", reverse("opendata:table_csv",
                                              args=["regionalisation"]), None),
            ("JSON (plans by region)", reverse("opendata:table_json",
                                               args=["plans-by-region"]), None),
            ("metadata record", reverse("opendata:metadata"), None),
        ]
        results = {}
        for label, url, language in cases:
            client.cookies.clear()
            if language:
                client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            figures = measure(client, url, rounds=ROUNDS)
            results[label] = figures
            print(f"{label:<34} {figures['median_ms']:>10} {figures['p95_ms']:>8}"
                  f" {figures['queries']:>8}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    summary = {"scale": args.scale, "plans": plans, "measures": measures,
               "opportunities": opportunities, "activities": activities,
               "cohort_rows": cohorts, "published_rows": rows, "rounds": ROUNDS,
               "seed_s": seed_s,
               "compute_median_ms": round(statistics.median(compute_ms), 1),
               "compute_max_ms": round(max(compute_ms), 1)}
    for key, figures in results.items():
        slug = (key.replace(" (", "_").replace(")", "").replace(", ", "_").replace(" ", "_")
                .lower())
        for name, value in figures.items():
            summary[f"{slug}_{name}"] = value
    summary["median_ms"] = results["page (Quebec), French"]["median_ms"]
    summary["p95_ms"] = results["page (Quebec), French"]["p95_ms"]
    summary["queries"] = results["page (Quebec), French"]["queries"]
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
