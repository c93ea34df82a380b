"""A corpus of hostile files, built in a temporary folder by the tests: compressed-file bombs
dressed as ODT, DOCX and XLSX, a shared-strings bomb, odd encodings and NUL bytes, huge rows and
columns, digits that are not 0-9, hidden and multiple sheets, formula cells, HTML and JSON
renamed, truncated archives.

Each entry: (file name, how it is built, what it is for). ``DOCUMENT_HOSTILE`` names the files
that are not real PDF/DOCX/XLSX/ODT documents (the document upload fields must refuse them); the
others are real workbooks, hostile only to the cohort import."""

import io
import zipfile
from pathlib import Path

import openpyxl

HEADER = ["region", "cohort_start", "cohort_end", "reference_year", "category", "admitted",
          "present"]
GOOD_ROW = ["06", "2006", "2015", "2021", "all", "1234", "987"]
MB = 1024 * 1024


def csv_bytes(rows, header=HEADER):
    return ("\r\n".join(",".join(r) for r in [header, *rows]) + "\r\n").encode()


def workbook_bytes(build=None):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([int(v) if v.isdigit() and v.isascii() else v for v in GOOD_ROW])
    if build:
        build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rezip(data, replace=None, add=()):
    """``data`` (a zip) with some parts' bytes replaced and parts added: (name, bytes or a
    size of zeros streamed, so the corpus never holds the inflated bytes)."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in replace:
                _write(target, info.filename, replace[info.filename])
            else:
                target.writestr(info, source.read(info.filename))
        for name, content in add:
            _write(target, name, content)
    return out.getvalue()


def _write(target, name, content):
    if isinstance(content, int):  # that many bytes of zeros (spaces, valid inside XML)
        with target.open(name, "w", force_zip64=True) as member:
            block = b" " * MB
            for _ in range(content // MB):
                member.write(block)
    else:
        target.writestr(name, content)


def odt_bytes(content_xml=b"<office:document-content/>", mimetype=b"application/vnd.oasis."
              b"opendocument.text"):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        _write(archive, "mimetype", mimetype)
        archive.writestr("META-INF/manifest.xml", b"<manifest/>")
        _write(archive, "content.xml", content_xml)
    return out.getvalue()


def docx_bytes(document=b"<w:document/>", extra=()):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        _write(archive, "word/document.xml", document)
        for name, content in extra:
            _write(archive, name, content)
    return out.getvalue()


def _hidden_first(workbook):
    workbook.active.sheet_state = "hidden"
    visible = workbook.create_sheet("visible")
    visible.append(HEADER)
    visible.append([int(v) if v.isdigit() else v for v in GOOD_ROW])
    workbook.active = 1


def _two_sheets(workbook):
    workbook.create_sheet("notes").append(["ignored"])


def _very_hidden(data):
    """The only sheet marked very hidden (openpyxl refuses to write it; Excel's VBA can)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        book = archive.read("xl/workbook.xml")
    patched = book.replace(b'sheetId="1" state="visible"', b'sheetId="1" state="veryHidden"')
    assert patched != book
    return _rezip(data, replace={"xl/workbook.xml": patched})


def _formula(workbook):
    workbook.active["G2"] = "=F2-247"


def _far_column(workbook):
    workbook.active.cell(row=1, column=16384, value="far")


def _far_row(workbook):
    workbook.active.cell(row=1048576, column=1, value="06")


def _odd_digit_cell(workbook):
    workbook.active["F2"] = "1²"


def _nul_cell(workbook):
    workbook.active["A2"] = "_x0000_06"


def _cached_formula(data):
    """A formula cell holding its cached value (as Excel saves it)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    sheet = sheet.replace(b'<c r="G2" t="n"><v>987</v></c>',
                          b'<c r="G2"><f>F2-247</f><v>987</v></c>')
    assert b"<f>" in sheet
    return _rezip(data, replace={"xl/worksheets/sheet1.xml": sheet})


def _html():
    return b"<!doctype html><html><head><title>x</title></head><body><p>Not a file</p></body>"


def _json():
    return b'{"region": "06", "admitted": 1234, "present": 987}'


def build():
    """{name: (file name, bytes, document hostile)}: the corpus (built in memory)."""
    xlsx = workbook_bytes()
    lines = [GOOD_ROW] * 3
    big_line = csv_bytes(lines)
    entries = {
        # Compressed-file bombs: each expands to more than the limits of portal.files.
        "odt bomb": ("programme.odt", odt_bytes(content_xml=60 * MB), True),
        "odt mimetype bomb": ("lettre.odt", odt_bytes(mimetype=60 * MB), True),
        "docx bomb": ("rapport.docx", docx_bytes(document=60 * MB), True),
        "docx total bomb": ("annexe.docx", docx_bytes(extra=[(f"word/media/{i}.xml", 40 * MB)
                                                             for i in range(3)]), True),
        "xlsx sheet bomb": ("cohortes.xlsx", _rezip(xlsx, replace={
            "xl/worksheets/sheet1.xml": 60 * MB}), True),
        "xlsx shared-strings bomb": ("cohortes-ss.xlsx", _rezip(xlsx, add=[
            ("xl/sharedStrings.xml", 60 * MB)]), True),
        "xlsx ratio bomb": ("ratio.xlsx", _rezip(xlsx, add=[("xl/media/blank.xml", 5 * MB)]),
                            True),
        "xlsx with too many parts": ("parts.xlsx", _rezip(xlsx, add=[
            (f"xl/media/p{i}.xml", b"<p/>") for i in range(1500)]), True),
        # Encodings and NUL bytes.
        "utf-16 csv": ("utf16.csv", csv_bytes(lines).decode().encode("utf-16"), True),
        "undecodable csv": ("cp.csv", csv_bytes(lines) + b"Montr\x81al,\x8d\x8f\x90\x9d\r\n",
                            True),
        "nul after 64 KB": ("nul.csv", big_line + b"\r\n" * 40000 + b"06,2006\x00,2015\r\n",
                            True),
        "nul in the header": ("nul-head.csv", b"region\x00," + csv_bytes(lines), True),
        "xlsx nul cell": ("nul.xlsx", workbook_bytes(_nul_cell), False),
        # Huge rows and columns.
        "huge field": ("champ.csv", csv_bytes([GOOD_ROW[:4] + ["x" * 300_000] + GOOD_ROW[5:]]),
                       True),
        "unclosed quote": ("quote.csv", csv_bytes(lines) + b'06,"2006\r\n' * 1000, True),
        "too many columns": ("colonnes.csv", csv_bytes(lines, header=HEADER + [
            f"extra{i}" for i in range(100)]), True),
        "too many lines": ("lignes.csv", csv_bytes(lines) + b"\n" * 200_050 + big_line, True),
        "too big": ("gros.csv", csv_bytes(lines) + b"\n" * (21 * MB), True),
        "xlsx far column": ("large.xlsx", workbook_bytes(_far_column), False),
        "xlsx far row": ("long.xlsx", workbook_bytes(_far_row), False),
        # Digits that are not 0-9.
        "superscript two": ("exposant.csv", csv_bytes([GOOD_ROW[:5] + ["12²", "1"]]), True),
        "circled digit": ("cercle.csv", csv_bytes([GOOD_ROW[:5] + ["①", "1"]]), True),
        "arabic-indic with .0": ("arabe0.csv", csv_bytes([GOOD_ROW[:5] + ["١٢٣.0", "1"]]),
                                 True),
        "full-width with .0": ("pleine.csv", csv_bytes([GOOD_ROW[:5] + ["１２３.0", "1"]]),
                               True),
        "arabic-indic": ("arabe.csv", csv_bytes([GOOD_ROW[:5] + ["١٢٣", "1"]]), True),
        "negative superscript": ("moins.csv", csv_bytes([GOOD_ROW[:5] + ["-²", "1"]]), True),
        "xlsx superscript": ("exposant.xlsx", workbook_bytes(_odd_digit_cell), False),
        # Sheets and formulas.
        "hidden first sheet": ("cachee.xlsx", workbook_bytes(_hidden_first), False),
        "two sheets": ("deux.xlsx", workbook_bytes(_two_sheets), False),
        "very hidden sheet": ("tres-cachee.xlsx", _very_hidden(xlsx), False),
        "formula without cached value": ("formule.xlsx", workbook_bytes(_formula), False),
        "formula with cached value": ("formule-cache.xlsx", _cached_formula(xlsx), False),
        # Renamed files.
        "html as csv": ("page.csv", _html(), True),
        "html as xlsx": ("page.xlsx", _html(), True),
        "html as pdf": ("page.pdf", _html(), True),
        "json as csv": ("data.csv", _json(), True),
        "json as xlsx": ("data.xlsx", _json(), True),
        "json as pdf": ("data.pdf", _json(), True),
        # Truncated and odd archives.
        "truncated xlsx": ("coupe.xlsx", xlsx[: len(xlsx) // 2], True),
        "truncated docx": ("coupe.docx", docx_bytes()[:-30], True),
        "truncated odt": ("coupe.odt", odt_bytes()[:40], True),
        "empty zip as xlsx": ("vide.xlsx", b"PK\x05\x06" + b"\x00" * 18, True),
        "workbook part only": ("partiel.xlsx", docx_bytes(extra=[("xl/workbook.xml",
                                                                  b"<workbook/>")]), True),
    }
    return entries


def write(folder: Path):
    """Write the corpus in ``folder``; {name: (path, document hostile)}."""
    written = {}
    for name, (file_name, data, document_hostile) in build().items():
        path = folder / file_name
        path.write_bytes(data)
        written[name] = (path, document_hostile)
    return written
