"""Cohort imports at scale: how the fast reading of a file reports what is wrong, reads files as
spreadsheets save them, and how the apply writes rows on PostgreSQL (COPY into a temporary table,
then one INSERT ... ON CONFLICT) exactly as the portable path does on other databases."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from regions import services
from regions.cohorts import cohort_preview
from regions.models import CohortImport, CohortStatistic, Region

pytestmark = pytest.mark.django_db

HEADER = "region;cohort_start;cohort_end;reference_year;category;admitted;present"


def csv_bytes(lines):
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode()


def preview(lines):
    with translation.override("en"):
        return cohort_preview(csv_bytes(lines), "cohortes.csv")


def test_a_row_wrong_in_several_ways_reports_every_error_in_the_order_of_the_columns():
    result = preview(["06;2006;2015;2016;;10;5",
                      "Atlantide;abc;1850;2016;touristes;-5;x",
                      "06;2015;2006;2001;;10;11"])

    assert [(e.row, e.column) for e in result.errors] == [
        (3, "region"), (3, "cohort_start"), (3, "cohort_end"), (3, "admitted"),
        (3, "present"), (3, "category"),
        (4, "cohort_end"), (4, "reference_year"), (4, "present")]
    assert "“Atlantide”" in result.errors[0].message
    assert "“1850” is not a plausible year" in result.errors[2].message
    assert (result.rows_total, result.rows_error) == (3, 2)


def test_the_same_wrong_value_on_many_rows_is_reported_on_each_of_them():
    result = preview(["Atlantide;2006;2015;2016;;10;5"] * 3 + ["06;2006;2015;2016;;10;5"])

    assert [(e.row, e.column) for e in result.errors] == [
        (2, "region"), (3, "region"), (4, "region")]


def test_a_number_is_judged_by_its_column_a_count_of_3000_is_not_a_year():
    result = preview(["06;2006;2015;2016;;3000;2016", "06;2006;3000;2016;economic;10;5"])

    assert [(e.row, e.column) for e in result.errors] == [(3, "cohort_end")]
    assert "“3000” is not a plausible year" in result.errors[0].message


def test_rows_as_spreadsheets_save_them_trailing_separators_and_blank_lines_are_read():
    result = preview(["06;2006;2015;2016;;1 234;1 000;;", "", ";;;;;;",
                      "Côte-Nord;2006;2015;2016;économique;10;5;", "  "])

    assert result.ok, result.errors
    assert (result.rows_total, result.new) == (2, 2)


def import_file(actor, lines, name="cohortes.csv"):
    with translation.override("en"):
        started = services.cohort_import_start(
            actor=actor, upload=SimpleUploadedFile(name, csv_bytes(lines)))
        return services.cohort_import_confirm(actor=actor, cohort_import=started)


def test_an_import_of_many_chunks_writes_new_and_changed_rows_and_leaves_the_others(
        admin_user, monkeypatch):
    monkeypatch.setattr(services, "COHORT_IMPORT_CHUNK", 3)
    first = import_file(admin_user, [f"06;2006;2015;{year};;100;50" for year in range(2016, 2026)])
    lines = [f"06;2006;2015;{year};;100;{50 if year % 2 else 40}" for year in range(2016, 2026)]
    lines += [f"07;2006;2015;{year};;20;10" for year in range(2016, 2021)]

    second = import_file(admin_user, lines)

    assert second.status == CohortImport.Status.DONE
    assert (second.rows_new, second.rows_updated, second.rows_unchanged) == (5, 5, 5)
    by_import = dict(CohortStatistic.objects.values_list("reference_year", "last_import")
                     .filter(region__code="06"))
    assert by_import == {year: second.pk if year % 2 == 0 else first.pk
                         for year in range(2016, 2026)}
    assert CohortStatistic.objects.filter(region__code="06", present=40).count() == 5
    assert CohortStatistic.objects.filter(region__code="07", last_import=second).count() == 5


def stored_table():
    return sorted(CohortStatistic.objects.values_list(
        "region__code", "cohort_start", "cohort_end", "reference_year", "category",
        "admitted", "present", "is_demo", "last_import"))


@pytest.fixture
def imports(admin_user):
    return [CohortImport.objects.create(file_name=f"{n}.csv", sha256="0" * 64, size=1,
                                        uploaded_by=admin_user) for n in range(2)]


@pytest.mark.parametrize("write", [services._cohort_rows_copy,
                                   services._cohort_rows_bulk_create])
def test_postgresql_and_the_portable_path_write_the_same_rows(write, imports):
    montreal, laval = Region.objects.get(code="06"), Region.objects.get(code="13")
    kept = CohortStatistic.objects.create(
        region=montreal, cohort_start=2006, cohort_end=2015, reference_year=2016,
        category="all", admitted=100, present=50, last_import=imports[0])
    CohortStatistic.objects.create(
        region=montreal, cohort_start=2006, cohort_end=2015, reference_year=2021,
        category="all", admitted=100, present=50, last_import=imports[0])

    counts = {(montreal.pk, 2006, 2015, 2021, "all"): (100, 45),
              (laval.pk, 2006, 2015, 2016, "family"): (30, 30)}
    write(list(counts), counts, is_demo=True, import_id=imports[1].pk)

    assert stored_table() == [
        ("06", 2006, 2015, 2016, "all", 100, 50, False, imports[0].pk),
        ("06", 2006, 2015, 2021, "all", 100, 45, True, imports[1].pk),
        ("13", 2006, 2015, 2016, "family", 30, 30, True, imports[1].pk)]
    kept.refresh_from_db()
    assert kept.last_import == imports[0]


def test_on_postgresql_a_row_already_identical_when_written_keeps_its_last_import(imports):
    """Another import may have written the same figures between the plan and the write."""
    montreal = Region.objects.get(code="06")
    CohortStatistic.objects.create(
        region=montreal, cohort_start=2006, cohort_end=2015, reference_year=2016,
        category="all", admitted=100, present=50, last_import=imports[0])

    counts = {(montreal.pk, 2006, 2015, 2016, "all"): (100, 50),
              (montreal.pk, 2006, 2015, 2021, "all"): (100, 45),
              (montreal.pk, 2011, 2020, 2021, "all"): (7, 7)}
    keys = list(counts)
    services._cohort_rows_copy(keys[:2], counts, is_demo=False, import_id=imports[1].pk)
    services._cohort_rows_copy(keys[2:], counts, is_demo=False, import_id=imports[1].pk)

    assert [row[-1] for row in stored_table()] == [imports[0].pk, imports[1].pk,
                                                   imports[1].pk]
