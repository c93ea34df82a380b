"""Importing cohort files: preview then confirm, re-imports that change nothing, updates of only
the changed rows, who may import, the history, the Celery job for large files, all or nothing."""

import hashlib

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import translation

from regions import services
from regions.models import CohortImport, CohortStatistic, Region

pytestmark = pytest.mark.django_db

HEADER = "region,cohort_start,cohort_end,reference_year,category,admitted,present"


def csv_file(rows, name="cohortes.csv"):
    body = "\n".join([HEADER] + [",".join(map(str, r)) for r in rows]) + "\n"
    return SimpleUploadedFile(name, body.encode())


def rows_for(regions=("01", "02", "03"), admitted=100, present=60):
    return [[code, 2006, 2015, year, category, admitted, present]
            for code in regions for year in (2016, 2021) for category in ("all", "economic")]


def import_file(actor, upload):
    with translation.override("en"):
        started = services.cohort_import_start(actor=actor, upload=upload)
        return services.cohort_import_confirm(actor=actor, cohort_import=started)


def test_preview_writes_nothing_and_confirm_writes_the_rows(admin_user):
    started = services.cohort_import_start(actor=admin_user, upload=csv_file(rows_for()))

    assert started.status == CohortImport.Status.PREVIEWED
    assert (started.rows_total, started.rows_new, started.rows_error) == (12, 12, 0)
    assert not CohortStatistic.objects.exists()

    done = services.cohort_import_confirm(actor=admin_user, cohort_import=started)
    assert done.status == CohortImport.Status.DONE and done.finished_at
    assert CohortStatistic.objects.count() == 12
    assert services.cohort_import_progress(done) == 12


def test_reimporting_the_same_file_changes_nothing(admin_user):
    first = import_file(admin_user, csv_file(rows_for()))
    before = list(CohortStatistic.objects.order_by("pk").values())

    preview = services.cohort_import_start(actor=admin_user, upload=csv_file(rows_for()))
    assert (preview.rows_new, preview.rows_updated, preview.rows_unchanged) == (0, 0, 12)
    second = services.cohort_import_confirm(actor=admin_user, cohort_import=preview)

    assert (second.rows_new, second.rows_updated, second.rows_unchanged) == (0, 0, 12)
    assert list(CohortStatistic.objects.order_by("pk").values()) == before
    assert set(CohortStatistic.objects.values_list("last_import", flat=True)) == {first.pk}


def test_changed_counts_update_only_those_rows_and_the_history_says_so(admin_user):
    first = import_file(admin_user, csv_file(rows_for()))
    rows = rows_for()
    rows[0][5:7] = [150, 90]      # 01 2016 all
    rows[7][6] = 61               # 02 2021 economic
    rows.append(["Estrie", 2006, 2015, 2016, "family", 10, 9])

    second = import_file(admin_user, csv_file(rows, name="cohortes-v2.csv"))

    assert (second.rows_new, second.rows_updated, second.rows_unchanged) == (1, 2, 10)
    changed = CohortStatistic.objects.filter(last_import=second)
    assert set(changed.values_list("region__code", "reference_year", "category", "admitted",
                                   "present")) == {
        ("01", 2016, "all", 150, 90), ("02", 2021, "economic", 100, 61),
        ("05", 2016, "family", 10, 9)}
    assert CohortStatistic.objects.filter(last_import=first).count() == 10
    history = list(CohortImport.objects.values_list("file_name", "rows_updated"))
    assert history == [("cohortes-v2.csv", 2), ("cohortes.csv", 0)]


def test_sha256_size_and_file_name_are_recorded_and_the_file_kept_privately(admin_user):
    upload = csv_file(rows_for(), name="Cohortes 2026.csv")
    content = upload.read()
    started = services.cohort_import_start(actor=admin_user, upload=upload)

    assert started.file_name == "Cohortes 2026.csv"
    assert started.sha256 == hashlib.sha256(content).hexdigest()
    assert started.size == len(content)
    assert started.uploaded_by == admin_user
    with started.file.open("rb") as fh:
        assert fh.read() == content

    done = services.cohort_import_confirm(actor=admin_user, cohort_import=started)
    assert not done.file  # deleted once applied; the fingerprint stays in the history


@pytest.mark.parametrize("role", ["sit_manager", "adviser", "partner"])
def test_only_central_administrators_import(world, role):
    user = world["users"][role]
    with pytest.raises(PermissionDenied):
        services.cohort_import_start(actor=user, upload=csv_file(rows_for()))
    started = services.cohort_import_start(actor=world["users"]["admin"],
                                           upload=csv_file(rows_for()))
    with pytest.raises(PermissionDenied):
        services.cohort_import_confirm(actor=user, cohort_import=started)
    with pytest.raises(PermissionDenied):
        services.cohort_import_cancel(actor=user, cohort_import=started)
    assert not CohortStatistic.objects.exists()


def test_a_file_with_errors_cannot_be_confirmed(admin_user):
    rows = rows_for()
    rows[3][6] = 1000
    started = services.cohort_import_start(actor=admin_user, upload=csv_file(rows))
    assert started.rows_error == 1
    assert started.errors[0]["row"] == 5 and started.errors[0]["column"] == "present"
    with pytest.raises(ValidationError):
        services.cohort_import_confirm(actor=admin_user, cohort_import=started)
    assert not CohortStatistic.objects.exists()


def test_cancelled_import_cannot_be_confirmed_and_writes_nothing(admin_user):
    started = services.cohort_import_start(actor=admin_user, upload=csv_file(rows_for()))
    cancelled = services.cohort_import_cancel(actor=admin_user, cohort_import=started)
    assert cancelled.status == CohortImport.Status.CANCELLED and not cancelled.file
    with pytest.raises(ValidationError):
        services.cohort_import_confirm(actor=admin_user, cohort_import=cancelled)
    assert not CohortStatistic.objects.exists()


def test_confirming_twice_applies_once(admin_user):
    started = services.cohort_import_start(actor=admin_user, upload=csv_file(rows_for()))
    services.cohort_import_confirm(actor=admin_user, cohort_import=started)
    with pytest.raises(ValidationError):
        services.cohort_import_confirm(actor=admin_user, cohort_import=started)
    assert CohortStatistic.objects.count() == 12


def test_a_file_above_the_sync_limit_is_queued_and_applied_by_the_job(
        admin_user, settings, django_capture_on_commit_callbacks, monkeypatch):
    settings.COHORT_IMPORT_SYNC_ROWS = 10
    monkeypatch.setattr(services, "COHORT_IMPORT_CHUNK", 5)
    seen = []
    real_set = cache.set

    def spy(key, value, *args, **kwargs):
        if key.startswith("cohort-import-progress:"):
            seen.append(value)
        return real_set(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    started = services.cohort_import_start(actor=admin_user, upload=csv_file(rows_for()))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = services.cohort_import_confirm(actor=admin_user, cohort_import=started)
    assert queued.status == CohortImport.Status.QUEUED
    assert not CohortStatistic.objects.exists()

    for callback in callbacks:  # the commit: the (eager) Celery job runs
        callback()
    queued.refresh_from_db()
    assert queued.status == CohortImport.Status.DONE
    assert CohortStatistic.objects.count() == 12
    assert services.cohort_import_progress(queued) == 12
    assert seen == [0, 0, 5, 10, 12]   # reported after every chunk


def test_all_or_nothing_a_failure_while_applying_leaves_nothing(admin_user, monkeypatch, caplog):
    import_file(admin_user, csv_file(rows_for(regions=("01",))))
    before = list(CohortStatistic.objects.order_by("pk").values())
    rows = rows_for(regions=("01", "02", "03", "04"), admitted=200)
    monkeypatch.setattr(services, "COHORT_IMPORT_CHUNK", 4)
    real = services._cohort_rows_upsert
    calls = []

    def failing_upsert(keys, *args, **kwargs):
        calls.append(len(keys))
        if len(calls) == 3:
            raise IntegrityError("disk full (simulated)")
        return real(keys, *args, **kwargs)

    monkeypatch.setattr(services, "_cohort_rows_upsert", failing_upsert)
    failed = import_file(admin_user, csv_file(rows))

    assert calls[:2] == [4, 4]  # two chunks were written before the failure...
    assert failed.status == CohortImport.Status.FAILED
    # The administrator reads what to do, never the exception; the log keeps it for us.
    assert ("rien n’a été modifié" in failed.errors[0]["message"]
            or "nothing was changed" in failed.errors[0]["message"])
    assert "disk full" not in failed.errors[0]["message"]
    assert "disk full" in caplog.text
    # ... and rolled back with the rest
    assert list(CohortStatistic.objects.order_by("pk").values()) == before


def test_regions_are_found_by_code_or_name_in_any_form(admin_user):
    rows = [[region, 2006, 2015, 2016, "all", 10, 5] for region in (
        "2", "Gaspésie-Îles-de-la-Madeleine", "CÔTE–NORD", "abitibi temiscamingue", "17")]
    done = import_file(admin_user, csv_file(rows))
    assert done.status == CohortImport.Status.DONE
    codes = set(CohortStatistic.objects.values_list("region__code", flat=True))
    assert codes == {"02", "11", "09", "08", "17"}
    assert Region.objects.count() == 17


def _dataset(rows):
    import tablib

    return tablib.Dataset(*rows, headers=HEADER.split(","))


def test_admin_import_finds_regions_by_name_and_is_idempotent():
    from regions.resources import CohortStatisticResource

    rows = [("Saguenay–Lac-Saint-Jean", 2006, 2015, 2016, "économique", "1 234", "1\u00a0000"),
            ("6", 2006, 2015, 2016, "", 50, 40)]
    result = CohortStatisticResource().import_data(_dataset(rows), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert set(CohortStatistic.objects.values_list(
        "region__code", "category", "admitted", "present")) == {
        ("02", "economic", 1234, 1000), ("06", "all", 50, 40)}

    again = CohortStatisticResource().import_data(_dataset(rows), dry_run=False)
    assert again.totals["skip"] == 2 and CohortStatistic.objects.count() == 2


@pytest.mark.parametrize("bad_row", [
    ("Atlantide", 2006, 2015, 2016, "all", 10, 5),
    ("06", 2006, 2015, 2016, "all", 10, 11),
    ("06", 2006, 2015, 2016, "all", -1, 0),
])
def test_admin_import_refuses_a_bad_row_and_writes_nothing(bad_row):
    from regions.resources import CohortStatisticResource

    rows = [("01", 2006, 2015, 2016, "all", 10, 5), bad_row]
    result = CohortStatisticResource().import_data(_dataset(rows), dry_run=False)
    assert result.has_errors() or result.has_validation_errors()
    assert not CohortStatistic.objects.exists()
