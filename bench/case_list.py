"""Benchmark: the case list at 100,000 cases, as an administrator and as an adviser, first page
and filtered by status and sorted (issue 16: « file lists at 100,000 rows »).

Run: python bench/case_list.py [--scale X]   (against the PostgreSQL in DATABASE_URL)
--scale 1 seeds 100,000 cases (the seed of bench/case_sweep.py: 5,000 enterprises across every
office, two advisers per office); it works in its own database (bench_case_list), dropped at the
end. Each page is requested ROUNDS times through the Django test client (server time of the
whole request); prints median, 95th percentile and query count, then one JSON line."""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from case_sweep import measure, seed  # noqa: E402  (the bench folder is on the path)
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

#: status=new, assigned, in progress; sorted by enterprise name (a sort the page offers).
FILTERED = "?status=new&status=assigned&status=in_progress&ordering=enterprise"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    count = max(200, int(100_000 * args.scale))

    setup_test_environment()
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_case_list"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    results = {}
    try:
        call_command("load_reference_data", verbosity=0)
        from django.urls import reverse

        from tests.factories.accounts import StaffFactory

        cases, enterprises, adviser = seed(count)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        admin = StaffFactory(role="admin")
        url = reverse("enterprises:case_list")
        print(f"Case list benchmark: {cases:,} cases of {enterprises:,} enterprises")
        print(f"{'page':<42} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        for who, user in (("admin", admin), ("adviser", adviser)):
            client = Client()
            client.force_login(user)
            for label, query in (("first page", ""), ("filtered by status, sorted", FILTERED)):
                figures = measure(client, url + query)
                key = f"{who}_{label.split(',')[0].replace(' ', '_')}"
                results.update({f"{key}_median_ms": figures["median_ms"],
                                f"{key}_p95_ms": figures["p95_ms"],
                                f"{key}_queries": figures["queries"]})
                print(f"{who + ', ' + label:<42} {figures['median_ms']:>10} "
                      f"{figures['p95_ms']:>8} {figures['queries']:>8}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(json.dumps({"scale": args.scale, "cases": cases, **results}))


if __name__ == "__main__":
    main()
