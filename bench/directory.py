"""Benchmark: the partner directory, its search and its export, as the organisations grow.

Run: python bench/directory.py [--scale X]   (against the PostgreSQL in DATABASE_URL)
--scale 1 seeds 20,000 organisations (every municipal body of the register plus non-profits and
enterprises, a ministry-sized directory); --scale 0.01 seeds 200 and finishes in seconds.
It works in its own database (bench_directory), dropped at the end, and prints a table, then one
JSON line with every figure."""

import argparse
import json
import os
import sys
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

ROUNDS = 15


def seed(count):
    from antennes.models import Office
    from partners.models import Contact, Kind, NonProfitKind, Organisation
    from portal.text import fold

    offices = list(Office.objects.select_related("region"))
    kinds = [Kind.NON_PROFIT, Kind.ENTERPRISE, Kind.AGGLOMERATION]
    rows = []
    for i in range(count):
        office = offices[i % len(offices)]
        kind = kinds[i % 3]
        name = f"Organisme {i:06} de {office.city}"
        rows.append(Organisation(
            name=name, kind=kind, office=office, region=office.region,
            non_profit_kind=NonProfitKind.SETTLEMENT if kind == Kind.NON_PROFIT else "",
            search_text=fold(name), email=f"info{i}@exemple.org", is_demo=True))
    Organisation.objects.bulk_create(rows, batch_size=2000)
    ids = list(Organisation.objects.values_list("pk", flat=True)[: count // 2])
    Contact.objects.bulk_create(
        [Contact(organisation_id=pk, first_name="Prénom", last_name=f"Nom {pk}") for pk in ids],
        batch_size=2000)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    count = max(50, int(20_000 * args.scale))

    setup_test_environment()
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_directory"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_reference_data", verbosity=0)
        seed(count)
        from tests.factories.accounts import StaffFactory
        from tests.factories.antennes import office

        users = {
            "admin": StaffFactory(role="admin"),
            "adviser": StaffFactory(role="adviser", offices=[office("trois-rivieres")]),
        }
        cases = [
            ("directory, first page", "/organisations/", None, None),
            ("directory, sorted by region, page 5", "/organisations/",
             {"ordering": "region", "page": 5}, None),
            ("search 'trois-rivieres'", "/organisations/", {"q": "trois-rivieres"}, None),
            ("htmx fragment, kind filter", "/organisations/", {"kind": "enterprise"},
             {"HX-Request": "true"}),
            ("CSV export, kind filter", "/organisations/export.csv", {"kind": "enterprise"},
             None),
        ]
        results = {}
        print(f"Directory benchmark: {count:,} organisations, {ROUNDS} rounds per case")
        print(f"{'role':<8} {'case':<38} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        for role, user in users.items():
            client = Client()
            client.force_login(user)
            for label, url, params, headers in cases:
                figures = measure(client, url, params, headers, rounds=ROUNDS)
                results[f"{role}: {label}"] = figures
                print(f"{role:<8} {label:<38} {figures['median_ms']:>10} {figures['p95_ms']:>8}"
                      f" {figures['queries']:>8}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    summary = {"scale": args.scale, "rows": count, "rounds": ROUNDS}
    for key, figures in results.items():
        slug = key.replace(": ", "_").replace(" ", "_").replace(",", "").replace("'", "")
        for name, value in figures.items():
            summary[f"{slug}_{name}"] = value
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
