"""Benchmark: importing a 100,000-row cohort file, three ways, in one run.

Run: python bench/cohort_import.py [--scale X]   (against the PostgreSQL in DATABASE_URL)
--scale 1 builds a 100,000-row CSV (17 regions x cohorts x reference years x categories, as
many combinations as needed), the size the issue names; --scale 0.01 builds 1,000 rows and
finishes in seconds. In its own database (bench_cohort_import, dropped at the end) it measures
time and peak Python memory (tracemalloc) of:

1. the portal's import: cohort_preview, then cohort_import_apply (parse, compare, bulk upsert);
2. django-import-export's default, non-bulk import of the same file (a plain ModelResource,
   use_bulk=False, Resource.import_data(dataset, dry_run=False)), into the emptied table;
3. PostgreSQL COPY of the same rows (psycopg cursor.copy), into the emptied table;

checks that the three leave the same rows, prints a table, the ratios, then one JSON line."""

import argparse
import hashlib
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

CATEGORIES = ["all", "economic", "family", "refugee", "other"]
HEADER = ["region", "cohort_start", "cohort_end", "reference_year", "category", "admitted",
          "present"]


def build_rows(count):
    """``count`` distinct rows: 17 regions x 5 categories x (cohort, reference year) pairs."""
    from regions.models import Region

    codes = list(Region.objects.order_by("code").values_list("code", flat=True))
    rows, n = [], 0
    start = 1950
    while len(rows) < count:
        cohort_start, cohort_end = start, start + 4
        for reference in range(cohort_end + 1, cohort_end + 41):
            for code in codes:
                for category in CATEGORIES:
                    admitted = 100 + (n * 7919) % 25_000
                    present = admitted - (n * 104_729) % (admitted + 1)
                    rows.append((code, cohort_start, cohort_end, reference, category,
                                 admitted, present))
                    n += 1
                    if len(rows) == count:
                        return rows
        start += 1
    return rows


def csv_bytes(rows):
    lines = [";".join(HEADER)]
    for code, start, end, reference, category, admitted, present in rows:
        # As French Excel writes them: semicolons, thousands with a no-break space.
        lines.append(f"{code};{start};{end};{reference};{category};"
                     f"{admitted:,};{present:,}".replace(",", "\u00a0"))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def measured(function):
    tracemalloc.start()
    started = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, round(seconds, 2), round(peak / 2**20, 1)


def table_snapshot():
    from regions.models import CohortStatistic

    digest = hashlib.sha256()
    for row in (CohortStatistic.objects.order_by(
            "region__code", "cohort_start", "cohort_end", "reference_year", "category")
            .values_list("region__code", "cohort_start", "cohort_end", "reference_year",
                         "category", "admitted", "present").iterator(chunk_size=10_000)):
        digest.update(repr(row).encode())
    return CohortStatistic.objects.count(), digest.hexdigest()


def empty_table():
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE regions_cohortstatistic")


def portal_import(data, admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from regions import services

    def run():
        started = services.cohort_import_start(
            actor=admin, upload=SimpleUploadedFile("cohortes.csv", data))
        assert started.rows_error == 0, started.errors[:3]
        done = services.cohort_import_apply(import_id=started.pk)
        assert done.status == "done", done.errors
        return done
    return run


def import_export_default(data):
    import tablib
    from import_export import resources

    from regions.models import CohortStatistic

    class PlainResource(resources.ModelResource):
        class Meta:
            model = CohortStatistic
            fields = ("id", "region", "cohort_start", "cohort_end", "reference_year",
                      "category", "admitted", "present")
            use_bulk = False

    def run():
        text = data.decode("utf-8-sig").replace("\u00a0", "")
        # The plain resource expects region ids in the file, as its export writes them.
        from regions.models import Region

        ids = dict(Region.objects.values_list("code", "pk"))
        lines = text.split("\r\n")
        body = [lines[0].replace(";", ",")]
        for line in lines[1:]:
            if line:
                cells = line.split(";")
                cells[0] = str(ids[cells[0]])
                body.append(",".join(cells))
        dataset = tablib.Dataset().load("\n".join(body), format="csv")
        result = PlainResource().import_data(dataset, dry_run=False, raise_errors=True)
        assert not result.has_errors()
        return result
    return run


def copy_import(rows):
    from regions.models import Region

    def run():
        ids = dict(Region.objects.values_list("code", "pk"))
        with connection.cursor() as cursor, cursor.cursor.copy(
                "COPY regions_cohortstatistic (region_id, cohort_start, cohort_end, "
                "reference_year, category, admitted, present, is_demo) FROM STDIN") as copy:
            for code, start, end, reference, category, admitted, present in rows:
                copy.write_row((ids[code], start, end, reference, category, admitted,
                                present, False))
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    count = max(100, int(100_000 * args.scale))

    setup_test_environment()
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_cohort_import"
    settings.COHORT_IMPORT_SYNC_ROWS = 10**9
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_reference_data", verbosity=0)
        from tests.factories.accounts import StaffFactory

        admin = StaffFactory(role="admin", mfa=False)
        rows = build_rows(count)
        data = csv_bytes(rows)
        print(f"Cohort import benchmark: {len(rows):,} rows, {len(data) / 2**20:.1f} MiB CSV "
              f"(UTF-8 BOM, semicolons, no-break-space thousands), PostgreSQL "
              f"{connection.pg_version // 10000}")
        results = {}

        empty_table()
        _, seconds, peak = measured(portal_import(data, admin))
        results["portal"] = {"s": seconds, "peak_mib": peak, "table": table_snapshot()}
        # A second run of the same file: everything unchanged, nothing written.
        _, seconds, peak = measured(portal_import(data, admin))
        results["portal_reimport"] = {"s": seconds, "peak_mib": peak,
                                      "table": table_snapshot()}

        empty_table()
        _, seconds, peak = measured(import_export_default(data))
        results["import_export"] = {"s": seconds, "peak_mib": peak, "table": table_snapshot()}

        empty_table()
        _, seconds, peak = measured(copy_import(rows))
        results["copy"] = {"s": seconds, "peak_mib": peak, "table": table_snapshot()}

        tables = {r["table"] for r in results.values()}
        if len(tables) != 1 or next(iter(tables))[0] != len(rows):
            raise SystemExit(f"FAILED: the imports left different tables: {tables}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    labels = {
        "portal": "portal import (preview + apply, bulk upsert)",
        "portal_reimport": "portal re-import of the same file (unchanged)",
        "import_export": "django-import-export default (non-bulk)",
        "copy": "PostgreSQL COPY",
    }
    print(f"{'method':<48} {'time s':>8} {'peak MiB':>9} {'rows/s':>9}")
    for key, label in labels.items():
        r = results[key]
        print(f"{label:<48} {r['s']:>8} {r['peak_mib']:>9} {int(len(rows) / r['s']):>9,}")
    speedup = round(results["import_export"]["s"] / results["portal"]["s"], 1)
    copy_ratio = round(results["portal"]["s"] / results["copy"]["s"], 1)
    memory_ratio = round(results["import_export"]["peak_mib"] / results["portal"]["peak_mib"], 1)
    print(f"portal is {speedup}x faster than django-import-export's default import "
          f"({'meets' if speedup >= 5 else 'BELOW'} the 5x target); peak memory "
          f"import-export / portal = {memory_ratio}; portal takes {copy_ratio}x the time of a "
          f"bare COPY")
    summary = {"scale": args.scale, "rows": len(rows), "csv_bytes": len(data)}
    for key, r in results.items():
        summary[f"{key}_s"] = r["s"]
        summary[f"{key}_peak_mib"] = r["peak_mib"]
    summary.update(speedup_vs_import_export=speedup, portal_vs_copy=copy_ratio,
                   memory_ratio_vs_import_export=memory_ratio, target_met=speedup >= 5)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
