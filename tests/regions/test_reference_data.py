import csv
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command

from antennes.models import Office, OfficeTerritory, Sit
from regions.models import Mrc, Municipality, Region
from regions.services import reference_data_load

pytestmark = pytest.mark.django_db
FIXTURES = settings.BASE_DIR / "fixtures"


def snapshot():
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (Sit, Region, Mrc, Municipality, Office, OfficeTerritory)
    }


def test_the_network_is_loaded_in_full():
    assert Region.objects.count() == 17
    assert Sit.objects.count() == 4
    assert Office.objects.filter(kind=Office.Kind.ANTENNE).count() == 21
    assert Office.objects.filter(kind=Office.Kind.SIT_SEAT).count() == 4
    assert Municipality.objects.count() == 1285
    assert Mrc.objects.count() == 87


def test_every_region_lies_in_exactly_one_sit_and_has_a_default_office():
    for region in Region.objects.all():
        assert region.sit_id is not None
        region_wide = OfficeTerritory.objects.filter(region=region, mrc=None, municipality=None)
        assert region_wide.count() == 1, region


def test_each_sit_has_its_seat_city():
    seats = dict(Office.objects.filter(kind="sit_seat").values_list("sit__slug", "city"))
    assert seats == {
        "ouest": "Gatineau",
        "montreal-laval": "Montréal",
        "estrie-monteregie-mauricie-cdq": "Sherbrooke",
        "capitale-nationale-est": "Québec",
    }


def test_every_antenne_is_attached_to_the_sit_the_ministry_named():
    with (FIXTURES / "offices.csv").open(encoding="utf-8") as fh:
        expected = {row["city"]: row["sit"] for row in csv.DictReader(fh)}
    actual = dict(Office.objects.values_list("city", "sit__slug"))
    assert actual == expected


def test_a_second_load_changes_nothing():
    before = snapshot()
    report = reference_data_load()
    assert report.created == {} and report.updated == {}
    assert snapshot() == before


def test_the_command_is_idempotent(capsys):
    call_command("load_reference_data")
    assert "already up to date" in capsys.readouterr().out
    assert Municipality.objects.count() == 1285


def test_a_renamed_municipality_is_updated_in_place(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES, data)
    path = data / "quebec_municipalities.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for row in rows:
        if row["code"] == "37067":
            row["name"] = "Trois-Rivières-sur-Saint-Laurent"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=rows[0].keys())
        writer.writeheader()
        writer.writerows(rows)
    pk = Municipality.objects.get(code="37067").pk

    report = reference_data_load(data_dir=data)

    assert report.updated == {"municipality": 1}
    municipality = Municipality.objects.get(code="37067")
    assert municipality.pk == pk
    assert municipality.name == "Trois-Rivières-sur-Saint-Laurent"
    assert Municipality.objects.search("trois-rivieres-sur").get() == municipality
    assert Municipality.objects.count() == 1285


def test_a_territory_moved_by_an_administrator_survives_a_refresh():
    granby_mrc = OfficeTerritory.objects.get(mrc__code="470")
    granby_mrc.office = Office.objects.get(slug="sherbrooke")
    granby_mrc.save()

    reference_data_load()

    assert OfficeTerritory.objects.get(mrc__code="470").office.slug == "sherbrooke"


def test_a_missing_file_fails_without_writing(tmp_path):
    from django.core.management.base import CommandError

    (tmp_path / "regions.csv").write_text("code,name,sit\n", encoding="utf-8")
    before = snapshot()
    with pytest.raises(CommandError, match="Missing reference file"):
        call_command("load_reference_data", data_dir=tmp_path)
    assert snapshot() == before


def test_register_search_ignores_case_accents_and_finds_codes():
    assert Municipality.objects.search("TROIS-RIVIERES").filter(code="37067").exists()
    assert Municipality.objects.search("37067").get().name == "Trois-Rivières"
    assert Mrc.objects.search("memphremagog").get().code == "450"
