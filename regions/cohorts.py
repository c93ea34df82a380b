"""Cohort files: parsing, validation, preview (compared with the database) and application.

Files as people make them are accepted:

- CSV in UTF-8 (with or without BOM) or Windows-1252 (Excel's "CSV"), separated by commas or
  semicolons (French Excel), numbers written "1234", "1 234" (space, no-break space or narrow
  no-break space);
- XLSX (the first sheet).

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
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from django.utils.translation import gettext as _

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
    head = data[:65536]
    if b"\x00" in head or any(b < 32 and b not in (9, 10, 13) for b in head[:8192]):
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
        raise FileRefused(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    import openpyxl

    refused = _("The file is not a valid XLSX workbook (damaged or truncated): save it again "
                "from your spreadsheet and retry.")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # BadZipFile, KeyError, InvalidFileException, XML errors...
        raise FileRefused(refused) from exc
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell(v) for v in values]
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, TypeError,
            IndexError) as exc:
        raise FileRefused(refused) from exc
    except Exception as exc:  # lxml / expat parse errors of a truncated sheet
        raise FileRefused(refused) from exc
    finally:
        workbook.close()


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
    if value.isdigit() and value.isascii():
        return int(value)
    if not value:
        return "empty"
    if value.startswith(("-", "\u2212")) and value[1:].isdigit():
        return "negative"
    if value.endswith((".0", ",0")) and value[:-2].isdigit():
        return int(value[:-2])
    return "not_number"


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
        if len(self) < MAX_ERRORS:
            self.append(RowError(row=row, column=column, message=message))
        else:
            self.extra_rows.add(row)


def _labels():
    return {
        "empty": _("Value missing."),
        "negative": _("The count cannot be negative."),
        "not_number": _("« %(value)s » is not a whole number."),
        "year_range": _("« %(value)s » is not a plausible year (%(min)s to %(max)s)."),
    }


def parse(data: bytes, file_name: str) -> Parsed:
    """Read and check every row of the file. Never writes."""
    errors = _Errors()
    rows: dict[Key, tuple[int, int]] = {}
    first_line: dict[Key, int] = {}
    total = 0
    if not data or not data.strip(b" \t\r\n\xef\xbb\xbf"):
        errors.add(0, "", _("The file is empty."))
        return Parsed(rows, 0, list(errors))
    try:
        source = _xlsx_rows(data) if _is_xlsx(data, file_name) else _csv_rows(data)
        header = None
        for header_row in source:
            if any(c.strip() for c in header_row):
                header = header_row
                break
        if header is None:
            raise FileRefused(_("The file is empty."))
        mapping = _map_header(header)
        width = len(mapping)
        index = {column: i for i, column in enumerate(mapping) if column}
        regions = _Regions()
        labels = _labels()
        line = 1
        for cells in source:
            line += 1
            if not any(c.strip() for c in cells):
                continue
            total += 1
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                errors.add(line, "", _("This line has %(count)s values; the header has "
                                       "%(width)s columns.") % {"count": len(cells),
                                                                "width": width})
                continue
            values = {column: (cells[i].strip() if i < len(cells) else "")
                      for column, i in index.items()}
            ok = True
            region_id = regions.find(values["region"]) if values["region"] else None
            if region_id is None:
                ok = False
                errors.add(line, "region",
                           labels["empty"] if not values["region"] else
                           _("Unknown region « %(value)s »: give its code (01 to 17) or its "
                             "name.") % {"value": values["region"]})
            numbers = {}
            for column in ("cohort_start", "cohort_end", "reference_year", "admitted",
                           "present"):
                number = _integer(values[column])
                if isinstance(number, str):
                    ok = False
                    message = labels[number]
                    if number == "negative" and column not in ("admitted", "present"):
                        message = labels["year_range"]
                    errors.add(line, column, message % {"value": values[column],
                                                        "min": MIN_YEAR, "max": MAX_YEAR})
                    continue
                if column in ("admitted", "present"):
                    if number > MAX_COUNT:
                        ok = False
                        errors.add(line, column, _("The count is too large."))
                        continue
                elif not MIN_YEAR <= number <= MAX_YEAR:
                    ok = False
                    errors.add(line, column, labels["year_range"] % {
                        "value": values[column], "min": MIN_YEAR, "max": MAX_YEAR})
                    continue
                numbers[column] = number
            category = _category(values["category"])
            if category is None:
                ok = False
                errors.add(line, "category",
                           _("Unknown category « %(value)s »: expected all, economic, family, "
                             "refugee or other (empty means all).") % {
                               "value": values["category"]})
            start, end = numbers.get("cohort_start"), numbers.get("cohort_end")
            reference = numbers.get("reference_year")
            if start is not None and end is not None and end < start:
                ok = False
                errors.add(line, "cohort_end",
                           _("The cohort ends (%(end)s) before it starts (%(start)s).") % {
                               "end": end, "start": start})
            if start is not None and reference is not None and reference < start:
                ok = False
                errors.add(line, "reference_year",
                           _("The reference year (%(year)s) is before the cohort's first "
                             "admission year (%(start)s).") % {"year": reference,
                                                               "start": start})
            admitted, present = numbers.get("admitted"), numbers.get("present")
            if admitted is not None and present is not None and present > admitted:
                ok = False
                errors.add(line, "present",
                           _("More people present (%(present)s) than admitted "
                             "(%(admitted)s).") % {"present": present, "admitted": admitted})
            if not ok:
                continue
            key = (region_id, start, end, reference, category)
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
