"""Loading the reference data: regions, SITs, offices, MRCs, municipalities, territories."""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.utils.text import slugify

from antennes.models import Office, OfficeTerritory, Sit
from portal.text import fold

from .models import Mrc, Municipality, Region

DEFAULT_DATA_DIR = Path(settings.BASE_DIR) / "fixtures"


class ReferenceDataError(Exception):
    """The reference files are missing or inconsistent; nothing was written."""


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, model: str, n: int = 1):
        bucket = self.created if kind == "created" else self.updated
        bucket[model] = bucket.get(model, 0) + n


def _read(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError as exc:
        raise ReferenceDataError(f"Missing reference file: {path}") from exc


def _stored(obj, name):
    return getattr(obj, obj._meta.get_field(name).attname)


def _raw(value):
    return value.pk if isinstance(value, models.Model) else value


def _upsert(model, key: str, rows: dict[str, dict], report: LoadReport, label: str):
    """Create missing rows and update changed ones, keyed on ``key``; two queries plus
    one bulk write each way. Returns {key value: instance}."""
    existing = {getattr(o, key): o for o in model.objects.filter(**{f"{key}__in": list(rows)})}
    to_create, to_update, changed_fields = [], [], set()
    for value, data in rows.items():
        obj = existing.get(value)
        if obj is None:
            to_create.append(model(**{key: value}, **data))
            continue
        diff = {f for f, v in data.items() if _stored(obj, f) != _raw(v)}
        if diff:
            for f in diff:
                setattr(obj, f, data[f])
            changed_fields |= diff
            to_update.append(obj)
    if to_create:
        for obj in to_create:
            if hasattr(obj, "search_name"):
                obj.search_name = fold(obj.name)
        model.objects.bulk_create(to_create, batch_size=500)
        report.count("created", label, len(to_create))
    if to_update:
        for obj in to_update:
            if hasattr(obj, "search_name"):
                obj.search_name = fold(obj.name)
                changed_fields.add("search_name")
        model.objects.bulk_update(to_update, sorted(changed_fields), batch_size=500)
        report.count("updated", label, len(to_update))
    return {getattr(o, key): o for o in model.objects.filter(**{f"{key}__in": list(rows)})}


@transaction.atomic
def reference_data_load(*, data_dir: Path = DEFAULT_DATA_DIR) -> LoadReport:
    """Load or refresh the regional network from ``data_dir``. Idempotent: a second run
    changes nothing; a renamed municipality or office is updated in place (matched on its
    code). Offices added by an administrator and territories an administrator moved are
    kept: a territory piece from the file is only created when no office serves it yet."""
    data_dir = Path(data_dir)
    report = LoadReport()
    regions_csv = _read(data_dir / "regions.csv")
    offices_csv = _read(data_dir / "offices.csv")
    municipalities_csv = _read(data_dir / "quebec_municipalities.csv")
    territories_csv = _read(data_dir / "office_territories.csv")

    sits = _upsert(
        Sit, "slug", {r["sit"]: {"name": r["sit_name"]} for r in offices_csv}, report, "sit"
    )
    regions = _upsert(
        Region,
        "code",
        {r["code"]: {"name": r["name"], "sit": sits[r["sit"]]} for r in regions_csv},
        report,
        "region",
    )
    mrc_rows = {}
    for r in municipalities_csv:
        if r["mrc_code"]:
            mrc_rows[r["mrc_code"]] = {"name": r["mrc_name"], "region": regions[r["region_code"]]}
    mrcs = _upsert(Mrc, "code", mrc_rows, report, "mrc")
    municipalities = _upsert(
        Municipality,
        "code",
        {
            r["code"]: {
                "name": r["name"],
                "designation": r["designation"],
                "region": regions[r["region_code"]],
                "mrc": mrcs.get(r["mrc_code"]),
                "metropolitan_community": r["metropolitan_community"],
                "population": int(r["population"] or 0),
                "website": r["website"],
            }
            for r in municipalities_csv
        },
        report,
        "municipality",
    )
    offices = _upsert(
        Office,
        "slug",
        {
            slugify(r["city"]): {
                "city": r["city"],
                "kind": r["kind"],
                "sit": sits[r["sit"]],
                "region": regions[r["region_code"]],
                "municipality": municipalities[r["municipality_code"]],
            }
            for r in offices_csv
        },
        report,
        "office",
    )
    _seed_territories(territories_csv, offices, regions, mrcs, municipalities, report)
    return report


def _seed_territories(rows, offices, regions, mrcs, municipalities, report):
    served_regions = set(
        OfficeTerritory.objects.filter(mrc=None, municipality=None).values_list("region_id",
                                                                                flat=True)
    )
    served_mrcs = set(OfficeTerritory.objects.exclude(mrc=None).values_list("mrc_id", flat=True))
    served_municipalities = set(
        OfficeTerritory.objects.exclude(municipality=None).values_list("municipality_id",
                                                                       flat=True)
    )
    new = []
    for r in rows:
        office = offices.get(slugify(r["office_city"]))
        if office is None:
            raise ReferenceDataError(
                f"Unknown office in office_territories.csv: {r['office_city']}"
            )
        region = regions[r["region_code"]]
        if r["municipality_code"]:
            municipality = municipalities[r["municipality_code"]]
            if municipality.pk in served_municipalities:
                continue
            served_municipalities.add(municipality.pk)
            new.append(OfficeTerritory(office=office, region=region, municipality=municipality))
        elif r["mrc_code"]:
            mrc = mrcs[r["mrc_code"]]
            if mrc.pk in served_mrcs:
                continue
            served_mrcs.add(mrc.pk)
            new.append(OfficeTerritory(office=office, region=region, mrc=mrc))
        else:
            if region.pk in served_regions:
                continue
            served_regions.add(region.pk)
            new.append(OfficeTerritory(office=office, region=region))
    if new:
        OfficeTerritory.objects.bulk_create(new)
        report.count("created", "office_territory", len(new))
