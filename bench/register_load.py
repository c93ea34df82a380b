"""Benchmark: loading the enterprise register's open-data ZIP (Registraire des entreprises).

Run: python bench/register_load.py [--scale X]   (against the PostgreSQL in DATABASE_URL)
--scale 1 generates a 100,000-enterprise ZIP in the register's format (fictitious data, with
its names in Nom.csv: about 1.5 names per enterprise), the size the issue names; --scale 0.01
generates 1,000 and finishes in seconds. In its own database (bench_register_load, dropped at
the end) it times three loads through ``enterprises.register.register_load``: the first, into
an empty table (every row inserted); the same file again (nothing changes, nothing is written);
then a file where one enterprise in ten changed its name or status (upserts). Then, in a
separate run with tracemalloc (which slows Python several times, so not timed), the peak
Python memory of a first load. It prints a table, then one JSON line with every figure."""

import argparse
import json
import os
import sys
import tempfile
import time
import tracemalloc
import zipfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

MIB = 1024**2


def changed(enterprises):
    for e in enterprises:
        if int(e.neq[2:9]) % 10 == 0:
            yield replace(e, name=e.name + " (renommée)", status="RO")
        else:
            yield e


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    count = max(100, int(100_000 * args.scale))

    setup_test_environment()
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_register_load"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    from enterprises.models import RegisterEnterprise
    from enterprises.register import register_load
    from tests.enterprises.register_sample import generated, write_sample

    results = {}
    try:
        with tempfile.TemporaryDirectory() as folder:
            first_file = write_sample(Path(folder) / "registre.zip", lambda: generated(count))
            second_file = write_sample(Path(folder) / "registre-2.zip",
                                       lambda: changed(generated(count)))
            with zipfile.ZipFile(first_file) as archive:
                unzipped = sum(info.file_size for info in archive.infolist())
            zipped = first_file.stat().st_size
            runs = [("first load (empty table)", first_file),
                    ("same file again", first_file),
                    ("1 in 10 changed", second_file)]
            print(f"Register load benchmark: {count:,} enterprises, ZIP {zipped / MIB:.1f} MiB "
                  f"({unzipped / MIB:.1f} MiB unzipped)")
            print(f"{'load':<28} {'seconds':>8} {'rows/s':>9} {'inserted':>9} {'updated':>8}")
            for label, path in runs:
                start = time.perf_counter()
                load = register_load(path=str(path))
                seconds = time.perf_counter() - start
                if load.status != "succeeded":
                    raise SystemExit(f"FAILED: {label}: {load.message}")
                figures = {"seconds": round(seconds, 2),
                           "rows_per_second": round(load.rows_read / seconds),
                           "inserted": load.rows_inserted, "updated": load.rows_updated}
                results[label] = figures
                print(f"{label:<28} {figures['seconds']:>8} {figures['rows_per_second']:>9,} "
                      f"{figures['inserted']:>9,} {figures['updated']:>8,}")
            assert RegisterEnterprise.objects.count() == count
            assert results["same file again"]["inserted"] == 0
            assert results["same file again"]["updated"] == 0

            RegisterEnterprise.objects.all().delete()
            tracemalloc.start()
            register_load(path=str(first_file))
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"peak Python memory of a first load (tracemalloc): {peak / MIB:.1f} MiB, "
                  f"{100 * peak / unzipped:.1f} % of the unzipped file")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    summary = {"scale": args.scale, "rows": count, "zip_mib": round(zipped / MIB, 1),
               "unzipped_mib": round(unzipped / MIB, 1), "peak_mib": round(peak / MIB, 1)}
    for label, figures in results.items():
        slug = label.split(" (")[0].replace(" ", "_")
        for name, value in figures.items():
            summary[f"{slug}_{name}"] = value
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
