"""The Registraire des entreprises' open data: loading its file, and reading an enterprise from
it by NEQ to prefill registration and the enterprise profile.

**Source and format.** The Registraire des entreprises du Québec publishes « Registre des
entreprises » on Données Québec (https://www.donneesquebec.ca/recherche/dataset/registre-des-
entreprises) as one ZIP of CSV files, described by its user guide IN-537 (« Données publiques
sur les entreprises au Québec — guide d'utilisation »). I could not read the guide itself
here; the format below is taken from public code that reads the real file and transcribes the
guide (stored with the search tool: ianleelet-max/Slotmachine ``packages/ingestion/src/
specification.ts``, « guide IN-537 (2025-11) »; TsioryRaphael/Sraping-python
``import_csv_to_mysql.py``; a Java loader whose fixtures take the Etablissements.csv header from
the real file, UTF-8 BOM included; notes from two projects that inspected the real ZIP of
2026-08-31, 37 columns in Entreprise.csv):

- members: ``Entreprise.csv`` (one row per enterprise), ``Nom.csv`` (every name, current or
  past, several rows per NEQ), ``Etablissements.csv``, ``FusionScissions.csv``,
  ``ContinuationsTransformations.csv``, ``DomaineValeur.csv`` (code → French label, columns
  ``TYP_DOM_VAL``, ``COD_DOM_VAL``, ``VAL_DOM_FRAN``);
- comma-delimited, double-quoted, a header row; UTF-8 (read here as ``utf-8-sig``, so a BOM is
  accepted whether or not each member has one);
- ``Entreprise.csv`` columns used: ``NEQ``, ``COD_STAT_IMMAT`` (registration status: ``IM``
  immatriculée, ``RD`` radiée sur demande, ``RO`` radiée d'office, ``RX`` radiée d'office
  (art. 59), ``AI`` avis d'intention, ``NI`` non immatriculée), ``DAT_STAT_IMMAT``,
  ``COD_FORME_JURI`` (legal form, a code decoded by DomaineValeur.csv), ``COD_ACT_ECON_CAE`` and
  ``DESC_ACT_ECON_ASSUJ`` (main activity: the CAE code and its description, as the file gives
  them), ``ADR_DOMCL_ADR_DISP`` and ``ADR_DOMCL_LIGN1_ADR`` … ``ADR_DOMCL_LIGN4_ADR`` (the
  domicile address and whether it may be shown);
- ``Nom.csv`` columns used: ``NEQ``, ``NOM_ASSUJ``, ``STAT_NOM``, ``TYP_NOM_ASSUJ``,
  ``DAT_FIN_NOM_ASSUJ``.

**Not confirmed** (say so, decide safely): the legal-form codes and the name-type codes (only
``IND`` and ``APE`` are named by the sources), so legal forms and « other name » types are
read from DomaineValeur.csv's French labels, never from a guessed list; the DomaineValeur
domain names (``FORME_JURI`` or ``FORM_JURI``: both are accepted; ``TYP_NOM…``); whether a
code means « dissoute » (the warning looks for « dissou » in the status label); that Nom.csv
keeps a NEQ's rows together (the file is read in NEQ groups: a NEQ whose rows were scattered
would keep the names of its last group); whether ``ADR_DOMCL_ADR_DISP`` is ``O``/``N`` (an
address marked ``N`` is never stored). Etablissements.csv and the two history files are not
read.

**The load** (``register_load``, run by ``manage.py load_register FILE.zip``): the archive is
checked first (a ZIP, the three members present with their columns, sizes within
``Limits``); then each member's rows are read straight out of the ZIP (never the whole file in
memory) and upserted by NEQ in batches (``INSERT … ON CONFLICT DO UPDATE … WHERE`` a value
differs, on PostgreSQL and SQLite alike; on PostgreSQL a batch travels as one array per column
and rows identical to the stored ones are filtered out first, so a reload neither writes nor
locks them), all in one transaction: a bad row, a decoding error,
a file over its limits or over its time rolls everything back and the load is recorded as
failed with a message saying why. A second load of the same file writes nothing. Enterprises
no longer in a file are kept. Each load is a ``RegisterLoad`` row (when, file, rows read,
inserted, updated, status, message).
"""

from __future__ import annotations

import csv
import io
import os
import time
import zipfile
from dataclasses import dataclass, field
from itertools import chain

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from .models import LegalForm, RegisterCode, RegisterEnterprise, RegisterLoad

ENCODING = "utf-8-sig"
DELIMITER = ","
ENTERPRISES = "Entreprise.csv"
NAMES = "Nom.csv"
CODES = "DomaineValeur.csv"
REQUIRED_COLUMNS = {
    ENTERPRISES: ("NEQ", "COD_STAT_IMMAT", "DAT_STAT_IMMAT", "COD_FORME_JURI",
                  "COD_ACT_ECON_CAE", "DESC_ACT_ECON_ASSUJ", "ADR_DOMCL_ADR_DISP",
                  "ADR_DOMCL_LIGN1_ADR", "ADR_DOMCL_LIGN2_ADR", "ADR_DOMCL_LIGN3_ADR",
                  "ADR_DOMCL_LIGN4_ADR"),
    NAMES: ("NEQ", "NOM_ASSUJ", "STAT_NOM", "TYP_NOM_ASSUJ", "DAT_FIN_NOM_ASSUJ"),
    CODES: ("TYP_DOM_VAL", "COD_DOM_VAL", "VAL_DOM_FRAN"),
}
#: Status codes of an enterprise struck off the register (« radiée »).
STRUCK_OFF = {"RD", "RO", "RX"}
#: The registration statuses, readable in French and English (the file's own French label
#: is used for any other code).
STATUS_LABELS = {
    "IM": pgettext_lazy("register status", "Registered"),
    "RD": pgettext_lazy("register status", "Struck off on request"),
    "RO": pgettext_lazy("register status", "Struck off by the registrar"),
    "RX": pgettext_lazy("register status", "Struck off by the registrar (section 59)"),
    "AI": pgettext_lazy("register status", "Notice of intention to incorporate"),
    "NI": pgettext_lazy("register status", "Not registered"),
}
NAME_SEPARATOR = " ; "


class RegisterFileError(Exception):
    """The file cannot be loaded; the message says why, in the reader's language."""


@dataclass(frozen=True)
class Limits:
    """What a load accepts: the real file is about 270 MB zipped, 1 GB unzipped, 3 million
    enterprises and 5 million names (2026)."""

    max_file_bytes: int = 2 * 1024**3
    max_unzipped_bytes: int = 8 * 1024**3
    #: A member unzipping to more than this many times its compressed size is refused (a ZIP
    #: bomb); CSV text compresses about 5 to 10 times.
    max_ratio: int = 100
    max_codes_bytes: int = 10 * 1024**2
    max_rows: int = 20_000_000
    max_seconds: float = 4 * 3600
    max_field_chars: int = 10_000


# --- Reading -----------------------------------------------------------------------------


def _member(archive: zipfile.ZipFile, wanted: str) -> zipfile.ZipInfo:
    for info in archive.infolist():
        if os.path.basename(info.filename).lower() == wanted.lower():
            return info
    raise RegisterFileError(
        _("The file has no %(member)s: is it the register’s ZIP (“Registre des entreprises” "
          "on Données Québec)?") % {"member": wanted})


def _rows(archive: zipfile.ZipFile, info: zipfile.ZipInfo, wanted: str, limits: Limits):
    """(line number, row as a dict of the required columns), streamed out of the member."""
    with archive.open(info) as raw:
        text = io.TextIOWrapper(raw, encoding=ENCODING, newline="")
        reader = csv.reader(text, delimiter=DELIMITER, quotechar='"', strict=True)
        try:
            header = [name.strip() for name in next(reader)]
        except StopIteration:
            raise RegisterFileError(_("%(member)s is empty.") % {"member": wanted}) from None
        missing = [c for c in REQUIRED_COLUMNS[wanted] if c not in header]
        if missing:
            raise RegisterFileError(
                _("%(member)s lacks the columns %(columns)s.")
                % {"member": wanted, "columns": ", ".join(missing)})
        index = [(c, header.index(c)) for c in REQUIRED_COLUMNS[wanted]]
        width = len(header)
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != width:
                raise RegisterFileError(
                    _("Line %(line)s of %(member)s has %(found)s values instead of "
                      "%(expected)s.") % {"line": line, "member": wanted, "found": len(row),
                                          "expected": width})
            yield line, {c: row[i].strip() for c, i in index}


def _read(rows, wanted):
    """Turn decoding and CSV errors into a clear message."""
    try:
        yield from rows
    except UnicodeDecodeError as exc:
        raise RegisterFileError(
            _("%(member)s is not UTF-8 text (byte %(position)s); the register publishes its "
              "files in UTF-8.") % {"member": wanted, "position": exc.start}) from exc
    except csv.Error as exc:
        raise RegisterFileError(_("%(member)s is not a valid CSV file: %(error)s.")
                                % {"member": wanted, "error": exc}) from exc


def check_archive(archive: zipfile.ZipFile, limits: Limits) -> dict[str, zipfile.ZipInfo]:
    members = {wanted: _member(archive, wanted) for wanted in REQUIRED_COLUMNS}
    unzipped = sum(info.file_size for info in members.values())
    if unzipped > limits.max_unzipped_bytes:
        raise RegisterFileError(
            _("The file unzips to %(size)s MB, over the limit of %(limit)s MB.")
            % {"size": unzipped // 1024**2, "limit": limits.max_unzipped_bytes // 1024**2})
    for wanted, info in members.items():
        if info.file_size > limits.max_ratio * max(info.compress_size, 1024):
            raise RegisterFileError(
                _("%(member)s unzips to more than %(ratio)s times its size: refused.")
                % {"member": wanted, "ratio": limits.max_ratio})
    if members[CODES].file_size > limits.max_codes_bytes:
        raise RegisterFileError(_("%(member)s is too large for a list of codes.")
                                % {"member": CODES})
    return members


# --- Writing -----------------------------------------------------------------------------


def _upsert(table, insert_columns, update_columns, key, rows, load_id):
    """Insert ``rows`` (tuples in ``insert_columns`` order) or, on a conflict on ``key``,
    update ``update_columns`` only where one of them differs. One statement per batch: on
    PostgreSQL the batch goes as one array per column (``unnest``), a handful of parameters
    instead of thousands, which the driver would otherwise parse one by one."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = [*insert_columns, "inserted_by_load", "changed_by_load"]
    if connection.vendor == "postgresql":
        differs = "IS DISTINCT FROM"
        arrays = ", ".join(["%s::text[]"] * len(insert_columns))
        names = ", ".join(map(quote, insert_columns))
        same_key = " AND ".join(f"t.{quote(c)} = u.{quote(c)}" for c in key)
        mine = ", ".join(f"t.{quote(c)}" for c in update_columns)
        theirs = ", ".join(f"u.{quote(c)}" for c in update_columns)
        # Rows identical to the stored ones are left out before the upsert: ON CONFLICT would
        # still lock (so write) each of them, even when its WHERE then updates nothing.
        source = (
            f"SELECT u.*, %s::integer, %s::integer FROM unnest({arrays}) AS u({names}) "  # noqa: S608
            f"WHERE NOT EXISTS (SELECT 1 FROM {quote(table)} t WHERE {same_key} "
            f"AND ROW({mine}) IS NOT DISTINCT FROM ROW({theirs}))")
        params = [*map(list, zip(*rows, strict=True)), load_id, load_id]
        params = params[-2:] + params[:-2]
    else:
        differs = "IS NOT"
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        source = f"VALUES {', '.join([one] * len(rows))}"
        params = list(chain.from_iterable((*row, load_id, load_id) for row in rows))
    # Only the model's own table and column names are written into the SQL; every value is
    # a parameter.
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) "  # noqa: S608
        f"{source} "
        f"ON CONFLICT ({', '.join(map(quote, key))}) DO UPDATE SET "
        + ", ".join(f"{quote(c)} = excluded.{quote(c)}"
                    for c in [*update_columns, "changed_by_load"])
        + " WHERE "
        + " OR ".join(f"{quote(table)}.{quote(c)} {differs} excluded.{quote(c)}"
                      for c in update_columns))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


ENTERPRISE_TABLE = RegisterEnterprise._meta.db_table
ENTERPRISE_COLUMNS = ("neq", "status_code", "status_date", "legal_form_code", "activity_code",
                      "activity_description", "address")
NAME_COLUMNS = ("name", "other_names")
ALL_COLUMNS = ENTERPRISE_COLUMNS + NAME_COLUMNS


_LENGTHS = {f.name: f.max_length for f in RegisterEnterprise._meta.fields if f.max_length}


def _cut(value: str, model_field: str) -> str:
    return value[:_LENGTHS[model_field]]


def _address(row) -> str:
    if row["ADR_DOMCL_ADR_DISP"].upper() == "N":
        return ""
    lines = [row[f"ADR_DOMCL_LIGN{i}_ADR"] for i in range(1, 5)]
    return ", ".join(line for line in lines if line)


def _check_neq(value, line, wanted):
    if len(value) != 10 or not value.isdigit():
        raise RegisterFileError(
            _("Line %(line)s of %(member)s: “%(value)s” is not an NEQ (10 digits).")
            % {"line": line, "member": wanted, "value": value[:20]})
    return value


def _pick_names(names, other_types):
    """The legal name and the other current names of one NEQ, from its Nom.csv rows
    (name, type, end date). Current names have no end date; the legal name is the first
    current name whose type is not an « other name » type in DomaineValeur.csv."""
    current = [n for n in names if not n[2]] or names[-1:]
    legal = next((n for n in current if n[1] not in other_types), current[0])
    others = []
    for name, _type, _end in current:
        if name and name != legal[0] and name not in others:
            others.append(name)
    return legal[0], NAME_SEPARATOR.join(others)


@dataclass
class _Progress:
    limits: Limits
    started: float = field(default_factory=time.monotonic)
    rows: int = 0

    def tick(self, count=1):
        self.rows += count
        if self.rows > self.limits.max_rows:
            raise RegisterFileError(_("The file has more than %(limit)s rows, over the limit.")
                                    % {"limit": self.limits.max_rows})

    def check_time(self):
        if time.monotonic() - self.started > self.limits.max_seconds:
            raise RegisterFileError(_("The load took longer than %(limit)s seconds: stopped, "
                                      "nothing was changed.")
                                    % {"limit": int(self.limits.max_seconds)})


def _load(archive, members, load_id, limits, batch_size):
    # The csv module's field limit is the process's: set for this load, then put back.
    previous = csv.field_size_limit(limits.max_field_chars)
    try:
        return _load_members(archive, members, load_id, limits, batch_size)
    finally:
        csv.field_size_limit(previous)


def _load_members(archive, members, load_id, limits, batch_size):
    progress = _Progress(limits)
    # 1. The codes (a small file): kept in memory for the name types, and stored.
    codes = []
    for _line, row in _read(_rows(archive, members[CODES], CODES, limits), CODES):
        codes.append((row["TYP_DOM_VAL"][:50], row["COD_DOM_VAL"][:20],
                      row["VAL_DOM_FRAN"][:300]))
    unique_codes = list({(d, c): (d, c, label) for d, c, label in codes}.values())
    for start in range(0, len(unique_codes), batch_size):
        _upsert(RegisterCode._meta.db_table, ("domain", "code", "label"), ("label",),
                ("domain", "code"), unique_codes[start:start + batch_size], load_id)
    other_types = {c for d, c, label in unique_codes
                   if d.upper().startswith("TYP_NOM") and "autre" in label.lower()}

    # 2. The enterprises, one row each.
    batch = {}
    enterprises_read = 0
    for line, row in _read(_rows(archive, members[ENTERPRISES], ENTERPRISES, limits),
                           ENTERPRISES):
        neq = _check_neq(row["NEQ"], line, ENTERPRISES)
        batch[neq] = (neq, _cut(row["COD_STAT_IMMAT"], "status_code"),
                      row["DAT_STAT_IMMAT"][:10], _cut(row["COD_FORME_JURI"], "legal_form_code"),
                      _cut(row["COD_ACT_ECON_CAE"], "activity_code"),
                      _cut(row["DESC_ACT_ECON_ASSUJ"], "activity_description"),
                      _cut(_address(row), "address"), "", "")
        enterprises_read += 1
        progress.tick()
        if len(batch) >= batch_size:
            _upsert(ENTERPRISE_TABLE, ALL_COLUMNS, ENTERPRISE_COLUMNS[1:], ("neq",),
                    list(batch.values()), load_id)
            batch = {}
            progress.check_time()
    _upsert(ENTERPRISE_TABLE, ALL_COLUMNS, ENTERPRISE_COLUMNS[1:], ("neq",),
            list(batch.values()), load_id)

    # 3. The names, in groups of one NEQ's rows; a batch never splits a group.
    groups: dict[str, list] = {}
    last = None

    def flush():
        rows = []
        for neq, names in groups.items():
            legal, others = _pick_names(names, other_types)
            rows.append((neq, "", "", "", "", "", "", _cut(legal, "name"),
                         _cut(others, "other_names")))
        _upsert(ENTERPRISE_TABLE, ALL_COLUMNS, NAME_COLUMNS, ("neq",), rows, load_id)
        groups.clear()

    for line, row in _read(_rows(archive, members[NAMES], NAMES, limits), NAMES):
        neq = _check_neq(row["NEQ"], line, NAMES)
        if neq != last and len(groups) >= batch_size:
            flush()
            progress.check_time()
        groups.setdefault(neq, []).append(
            (row["NOM_ASSUJ"], row["TYP_NOM_ASSUJ"], row["DAT_FIN_NOM_ASSUJ"]))
        last = neq
        progress.tick()
    flush()
    progress.check_time()

    changed = RegisterEnterprise.objects.filter(changed_by_load=load_id)
    inserted = changed.filter(inserted_by_load=load_id).count()
    return enterprises_read, inserted, changed.count() - inserted


def register_load(*, path: str, limits: Limits = Limits(), batch_size: int = 1000
                  ) -> RegisterLoad:
    """Load the register's ZIP at ``path``: all or nothing. Returns the load's record, whose
    status is « failed » with a message when the file was refused (the register's data is
    then exactly as before)."""
    size = os.path.getsize(path) if os.path.exists(path) else 0
    load = RegisterLoad.objects.create(file_name=os.path.basename(path)[:500], file_size=size)
    try:
        if not os.path.isfile(path):
            raise RegisterFileError(_("There is no file at %(path)s.") % {"path": path})
        if size > limits.max_file_bytes:
            raise RegisterFileError(
                _("The file is %(size)s MB, over the limit of %(limit)s MB.")
                % {"size": size // 1024**2, "limit": limits.max_file_bytes // 1024**2})
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise RegisterFileError(_("The file is not a ZIP archive: the register publishes "
                                      "a ZIP of CSV files.")) from None
        with archive:
            members = check_archive(archive, limits)
            with transaction.atomic():
                read, inserted, updated = _load(archive, members, load.pk, limits, batch_size)
    except (RegisterFileError, zipfile.BadZipFile, OSError, EOFError) as exc:
        message = str(exc)
        if not isinstance(exc, RegisterFileError):
            message = _("The ZIP archive is damaged: %(error)s") % {"error": exc}
        load.status = RegisterLoad.Status.FAILED
        load.message = message
        load.finished_at = timezone.now()
        load.save(update_fields=["status", "message", "finished_at"])
        return load
    load.status = RegisterLoad.Status.SUCCEEDED
    load.rows_read, load.rows_inserted, load.rows_updated = read, inserted, updated
    load.finished_at = timezone.now()
    load.save(update_fields=["status", "rows_read", "rows_inserted", "rows_updated",
                             "finished_at"])
    return load


# --- Reading one enterprise ----------------------------------------------------------------


def last_load() -> RegisterLoad | None:
    """The last load that succeeded: when the register's data dates from."""
    return (RegisterLoad.objects.filter(status=RegisterLoad.Status.SUCCEEDED)
            .order_by("-finished_at", "-pk").first())


#: Keywords of DomaineValeur.csv's French legal-form labels -> the portal's legal forms.
LEGAL_FORM_WORDS = (
    ("individuelle", LegalForm.SOLE_PROPRIETORSHIP),
    ("personne physique", LegalForm.SOLE_PROPRIETORSHIP),
    ("coop", LegalForm.COOPERATIVE),
    ("sans but lucratif", LegalForm.NON_PROFIT),
    ("nom collectif", LegalForm.PARTNERSHIP),
    ("commandite", LegalForm.PARTNERSHIP),
    ("société de personnes", LegalForm.PARTNERSHIP),
    ("par actions", LegalForm.CORPORATION),
    ("compagnie", LegalForm.CORPORATION),
    ("public", LegalForm.PUBLIC_BODY),
    ("municipal", LegalForm.PUBLIC_BODY),
)


def legal_form_for(code: str, label: str) -> str:
    """The portal's legal form for a register legal form (read from its French label; the
    codes are not documented where I could read them)."""
    lowered = (label or "").lower()
    for word, form in LEGAL_FORM_WORDS:
        if word in lowered:
            return form
    return LegalForm.OTHER if (code or label) else ""


@dataclass(frozen=True)
class RegisterRecord:
    neq: str
    name: str
    other_names: str
    address: str
    legal_form: str  # a LegalForm value, or ""
    legal_form_label: str
    status_code: str
    status_label: str
    #: The status's French label in DomaineValeur.csv ("" when the file has none).
    status_file_label: str
    status_date: str
    activity_code: str
    activity_description: str

    @property
    def struck_off(self) -> bool:
        return self.status_code in STRUCK_OFF or "radi" in self.status_file_label.lower()

    @property
    def dissolved(self) -> bool:
        return "dissou" in self.status_file_label.lower()

    @property
    def ended(self) -> bool:
        return self.struck_off or self.dissolved

    def prefill(self) -> dict[str, str]:
        """The form's values the register gives (fields it leaves blank are left out)."""
        values = {"name": self.name[:200], "other_names": self.other_names[:300],
                  "legal_form": self.legal_form, "address": self.address[:255]}
        return {name: value for name, value in values.items() if value}


def register_lookup(neq: str) -> RegisterRecord | None:
    """The register's enterprise of ``neq`` (an NEQ already normalised), or None."""
    row = RegisterEnterprise.objects.filter(neq=neq).first()
    if row is None:
        return None
    labels = {(d, c): label for d, c, label in RegisterCode.objects.filter(
        code__in=[row.legal_form_code, row.status_code]).values_list("domain", "code", "label")}

    def file_label(code, *domains):
        for (domain, value), label in labels.items():
            if value == code and any(part in domain.upper() for part in domains):
                return label
        return ""

    form_label = file_label(row.legal_form_code, "JURI")
    legal_form = legal_form_for(row.legal_form_code, form_label)
    status_file_label = file_label(row.status_code, "STAT_IMMAT")
    status_label = str(STATUS_LABELS.get(row.status_code, "")) or status_file_label \
        or row.status_code
    if legal_form and legal_form != LegalForm.OTHER:
        shown_form = str(LegalForm(legal_form).label)
    else:
        shown_form = form_label or row.legal_form_code
    return RegisterRecord(
        neq=row.neq, name=row.name, other_names=row.other_names, address=row.address,
        legal_form=legal_form, legal_form_label=shown_form, status_code=row.status_code,
        status_label=status_label, status_file_label=status_file_label,
        status_date=row.status_date, activity_code=row.activity_code,
        activity_description=row.activity_description)
