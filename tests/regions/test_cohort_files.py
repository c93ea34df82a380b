"""The corpus of cohort files: every bad file is refused with a message saying what is wrong,
and nothing is written; good files in every accepted encoding, separator and format import the
same rows."""

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from regions import services
from regions.cohorts import COLUMNS, cohort_preview
from regions.models import CohortImport, CohortStatistic

pytestmark = pytest.mark.django_db

HEADER = "région;debut_cohorte;fin_cohorte;annee_reference;categorie;admis;presents"
GOOD_ROWS = [
    ["06", "2006", "2015", "2016", "", "1 234", "1\u00a0100"],
    ["Saguenay–Lac-Saint-Jean", "2006", "2015", "2016", "économique", "120", "80"],
    ["saguenay-lac-saint-jean", "2006", "2015", "2016", "Regroupement familial", "40", "35"],
    ["3", "2006", "2015", "2021", "Réfugiés", "2\u202f000", "1500"],
    ["MONTREAL", "1996", "2005", "2016", "autres", "900", "0"],
]
EXPECTED = {
    ("06", 2006, 2015, 2016, "all", 1234, 1100),
    ("02", 2006, 2015, 2016, "economic", 120, 80),
    ("02", 2006, 2015, 2016, "family", 40, 35),
    ("03", 2006, 2015, 2021, "refugee", 2000, 1500),
    ("06", 1996, 2005, 2016, "other", 900, 0),
}


def csv_bytes(rows, sep=";", encoding="utf-8", header=HEADER, newline="\r\n"):
    lines = [header.replace(";", sep)] + [sep.join(r) for r in rows]
    return (newline.join(lines) + newline).encode(encoding)


def xlsx_bytes(rows, header=HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header.split(";"))
    for row in rows:
        sheet.append([int(v) if v.isdigit() else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def stored():
    return set(CohortStatistic.objects.values_list(
        "region__code", "cohort_start", "cohort_end", "reference_year", "category",
        "admitted", "present"))


def run_import(admin, data, name):
    with translation.override("en"):
        started = services.cohort_import_start(
            actor=admin, upload=SimpleUploadedFile(name, data))
        assert started.errors == [], started.errors
        return services.cohort_import_confirm(actor=admin, cohort_import=started)


# ------------------------------------------------------------------------ good files


@pytest.mark.parametrize("name,data", [
    ("utf8.csv", csv_bytes(GOOD_ROWS, sep=";", encoding="utf-8")),
    ("utf8-bom.csv", csv_bytes(GOOD_ROWS, sep=";", encoding="utf-8-sig")),
    ("utf8-comma.csv", csv_bytes(GOOD_ROWS, sep=",", encoding="utf-8", newline="\n")),
    ("excel.csv", csv_bytes([[v.replace("\u202f", " ") for v in r] for r in GOOD_ROWS],
                            sep=";", encoding="cp1252")),
    ("excel-comma.csv", csv_bytes([[v.replace("\u202f", " ") for v in r] for r in GOOD_ROWS],
                                  sep=",", encoding="cp1252")),
    ("english.csv", csv_bytes(GOOD_ROWS, sep=",", header=",".join(COLUMNS))),
    ("classeur.xlsx", xlsx_bytes(GOOD_ROWS)),
])
def test_good_files_in_every_encoding_separator_and_format_import_the_same_rows(
        admin_user, name, data):
    done = run_import(admin_user, data, name)

    assert done.status == CohortImport.Status.DONE
    assert (done.rows_total, done.rows_new, done.rows_updated) == (5, 5, 0)
    assert stored() == EXPECTED
    assert set(CohortStatistic.objects.values_list("last_import", flat=True)) == {done.pk}


def test_cp1252_file_really_is_not_utf8():
    data = csv_bytes([[v.replace("\u202f", " ") for v in r] for r in GOOD_ROWS],
                     encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert cohort_preview(data, "excel.csv").ok


def test_header_in_another_order_and_case_is_understood():
    header = "PRÉSENTS;Admis;Région;Catégorie;Année référence;Fin cohorte;Début cohorte"
    row = ["80", "120", "Côte-Nord", "toutes", "2016", "2015", "2006"]
    preview = cohort_preview(csv_bytes([row], header=header), "f.csv")
    assert preview.ok, preview.errors
    assert preview.new == 1


# ------------------------------------------------------------------------ bad files

def bad(data, name="cohortes.csv"):
    with translation.override("en"):
        return cohort_preview(data, name)


def truncated_xlsx():
    data = xlsx_bytes(GOOD_ROWS)
    return data[: len(data) // 2]


BAD_FILES = {
    "wrong header": (
        csv_bytes(GOOD_ROWS, header="region;start;end;year;category;admitted;present"),
        "cohortes.csv", 1, "", ["expected columns", "cohort_start", "debut_cohorte"]),
    "unknown region": (
        csv_bytes([GOOD_ROWS[0], ["Atlantide", "2006", "2015", "2016", "", "10", "5"]]),
        "cohortes.csv", 3, "region", ["Unknown region “Atlantide”"]),
    "region code out of range": (
        csv_bytes([["18", "2006", "2015", "2016", "", "10", "5"]]),
        "cohortes.csv", 2, "region", ["Unknown region “18”"]),
    "negative count": (
        csv_bytes([["06", "2006", "2015", "2016", "", "-10", "5"]]),
        "cohortes.csv", 2, "admitted", ["cannot be negative"]),
    "non-numeric count": (
        csv_bytes([["06", "2006", "2015", "2016", "", "10", "beaucoup"]]),
        "cohortes.csv", 2, "present", ["“beaucoup” is not a whole number"]),
    "decimal count": (
        csv_bytes([["06", "2006", "2015", "2016", "", "10,5", "5"]]),
        "cohortes.csv", 2, "admitted", ["not a whole number"]),
    "present above admitted": (
        csv_bytes([["06", "2006", "2015", "2016", "", "10", "11"]]),
        "cohortes.csv", 2, "present", ["More people present (11) than admitted (10)"]),
    "cohort ends before it starts": (
        csv_bytes([["06", "2015", "2006", "2016", "", "10", "5"]]),
        "cohortes.csv", 2, "cohort_end", ["ends (2006) before it starts (2015)"]),
    "reference year before the cohort": (
        csv_bytes([["06", "2006", "2015", "2001", "", "10", "5"]]),
        "cohortes.csv", 2, "reference_year", ["before the cohort"]),
    "unknown category": (
        csv_bytes([["06", "2006", "2015", "2016", "touristes", "10", "5"]]),
        "cohortes.csv", 2, "category", ["Unknown category “touristes”"]),
    "duplicate rows": (
        csv_bytes([GOOD_ROWS[0], GOOD_ROWS[1], ["Montréal", "2006", "2015", "2016", "toutes",
                                                "5", "1"]]),
        "cohortes.csv", 4, "", ["Duplicate row: lines 2 and 4"]),
    "missing value": (
        csv_bytes([["06", "2006", "2015", "2016", "", "10"]]),
        "cohortes.csv", 2, "present", ["Value missing"]),
    "too many values": (
        csv_bytes([["06", "2006", "2015", "2016", "", "10", "5", "99"]]),
        "cohortes.csv", 2, "", ["8 values; the header has 7 columns"]),
    "empty file": (b"", "cohortes.csv", 0, "", ["The file is empty"]),
    "blank lines only": (b"\r\n \r\n", "cohortes.csv", 0, "", ["The file is empty"]),
    "header only": (csv_bytes([]), "cohortes.csv", 0, "", ["no data rows"]),
    "binary file named .csv": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "cohortes.csv", 0, "",
        ["not a text file"]),
    "xlsx named .csv": (xlsx_bytes(GOOD_ROWS), "cohortes.csv", 0, "", ["not a text file"]),
    "truncated xlsx": (truncated_xlsx(), "cohortes.xlsx", 0, "",
                       ["not a valid XLSX workbook"]),
    "text named .xlsx": (csv_bytes(GOOD_ROWS), "cohortes.xlsx", 0, "",
                         ["not a valid XLSX workbook"]),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_refused_with_its_message_and_nothing_is_written(admin_user, case):
    data, name, row, column, fragments = BAD_FILES[case]
    preview = bad(data, name)

    assert not preview.ok
    error = next((e for e in preview.errors if e.row == row and e.column == column), None)
    assert error is not None, preview.errors
    for fragment in fragments:
        assert fragment in error.message

    with translation.override("en"):
        started = services.cohort_import_start(actor=admin_user,
                                               upload=SimpleUploadedFile(name, data))
    assert started.rows_error >= 1 and started.errors
    with pytest.raises(ValidationError):
        services.cohort_import_confirm(actor=admin_user, cohort_import=started)
    assert not CohortStatistic.objects.exists()
    started.refresh_from_db()
    assert started.status == CohortImport.Status.PREVIEWED


def test_one_bad_row_among_good_ones_refuses_the_whole_file(admin_user):
    rows = GOOD_ROWS + [["06", "2006", "2015", "2016", "familial", "10", "11"]]
    preview = bad(csv_bytes(rows))
    assert (preview.rows_total, preview.new) == (6, 5)
    assert [(e.row, e.column) for e in preview.errors] == [(7, "present")]



# --- One rule for digits: ASCII 0-9 only ----------------------------------------------------


@pytest.mark.parametrize("value", ["²", "12²", "①", "١٢٣", "١٢٣.0", "１２３", "１２３.0", "-²"])
def test_a_number_written_with_other_digits_than_0_to_9_is_refused_alike(value):
    preview = bad(csv_bytes([["06", "2006", "2015", "2016", "", value, "0"]]))

    assert [(e.row, e.column) for e in preview.errors] == [(2, "admitted")]
    assert f"“{value}” is not a whole number" in preview.errors[0].message


def test_a_whole_number_written_with_a_zero_decimal_is_read():
    preview = cohort_preview(csv_bytes([["06", "2006", "2015", "2016", "", "123.0", "1,0"]]),
                             "cohortes.csv")
    assert preview.ok and preview.new == 1


# --- The sheet imported is the one the person sees -----------------------------------------


def _workbook(change) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(";"))
    sheet.append(["06", 2006, 2015, 2016, "", 10, 5])
    change(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _hidden_first_sheet(workbook):
    workbook.active.sheet_state = "hidden"
    shown = workbook.create_sheet("shown")
    shown.append(HEADER.split(";"))
    shown.append(["06", 2006, 2015, 2016, "", 99, 50])
    workbook.active = 1


@pytest.mark.parametrize("change, fragment", [
    (_hidden_first_sheet, "The workbook has 2 sheets (“Sheet”, “shown”)"),
    (lambda wb: wb.create_sheet("notes"), "The workbook has 2 sheets"),
    (lambda wb: wb.active.__setitem__("F2", "=4+6"), "The sheet has formulas"),
], ids=["hidden first sheet", "two sheets", "formula"])
def test_a_workbook_whose_import_would_not_be_what_is_seen_is_refused(change, fragment):
    preview = bad(_workbook(change), "cohortes.xlsx")

    assert [e.message for e in preview.errors if fragment in e.message], preview.errors
    assert preview.rows_total == 0 and preview.new == 0


def test_a_nul_byte_far_into_a_csv_file_is_refused_as_binary():
    data = csv_bytes(GOOD_ROWS) + b"\r\n" * 40_000 + b"06;2006\x00;2015\r\n"
    assert data.index(b"\x00") > 65536

    preview = bad(data)

    assert "not a text file" in preview.errors[0].message
