"""FICTITIOUS cohort statistics for the demo (``manage.py seed_demo``).

Real per-region cohort figures are not in the reference data, so the demo uses a generated file,
``fixtures/demo_cohorts_fictitious.csv``: 17 regions x 3 cohorts x 5 categories, plausible but
invented (Montréal holds about 70-75 % of those present, fewer stay in remote regions, later
cohorts settle a little more outside Montréal). ``generate_demo_rows()`` makes it,
deterministically; ``write_demo_file()`` writes it; ``seed_demo_cohorts()`` loads it marked
``is_demo``, so every page showing it says « fictitious ».

Regenerate the file with::

    python manage.py shell -c "from regions.demo import write_demo_file; write_demo_file()"
"""

import csv
import random
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import CohortStatistic, ImmigrationCategory, Region

DEMO_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo_cohorts_fictitious.csv"
HEADER = ["region", "cohort_start", "cohort_end", "reference_year", "category", "admitted",
          "present"]

#: (first admission year, last admission year, reference year, people admitted in Quebec,
#: how much less Montréal attracts than in the first cohort).
COHORTS = [
    (1996, 2005, 2006, 332_000, 1.00),
    (2006, 2015, 2016, 486_000, 0.98),
    (2011, 2020, 2021, 505_000, 0.96),
]

#: Per region: share of admissions (weight) and the share of those still present (retention).
REGIONS = {
    "01": (0.50, 0.50), "02": (0.60, 0.52), "03": (5.00, 0.72), "04": (0.90, 0.58),
    "05": (2.00, 0.66), "06": (72.0, 0.86), "07": (3.50, 0.76), "08": (0.35, 0.45),
    "09": (0.20, 0.40), "10": (0.05, 0.35), "11": (0.10, 0.38), "12": (0.80, 0.55),
    "13": (5.00, 0.80), "14": (1.20, 0.68), "15": (1.50, 0.68), "16": (8.50, 0.78),
    "17": (0.70, 0.56),
}

#: Per category: share of admissions, retention factor, and how much more it settles outside
#: Montréal (refugees are often resettled in regional cities).
CATEGORIES = {
    ImmigrationCategory.ECONOMIC: (0.60, 1.00, 1.00),
    ImmigrationCategory.FAMILY: (0.22, 1.05, 0.90),
    ImmigrationCategory.REFUGEE: (0.13, 0.95, 1.60),
    ImmigrationCategory.OTHER: (0.05, 0.90, 1.00),
}


def generate_demo_rows(seed: int = 2026) -> list[dict]:
    """The fictitious rows, always the same for a seed. The "all" category is the sum of the
    four others; present never exceeds admitted."""
    rng = random.Random(seed)  # noqa: S311 (fictitious figures, not security)
    rows = []
    for start, end, year, quebec_admitted, montreal_pull in COHORTS:
        for code, (weight, retention) in REGIONS.items():
            totals = [0, 0]
            per_category = []
            for category, (cat_share, cat_retention, outside_pull) in CATEGORIES.items():
                pull = montreal_pull if code == "06" else outside_pull * (2 - montreal_pull)
                admitted = round(quebec_admitted * weight / 100 * cat_share * pull
                                 * rng.uniform(0.92, 1.08))
                admitted = max(admitted, 5)
                rate = min(retention * cat_retention * rng.uniform(0.95, 1.05), 0.97)
                present = min(round(admitted * rate), admitted)
                per_category.append((category, admitted, present))
                totals[0] += admitted
                totals[1] += present
            for category, admitted, present in [(ImmigrationCategory.ALL, *totals),
                                                *per_category]:
                rows.append({"region": code, "cohort_start": start, "cohort_end": end,
                             "reference_year": year, "category": str(category),
                             "admitted": admitted, "present": present})
    return rows


def write_demo_file(path: Path = DEMO_FILE) -> int:
    """Write the generated rows as the importer's CSV (UTF-8, comma); returns the row count."""
    rows = generate_demo_rows()
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def read_demo_file(path: Path = DEMO_FILE) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


KEY_FIELDS = ("cohort_start", "cohort_end", "reference_year", "category")


@transaction.atomic
def seed_demo_cohorts(path: Path = DEMO_FILE) -> int:
    """Load the fictitious file into ``CohortStatistic``, marked ``is_demo``; returns how many
    rows were new. Idempotent: a second run writes nothing and creates nothing. Figures an
    administrator imported (``is_demo=False``) are never overwritten.

    A run that writes rows is recorded in the import history like an administrator's import
    (file name, SHA-256, counts), marked as demo data and uploaded by nobody; the rows it
    wrote point to it."""
    import hashlib

    from django.utils import timezone

    from .models import CohortImport

    regions = dict(Region.objects.values_list("code", "pk"))
    data = Path(path).read_bytes()
    rows = read_demo_file(path)
    existing = {
        (region_id, *key): (is_demo, admitted, present) for region_id, *key, is_demo, admitted,
        present in CohortStatistic.objects.values_list("region_id", *KEY_FIELDS, "is_demo",
                                                       "admitted", "present")}
    objects, new, changed = [], 0, 0
    for row in rows:
        region_id = regions[row["region"]]
        key = (region_id, int(row["cohort_start"]), int(row["cohort_end"]),
               int(row["reference_year"]), row["category"])
        figures = (True, int(row["admitted"]), int(row["present"]))
        stored = existing.get(key)
        if stored is not None and (stored[0] is False or stored == figures):
            continue  # real figures win over the demo's; unchanged rows are left alone
        new += stored is None
        changed += stored is not None
        objects.append(CohortStatistic(
            region_id=region_id, cohort_start=key[1], cohort_end=key[2], reference_year=key[3],
            category=key[4], admitted=figures[1], present=figures[2], is_demo=True))
    if not objects:
        return 0
    now = timezone.now()
    record = CohortImport.objects.create(
        uploaded_by=None, created_at=now, finished_at=now, file_name=Path(path).name,
        sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        status=CohortImport.Status.DONE, rows_total=len(rows), rows_new=new,
        rows_updated=changed, rows_unchanged=len(rows) - new - changed, rows_done=len(rows),
        is_demo=True)
    for obj in objects:
        obj.last_import = record
    CohortStatistic.objects.bulk_create(
        objects, update_conflicts=True, unique_fields=["region", *KEY_FIELDS],
        update_fields=["admitted", "present", "is_demo", "last_import"])
    return new
