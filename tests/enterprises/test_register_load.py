"""An administrator loads the Registraire des entreprises' open-data ZIP: streamed, upserted by
NEQ, all or nothing, each load recorded; loading the same file again changes nothing; a bad or
oversized file is refused with a clear message and leaves the register's data as it was."""

import tracemalloc
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from enterprises.models import RegisterCode, RegisterEnterprise, RegisterLoad
from enterprises.register import Limits, register_load, register_lookup
from tests.enterprises.register_sample import (
    CODES,
    ENTREPRISE_HEADER,
    Enterprise,
    generated,
    write_sample,
)
from tests.factories.enterprises import valid_neq

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The load's messages and labels are read here in English (the portal's default is
    French; the French texts are the catalogue's)."""
    with translation.override("en"):
        yield

ACTIVE = Enterprise(neq=valid_neq(4_200_001), name="Usinage Mékinac inc.",
                    other_names=("Mékinac Métal",), old_name="Soudure Mékinac enr.")
STRUCK = Enterprise(neq=valid_neq(4_200_002), name="Scierie Disparue ltée", status="RO",
                    form="IND", address_shown=False)


def snapshot():
    return (sorted(RegisterEnterprise.objects.values_list(
                "neq", "name", "other_names", "address", "status_code", "legal_form_code",
                "activity_code", "inserted_by_load", "changed_by_load")),
            sorted(RegisterCode.objects.values_list("domain", "code", "label")))


def test_a_load_keeps_each_enterprise_with_its_names_address_form_status_and_activity(
        tmp_path):
    load = register_load(path=str(write_sample(tmp_path / "registre.zip", [ACTIVE, STRUCK])))

    assert (load.status, load.rows_read, load.rows_inserted, load.rows_updated) == (
        RegisterLoad.Status.SUCCEEDED, 2, 2, 0)
    assert load.file_name == "registre.zip" and load.finished_at
    active = register_lookup(ACTIVE.neq)
    assert active.name == "Usinage Mékinac inc."
    # The former name (it has an end date) is not among the other names.
    assert active.other_names == "Mékinac Métal"
    assert active.address == "1250, avenue de la Station, Shawinigan (Québec), Canada, G9N 1V9"
    assert active.legal_form == "corporation"
    assert (active.activity_code, active.activity_description) == (
        "3329", "Fabrication de produits métalliques")
    assert not active.ended
    struck = register_lookup(STRUCK.neq)
    assert struck.struck_off and struck.status_label == "Struck off by the registrar"
    assert struck.legal_form == "sole_proprietorship"
    # The register says this domicile address may not be shown: it is never stored.
    assert struck.address == ""
    assert register_lookup(valid_neq(4_200_003)) is None


def test_a_second_load_of_the_same_file_changes_nothing_and_a_new_file_only_what_changed(
        tmp_path):
    path = write_sample(tmp_path / "registre.zip", [ACTIVE, STRUCK])
    register_load(path=str(path))
    before = snapshot()

    again = register_load(path=str(path))

    assert (again.status, again.rows_read, again.rows_inserted, again.rows_updated) == (
        RegisterLoad.Status.SUCCEEDED, 2, 0, 0)
    assert snapshot() == before

    renamed = Enterprise(**{**ACTIVE.__dict__, "name": "Usinage Mékinac 2027 inc."})
    newcomer = Enterprise(neq=valid_neq(4_200_004), name="Nouvelle Boulangerie inc.")
    changed = register_load(path=str(write_sample(tmp_path / "nouveau.zip",
                                                  [renamed, STRUCK, newcomer])))
    assert (changed.rows_read, changed.rows_inserted, changed.rows_updated) == (3, 1, 1)
    assert register_lookup(ACTIVE.neq).name == "Usinage Mékinac 2027 inc."
    assert RegisterLoad.objects.filter(status="succeeded").count() == 3


def test_loading_100000_enterprises_runs_in_bounded_memory_and_twice_changes_nothing(
        tmp_path):
    count = 100_000
    path = write_sample(tmp_path / "registre.zip", lambda: generated(count))
    with zipfile.ZipFile(path) as archive:
        unzipped = sum(info.file_size for info in archive.infolist())
    assert unzipped > 25 * 1024**2

    tracemalloc.start()
    try:
        first = register_load(path=str(path), batch_size=1000)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert (first.status, first.rows_read, first.rows_inserted, first.rows_updated) == (
        "succeeded", count, count, 0), first.message
    # Rows are streamed out of the ZIP and written 1,000 at a time: the peak of Python's
    # memory is a small fraction of the file's unzipped size.
    assert peak < 12 * 1024**2 < unzipped / 2, (peak, unzipped)
    assert RegisterEnterprise.objects.count() == count

    second = register_load(path=str(path), batch_size=1000)
    assert (second.status, second.rows_read, second.rows_inserted, second.rows_updated) == (
        "succeeded", count, 0, 0)
    assert RegisterEnterprise.objects.count() == count
    assert not RegisterEnterprise.objects.filter(changed_by_load=second.pk).exists()


def write_bytes(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("make_file, message", [
    (lambda d: write_bytes(d / "registre.zip", b"NEQ,NOM\n1234567890,X\n"),
     "The file is not a ZIP archive"),
    (lambda d: write_sample(d / "registre.zip", [ACTIVE], skip=("Nom.csv",)),
     "The file has no Nom.csv"),
    (lambda d: write_sample(d / "registre.zip", [ACTIVE], entreprise_header=[
        c for c in ENTREPRISE_HEADER if c != "COD_STAT_IMMAT"]),
     "Entreprise.csv lacks the columns COD_STAT_IMMAT."),
    (lambda d: write_sample(d / "registre.zip", [ACTIVE, Enterprise(neq="11-ABC", name="X")]),
     "Line 3 of Entreprise.csv: “11-ABC” is not an NEQ (10 digits)."),
])
def test_a_bad_file_is_refused_with_a_message_and_the_register_is_unchanged(
        tmp_path, make_file, message):
    register_load(path=str(write_sample(tmp_path / "good.zip", [ACTIVE, STRUCK])))
    before = snapshot()
    bad = tmp_path / "bad"
    bad.mkdir()
    # The bad file also renames an enterprise, before the row that makes it bad.
    renamed = Enterprise(**{**ACTIVE.__dict__, "name": "Renommée à tort inc."})
    path = make_file(bad) if "11-ABC" not in message else write_sample(
        bad / "registre.zip", [renamed, Enterprise(neq="11-ABC", name="X")])

    load = register_load(path=str(path))

    assert load.status == RegisterLoad.Status.FAILED
    assert message in load.message
    assert snapshot() == before
    with pytest.raises(CommandError, match="load"):
        call_command("load_register", str(path))


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "registre.zip"
    with zipfile.ZipFile(write_sample(tmp_path / "good.zip", [ACTIVE])) as good, \
            zipfile.ZipFile(path, "w") as bad:
        for info in good.infolist():
            data = good.read(info)
            if info.filename == "Nom.csv":
                data = data.decode("utf-8-sig").encode("cp1252")
            bad.writestr(info.filename, data)
    load = register_load(path=str(path))
    assert load.status == "failed"
    assert "Nom.csv is not UTF-8 text" in load.message
    assert not RegisterEnterprise.objects.exists()


def test_an_oversized_or_zip_bomb_file_is_refused_before_anything_is_read(tmp_path):
    path = write_sample(tmp_path / "registre.zip", [ACTIVE])
    too_big = register_load(path=str(path), limits=Limits(max_file_bytes=100))
    assert too_big.status == "failed" and "over the limit" in too_big.message

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in ("Entreprise.csv", "Nom.csv", "DomaineValeur.csv"):
            archive.writestr(name, ",".join(["NEQ"] * 3) + "\n" + " " * (5 * 1024**2))
    refused = register_load(path=str(bomb))
    assert refused.status == "failed"
    assert "unzips to more than 100 times its size" in refused.message
    assert not RegisterEnterprise.objects.exists()


def test_the_command_loads_the_file_and_says_what_it_did(tmp_path, capsys):
    path = write_sample(tmp_path / "registre.zip", [ACTIVE, STRUCK], codes=CODES)
    call_command("load_register", str(path))
    assert "2 enterprises read, 2 inserted, 0 updated" in capsys.readouterr().out


def test_a_field_longer_than_any_real_one_is_refused_and_the_csv_limit_is_put_back(tmp_path):
    import csv

    before = csv.field_size_limit()
    huge = Enterprise(neq=valid_neq(4_200_005), name="X" * 20_000)
    load = register_load(path=str(write_sample(tmp_path / "registre.zip", [ACTIVE, huge])))
    assert load.status == "failed"
    assert "Nom.csv is not a valid CSV file" in load.message
    assert not RegisterEnterprise.objects.exists()
    assert csv.field_size_limit() == before
