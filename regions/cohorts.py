"""Cohort files: parsing, validation, preview (compared with the database) and application.

Files as people make them are accepted:

- CSV in UTF-8 (with or without BOM) or Windows-1252 (Excel's "CSV"), separated by commas or
  semicolons (French Excel), numbers written "1234", "1 234" (space, no-break space or narrow
  no-break space);
- XLSX with one visible sheet and no formulas (a workbook with several sheets, a hidden sheet
  or formula cells is refused: what would be imported would not be what the person sees).

Limits (stated on the import page): ``MAX_BYTES`` per file, ``MAX_ROWS`` lines,
``MAX_COLUMNS`` columns; an XLSX is opened only within ``portal.files``' zip limits. Numbers
are written with ASCII digits 0-9 only (« ² », « ① », Arabic-Indic or full-width digits are
not numbers here).

The header row names the columns, in any order, in any case, with or without accents; spaces and
hyphens count as underscores. Accepted names (``HEADER_ALIASES``):

====================  ================================================================
column                accepted header names
====================  ================================================================
region                region, région, region_code, code_region, code
cohort_start          cohort_start, debut_cohorte, cohorte_debut, annee_debut, debut
cohort_end            cohort_end, fin_cohorte, cohorte_fin, annee_fin, fin
reference_year        reference_year, annee_reference, annee_de_reference, annee
category              category, categorie, categorie_immigration
admitted              admitted, admis, admises, nombre_admis
present               present, presents, presentes, nombre_presents
====================  ================================================================

A region is given by its code ("06" or "6"), its name in any case, with or without accents and
with a hyphen or an en dash ("Saguenay-Lac-Saint-Jean"), or both ("06 Montréal"). An empty
category means all categories; English and French names are accepted (``CATEGORY_ALIASES``).

Everything is checked before anything is written: one bad row and the whole file is refused.
"""

from __future__ import annotations

import csv
import io
import operator
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from portal import files
from portal.text import fold

from .models import CohortStatistic, ImmigrationCategory, Region

COLUMNS = ["region", "cohort_start", "cohort_end", "reference_year", "category", "admitted",
           "present"]

#: The French header of the downloadable template, in the same order as ``COLUMNS``.
COLUMNS_FR = ["région", "debut_cohorte", "fin_cohorte", "annee_reference", "categorie", "admis",
              "presents"]

HEADER_ALIASES = {
    "region": ["region", "region_code", "code_region", "code"],
    "cohort_start": ["cohort_start", "debut_cohorte", "cohorte_debut", "debut_de_cohorte",
                     "annee_debut", "debut", "first_admission_year"],
    "cohort_end": ["cohort_end", "fin_cohorte", "cohorte_fin", "fin_de_cohorte", "annee_fin",
                   "fin", "last_admission_year"],
    "reference_year": ["reference_year", "annee_reference", "annee_de_reference", "annee",
                       "annee_de_presence"],
    "category": ["category", "categorie", "categorie_immigration",
                 "categorie_d_immigration", "immigration_category"],
    "admitted": ["admitted", "admis", "admises", "nombre_admis"],
    "present": ["present", "presents", "presentes", "nombre_presents"],
}

CATEGORY_ALIASES = {
    ImmigrationCategory.ALL: ["", "all", "all categories", "total", "toutes", "tous",
                              "toutes categories", "toutes les categories", "ensemble"],
    ImmigrationCategory.ECONOMIC: ["economic", "economic immigration", "economique",
                                   "immigration economique"],
    ImmigrationCategory.FAMILY: ["family", "family reunification", "familial", "familiale",
                                 "famille", "regroupement familial"],
    ImmigrationCategory.REFUGEE: ["refugee", "refugees", "refugie", "refugies", "refugiee",
                                  "refugiees", "refugie(e)s", "refugies et personnes en "
                                  "situation semblable"],
    ImmigrationCategory.OTHER: ["other", "others", "other immigrants", "autre", "autres",
                                "autres immigrants"],
}

#: Years outside this range are typing mistakes, not cohorts.
MIN_YEAR, MAX_YEAR = 1900, 2100
#: PositiveIntegerField's upper bound.
MAX_COUNT = 2_147_483_647
#: At most this many errors are reported for one file (the rest is counted, not listed).
MAX_ERRORS = 1000
#: The largest file read (bigger ones are refused before reading).
MAX_BYTES = 20 * 1024 * 1024
#: The most lines a file may have (header included), and columns a line may have.
MAX_ROWS = 200_000
MAX_COLUMNS = 50
#: Longest value quoted in a message.
MAX_QUOTED = 100
SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\t")

#: (region_id, cohort_start, cohort_end, reference_year, category)
Key = tuple[int, int, int, int, str]


@dataclass(frozen=True)
class RowError:
    row: int  # line number in the file; the header is line 1
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Preview:
    rows_total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows_error(self) -> int:
        return len({e.row for e in self.errors})


class FileRefused(Exception):
    """The file as a whole cannot be read (empty, binary, broken XLSX, wrong header)."""

    def __init__(self, message: str, row: int = 0, column: str = ""):
        super().__init__(message)
        self.error = RowError(row=row, column=column, message=message)


# ---------------------------------------------------------------------------------------------
# Reading: bytes -> header and rows of strings
# ---------------------------------------------------------------------------------------------


def _is_xlsx(data: bytes, file_name: str) -> bool:
    return PurePath(file_name or "").suffix.lower() in (".xlsx", ".xlsm")


def _decode(data: bytes) -> str:
    head = data[:8192]
    if b"\x00" in data or any(b < 32 and b not in (9, 10, 13) for b in head):
        raise FileRefused(_("The file is not a text file (CSV): it contains binary data. "
                            "Save it as CSV or XLSX."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise FileRefused(_("The file's encoding is not recognised: save it as CSV UTF-8 or "
                            "as XLSX.")) from exc


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    counts = {sep: first.count(sep) for sep in (";", ",", "\t")}
    delimiter = max(counts, key=counts.get) if max(counts.values()) else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise FileRefused(_("The CSV file cannot be read: a quotation mark is not closed or a "
                            "value is too long. Save it again as CSV from your spreadsheet and "
                            "retry.")) from exc


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_refused() -> FileRefused:
    return FileRefused(_("The file is not a valid XLSX workbook (damaged or truncated): save it "
                         "again from your spreadsheet and retry."))


#: A formula element (``<f>``, ``<f t="shared" …/>``, ``<x:f>``) in a sheet's XML.
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


def _has_formula(archive: zipfile.ZipFile, path: str) -> bool:
    """Whether the sheet part ``path`` has a formula cell, read in chunks (its size is bounded
    by ``files.open_zip``)."""
    tail = b""
    with archive.open(path.lstrip("/")) as member:
        while chunk := member.read(1024 * 1024):
            if _FORMULA.search(tail + chunk):
                return True
            tail = chunk[-64:]
    return False


def _open_workbook(data: bytes):
    """The workbook (read-only, cached values) and its one sheet, once the archive is within
    the zip limits, has a single visible worksheet and no formula; FileRefused otherwise."""
    import openpyxl

    try:
        archive = files.open_zip(data)
    except ValidationError as exc:
        if exc.code == "archive_broken":
            raise _xlsx_refused() from exc
        raise FileRefused(exc.messages[0]) from exc
    try:
        if "xl/workbook.xml" not in archive.namelist():
            raise _xlsx_refused()
        workbook = openpyxl.load_workbook(archive.fp, read_only=True, data_only=True)
    except FileRefused:
        archive.close()
        raise
    except Exception as exc:  # BadZipFile, KeyError, InvalidFileException, XML errors...
        archive.close()
        raise _xlsx_refused() from exc
    try:
        names = workbook.sheetnames
        if len(names) != 1 or len(workbook.worksheets) != 1:
            raise FileRefused(_("The workbook has %(count)s sheets (%(names)s): keep only the "
                                "sheet to import, or save that sheet as CSV, and retry.") % {
                                    "count": len(names),
                                    "names": ", ".join(_("“%(name)s”") % {"name": n[:40]}
                                                       for n in names[:10])})
        sheet = workbook.worksheets[0]
        if sheet.sheet_state != "visible":
            raise FileRefused(_("The workbook's only sheet (“%(name)s”) is hidden: show it "
                                "(or save it as CSV) so that what is imported is what you see, "
                                "and retry.") % {"name": names[0][:40]})
        # The sheet's stated size (its <dimension>), so a value far to the right is not
        # silently left out and a row far down does not mean a million empty rows read.
        if (sheet.max_column or 0) > MAX_COLUMNS:
            raise FileRefused(_("The sheet uses %(count)s columns; the import reads at most "
                                "%(max)s: delete the columns after the last one of the table "
                                "and retry.") % {"count": sheet.max_column, "max": MAX_COLUMNS})
        if (sheet.max_row or 0) > MAX_ROWS:
            raise FileRefused(_too_long())
        if _has_formula(archive, sheet._worksheet_path):
            raise FileRefused(_("The sheet has formulas: copy the cells and paste them as "
                                "values only (Paste special, Values), save, and retry."))
    except FileRefused:
        workbook.close()
        archive.close()
        raise
    except Exception as exc:
        workbook.close()
        archive.close()
        raise _xlsx_refused() from exc
    return workbook, sheet, archive


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    workbook, sheet, archive = _open_workbook(data)
    try:
        # At most MAX_COLUMNS + 1 columns are read: a sheet claiming 16,384 columns costs no more.
        for values in sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True):
            yield [_cell(v) for v in values]
    except FileRefused:
        raise
    except Exception as exc:  # zip, lxml / expat errors of a truncated sheet, bad values...
        raise _xlsx_refused() from exc
    finally:
        workbook.close()
        archive.close()


def check_file(data: bytes, file_name: str) -> None:
    """Refuse (FileRefused) a file the import cannot read as a whole: too big or empty, a
    damaged or over-expanding XLSX, several or hidden sheets, formulas, binary data or an
    unknown encoding in a CSV, a header without the expected columns, no data row. Cheap: the
    rows after the header are not read."""
    if len(data) > MAX_BYTES:
        raise FileRefused(_("The file is %(size)s; the limit is %(max)s. Split it in several "
                            "files and import them one after the other.") % {
                                "size": filesizeformat(len(data)),
                                "max": filesizeformat(MAX_BYTES)})
    if not data or not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise FileRefused(_("The file is empty."))
    xlsx = _is_xlsx(data, file_name)
    if not xlsx and data.count(b"\n", 0, len(data.rstrip(b"\r\n"))) >= MAX_ROWS:
        raise FileRefused(_too_long())
    source = _xlsx_rows(data) if xlsx else _csv_rows(data)
    try:
        line, header = 0, None
        for cells in source:
            line += 1
            if line > MAX_ROWS:
                raise FileRefused(_too_long())
            if not any(c.strip() for c in cells):
                continue
            if header is not None:
                return
            header = cells
            if sum(1 for c in header if c.strip()) > MAX_COLUMNS:
                raise FileRefused(_too_wide(), row=1)
            _map_header(header)
        if header is None:
            raise FileRefused(_("The file is empty."))
        raise FileRefused(_("The file has a header but no data rows."))
    finally:
        source.close()


def _too_long() -> str:
    return _("The file has more than %(max)s lines: split it in several files and import "
             "them one after the other.") % {"max": f"{MAX_ROWS:,}".replace(",", "\u00a0")}


def _too_wide() -> str:
    return _("The first line has more than %(max)s columns; the file needs 7: %(expected)s.") % {
        "max": MAX_COLUMNS, "expected": _expected_columns()}


def _header_key(value: str) -> str:
    key = fold(value).replace("'", "_").replace("’", "_")
    for ch in " -.":
        key = key.replace(ch, "_")
    while "__" in key:
        key = key.replace("__", "_")
    return key.strip("_")


_HEADER_LOOKUP = {alias: column for column, aliases in HEADER_ALIASES.items()
                  for alias in aliases}


def _expected_columns() -> str:
    return _("expected columns: %(en)s (or in French: %(fr)s)") % {
        "en": ", ".join(COLUMNS), "fr": ", ".join(COLUMNS_FR)}


def _map_header(header: list[str]) -> list[str | None]:
    """The column of each header cell (None for empty trailing cells); FileRefused otherwise."""
    cells = [c.strip() for c in header]
    while cells and not cells[-1]:
        cells.pop()
    mapping: list[str | None] = []
    unknown, seen = [], set()
    for cell in cells:
        column = _HEADER_LOOKUP.get(_header_key(cell))
        if column is None or column in seen:
            unknown.append(cell or "(" + _("empty") + ")")
        else:
            seen.add(column)
        mapping.append(column)
    missing = [c for c in COLUMNS if c not in seen]
    if unknown or missing:
        details = []
        if missing:
            details.append(_("missing: %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            details.append(_("not recognised: %(columns)s") % {"columns": ", ".join(unknown)})
        raise FileRefused(
            _("The first line does not have the expected columns (%(details)s); "
              "%(expected)s.") % {"details": "; ".join(details), "expected": _expected_columns()},
            row=1)
    return mapping


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


def _name_key(value: str) -> str:
    return " ".join(fold(value).replace("-", " ").replace("'", " ").replace("’", " ").split())


class _Regions:
    def __init__(self):
        self.by_key: dict[str, int] = {}
        for pk, code, name in Region.objects.values_list("pk", "code", "name"):
            self.by_key[code] = pk
            self.by_key[str(int(code))] = pk
            self.by_key[_name_key(name)] = pk
            self.by_key[f"{code} {_name_key(name)}"] = pk
            self.by_key[f"{int(code)} {_name_key(name)}"] = pk
        self.cache: dict[str, int | None] = {}

    def find(self, raw: str) -> int | None:
        if raw in self.cache:
            return self.cache[raw]
        pk = self.by_key.get(raw.strip()) or self.by_key.get(_name_key(raw))
        self.cache[raw] = pk
        return pk


_CATEGORY_LOOKUP = {alias: value for value, aliases in CATEGORY_ALIASES.items()
                    for alias in aliases}


def _category(raw: str) -> str | None:
    key = _name_key(raw).replace(" ( ", "(")
    found = _CATEGORY_LOOKUP.get(key)
    if found is None:
        found = _CATEGORY_LOOKUP.get(" ".join(fold(raw).split()))
    return found


def _integer(raw: str) -> int | str:
    """The whole number in ``raw`` or an error code ("empty", "negative", "not_number")."""
    value = raw.translate(SPACES)
    if _digits(value):
        return int(value)
    if not value:
        return "empty"
    if value.startswith(("-", "\u2212")) and _digits(value[1:]):
        return "negative"
    if value.endswith((".0", ",0")) and _digits(value[:-2]):
        return int(value[:-2])
    return "not_number"


def _digits(value: str) -> bool:
    """Only ASCII digits 0-9 (``isdigit()`` alone accepts « ² », « ① », « ١٢٣ », « １２３ »)."""
    return value.isascii() and value.isdigit()


# ---------------------------------------------------------------------------------------------
# Parsing + validation
# ---------------------------------------------------------------------------------------------


@dataclass
class Parsed:
    rows: dict[Key, tuple[int, int]]
    rows_total: int
    errors: list[RowError]


class _Errors(list):
    """Keeps the first MAX_ERRORS errors; counts rows in error beyond that."""

    def __init__(self):
        super().__init__()
        self.extra_rows: set[int] = set()

    def add(self, row, column, message):
        # PostgreSQL's JSON cannot hold NUL; an XLSX cell may ("_x0000_").
        message = message.replace("\x00", "\ufffd")
        if len(self) < MAX_ERRORS:
            self.append(RowError(row=row, column=column, message=message))
        else:
            self.extra_rows.add(row)


def _quote(value: str) -> str:
    return value if len(value) <= MAX_QUOTED else value[:MAX_QUOTED] + "…"


def _labels():
    return {
        "empty": _("Value missing."),
        "negative": _("The count cannot be negative."),
        "not_number": _("“%(value)s” is not a whole number."),
        "year_range": _("“%(value)s” is not a plausible year (%(min)s to %(max)s)."),
    }


class _Memo(dict):
    """A raw cell -> its value (None when it is not valid), converted once per distinct cell.
    A file of 100,000 rows holds a few dozen distinct regions, categories and years and a few
    thousand distinct counts: folding and number parsing run that many times, not 700,000."""

    def __init__(self, convert):
        super().__init__()
        self.convert = convert

    def __missing__(self, raw: str):
        value = self[raw] = self.convert(raw)
        return value


def _year_or_none(raw: str) -> int | None:
    number = _integer(raw.strip())
    return number if isinstance(number, int) and MIN_YEAR <= number <= MAX_YEAR else None


def _count_or_none(raw: str) -> int | None:
    number = _integer(raw.strip())
    return number if isinstance(number, int) and number <= MAX_COUNT else None


def _row_errors(errors: _Errors, line: int, values: dict[str, str], regions: _Regions,
                labels: dict[str, str]) -> None:
    """Add the errors of a row the fast path of ``parse`` refused, every one of them, in the
    order of the columns: what is wrong and what to write instead."""
    region_id = regions.find(values["region"]) if values["region"] else None
    if region_id is None:
        errors.add(line, "region",
                   labels["empty"] if not values["region"] else
                   _("Unknown region “%(value)s”: give its code (01 to 17) or its "
                     "name.") % {"value": _quote(values["region"])})
    numbers = {}
    for column in ("cohort_start", "cohort_end", "reference_year", "admitted", "present"):
        number = _integer(values[column])
        if isinstance(number, str):
            message = labels[number]
            if number == "negative" and column not in ("admitted", "present"):
                message = labels["year_range"]
            errors.add(line, column, message % {"value": _quote(values[column]),
                                                "min": MIN_YEAR, "max": MAX_YEAR})
            continue
        if column in ("admitted", "present"):
            if number > MAX_COUNT:
                errors.add(line, column, _("The count is too large."))
                continue
        elif not MIN_YEAR <= number <= MAX_YEAR:
            errors.add(line, column, labels["year_range"] % {
                "value": _quote(values[column]), "min": MIN_YEAR, "max": MAX_YEAR})
            continue
        numbers[column] = number
    if _category(values["category"]) is None:
        errors.add(line, "category",
                   _("Unknown category “%(value)s”: expected all, economic, family, "
                     "refugee or other (empty means all).") % {
                       "value": _quote(values["category"])})
    start, end = numbers.get("cohort_start"), numbers.get("cohort_end")
    reference = numbers.get("reference_year")
    if start is not None and end is not None and end < start:
        errors.add(line, "cohort_end",
                   _("The cohort ends (%(end)s) before it starts (%(start)s).") % {
                       "end": end, "start": start})
    if start is not None and reference is not None and reference < start:
        errors.add(line, "reference_year",
                   _("The reference year (%(year)s) is before the cohort's first "
                     "admission year (%(start)s).") % {"year": reference, "start": start})
    admitted, present = numbers.get("admitted"), numbers.get("present")
    if admitted is not None and present is not None and present > admitted:
        errors.add(line, "present",
                   _("More people present (%(present)s) than admitted "
                     "(%(admitted)s).") % {"present": present, "admitted": admitted})


def parse(data: bytes, file_name: str) -> Parsed:
    """Read and check every row of the file. Never writes.

    Built for 100,000-row files: each distinct cell is converted once (``_Memo``), a valid row
    costs a few dictionary look-ups and becomes a tuple (no model instance, no form), and only
    a row that fails those checks goes through ``_row_errors``, which says what is wrong."""
    errors = _Errors()
    rows: dict[Key, tuple[int, int]] = {}
    first_line: dict[Key, int] = {}
    total = 0
    if not data or not data.strip(b" \t\r\n\xef\xbb\xbf"):
        errors.add(0, "", _("The file is empty."))
        return Parsed(rows, 0, list(errors))
    try:
        if len(data) > MAX_BYTES:
            check_file(data, file_name)
        source = _xlsx_rows(data) if _is_xlsx(data, file_name) else _csv_rows(data)
        header = None
        for header_row in source:
            if any(c.strip() for c in header_row):
                header = header_row
                break
        if header is None:
            raise FileRefused(_("The file is empty."))
        if sum(1 for c in header if c.strip()) > MAX_COLUMNS:
            raise FileRefused(_too_wide(), row=1)
        mapping = _map_header(header)
        width = len(mapping)
        index = {column: i for i, column in enumerate(mapping) if column}
        pick = operator.itemgetter(*(index[column] for column in COLUMNS))
        regions = _Regions()
        region_of = _Memo(lambda raw: regions.find(raw.strip()) if raw.strip() else None)
        category_of = _Memo(lambda raw: _category(raw.strip()))
        year_of = _Memo(_year_or_none)
        count_of = _Memo(_count_or_none)
        labels = _labels()
        line = 1
        for cells in source:
            line += 1
            if line > MAX_ROWS:
                raise FileRefused(_too_long())
            if len(cells) != width:
                if not "".join(cells).strip():
                    continue
                if len(cells) > width and "".join(cells[width:]).strip():
                    total += 1
                    errors.add(line, "", _("This line has %(count)s values; the header has "
                                           "%(width)s columns.") % {"count": len(cells),
                                                                    "width": width})
                    continue
                cells = (cells + [""] * width)[:width]
            raw = pick(cells)
            key = (region_of[raw[0]], year_of[raw[1]], year_of[raw[2]], year_of[raw[3]],
                   category_of[raw[4]])
            admitted, present = count_of[raw[5]], count_of[raw[6]]
            if (None in key or admitted is None or present is None or key[2] < key[1]
                    or key[3] < key[1] or present > admitted):
                if not "".join(cells).strip():
                    continue  # a blank line
                total += 1
                _row_errors(errors, line, {c: v.strip() for c, v in zip(COLUMNS, raw, strict=True)},
                            regions, labels)
                continue
            total += 1
            if key in first_line:
                errors.add(line, "",
                           _("Duplicate row: lines %(first)s and %(line)s give the same region, "
                             "cohort, reference year and category.") % {
                               "first": first_line[key], "line": line})
                continue
            first_line[key] = line
            rows[key] = (admitted, present)
    except FileRefused as refused:
        errors.add(refused.error.row, refused.error.column, refused.error.message)
        return Parsed({}, total, list(errors))
    if total == 0 and not errors:
        errors.add(0, "", _("The file has a header but no data rows."))
    result = list(errors)
    if errors.extra_rows:
        result.append(RowError(row=0, column="", message=_(
            "%(count)s more rows have errors.") % {"count": len(errors.extra_rows)}))
    return Parsed(rows, total, result)


# ---------------------------------------------------------------------------------------------
# Comparing with the database
# ---------------------------------------------------------------------------------------------


def existing_rows(keys) -> dict[Key, tuple[int, int, int, bool]]:
    """{key: (pk, admitted, present, is_demo)} for the stored rows among ``keys``."""
    keys = set(keys)
    if not keys:
        return {}
    starts = {k[1] for k in keys}
    references = {k[3] for k in keys}
    found = {}
    for pk, region_id, start, end, reference, category, admitted, present, demo in (
        CohortStatistic.objects.filter(cohort_start__in=starts, reference_year__in=references)
        .values_list("pk", "region_id", "cohort_start", "cohort_end", "reference_year",
                     "category", "admitted", "present", "is_demo").iterator(chunk_size=5000)
    ):
        key = (region_id, start, end, reference, category)
        if key in keys:
            found[key] = (pk, admitted, present, demo)
    return found


@dataclass
class Plan:
    """What applying the parsed rows would do."""

    new: list[Key]
    changed: list[Key]
    unchanged: int


def plan(parsed: Parsed, is_demo: bool = False) -> Plan:
    existing = existing_rows(parsed.rows)
    new, changed, unchanged = [], [], 0
    for key, (admitted, present) in parsed.rows.items():
        stored = existing.get(key)
        if stored is None:
            new.append(key)
        elif (stored[1], stored[2], stored[3]) != (admitted, present, is_demo):
            changed.append(key)
        else:
            unchanged += 1
    return Plan(new, changed, unchanged)


def cohort_preview(data: bytes, file_name: str) -> Preview:
    """Parse, validate and compare the file with the database; writes nothing."""
    parsed = parse(data, file_name)
    preview = Preview(rows_total=parsed.rows_total, errors=parsed.errors)
    if parsed.rows:
        result = plan(parsed)
        preview.new, preview.updated, preview.unchanged = (
            len(result.new), len(result.changed), result.unchanged)
    return preview
