"""Attachments are checked by their content, not their name, and stored privately."""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from openpyxl import Workbook

from portal import files
from portal.files import DOCX, ODT, PDF, XLSX
from programs import services
from programs.models import Attachment, Status
from tests.factories.programs import ActionPlanFactory


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The assertions below read the English messages; French is checked where it matters."""
    with translation.override("en"):
        yield


# --------------------------------------------------------------------------------------------
# Real documents, built in memory
# --------------------------------------------------------------------------------------------

PDF_BYTES = (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
             b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
             b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            compression = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=compression)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return _zip({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.'
                               b'openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.'
                             b'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>'
                             b'<w:r><w:t>Plan d\xe2\x80\x99action</w:t></w:r></w:p></w:body>'
                             b'</w:document>',
    })


def xlsx_bytes() -> bytes:
    workbook = Workbook()
    workbook.active.append(["Poste", "Montant"])
    workbook.active.append(["Animation", 10000])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def opendocument_bytes(mimetype: str) -> bytes:
    return _zip({
        "mimetype": mimetype.encode(),
        "content.xml": b'<?xml version="1.0"?><office:document-content xmlns:office="urn:'
                       b'oasis:names:tc:opendocument:xmlns:office:1.0"/>',
        "META-INF/manifest.xml": b'<?xml version="1.0"?><manifest:manifest/>',
    })


def odt_bytes() -> bytes:
    return opendocument_bytes(ODT)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


# --------------------------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------------------------

ACCEPTED = [
    ("budget.pdf", PDF_BYTES, PDF),
    ("RÉSOLUTION.PDF", PDF_BYTES, PDF),
    ("plan-d-action.docx", docx_bytes(), DOCX),
    ("budget détaillé.xlsx", xlsx_bytes(), XLSX),
    ("portrait.odt", odt_bytes(), ODT),
]


@pytest.mark.parametrize("name,content,content_type", ACCEPTED,
                         ids=[row[0] for row in ACCEPTED])
def test_real_pdf_docx_xlsx_and_odt_files_are_accepted(name, content, content_type):
    assert files.check_upload(upload(name, content)) == (
        content_type, hashlib.sha256(content).hexdigest())


REFUSED = {
    "a text file renamed .pdf": ("budget.pdf", b"Ceci n'est pas un PDF.\n" * 20,
                                 "not a real PDF file"),
    "an exe renamed .pdf": ("facture.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200,
                            "not a real PDF file"),
    "a zip renamed .docx": ("plan.docx", _zip({"notes.txt": b"bonjour"}),
                            "not a real DOCX file"),
    "a zip with content types but no document renamed .docx": (
        "plan.docx", _zip({"[Content_Types].xml": b"<Types/>", "word/styles.xml": b"<x/>"}),
        "not a real DOCX file"),
    "a docx renamed .xlsx": ("budget.xlsx", docx_bytes(), "not a real XLSX file"),
    "an xlsx renamed .docx": ("plan.docx", xlsx_bytes(), "not a real DOCX file"),
    "a pdf renamed .docx": ("plan.docx", PDF_BYTES, "not a real DOCX file"),
    "a spreadsheet renamed .odt": (
        "portrait.odt", opendocument_bytes("application/vnd.oasis.opendocument.spreadsheet"),
        "not a real ODT file"),
    "a truncated zip renamed .docx": ("plan.docx", docx_bytes()[:60], "not a real DOCX file"),
    "an empty file": ("vide.pdf", b"", "is empty"),
    "a text file": ("notes.txt", b"Quelques notes", "only PDF, DOCX, XLSX and ODT"),
    "an old Word file": ("ancien.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
                         "only PDF, DOCX, XLSX and ODT"),
    "a file without extension": ("budget", PDF_BYTES, "only PDF, DOCX, XLSX and ODT"),
    "a script with a .pdf in its name": ("budget.pdf.exe", PDF_BYTES,
                                         "only PDF, DOCX, XLSX and ODT"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_file_that_is_not_what_its_name_says_is_refused(case):
    name, content, says = REFUSED[case]
    with pytest.raises(ValidationError) as exc:
        files.check_upload(upload(name, content))
    message = exc.value.messages[0]
    assert says in message
    assert name in message  # the person sees which file was refused


def test_a_file_over_the_limit_is_refused(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        files.check_upload(upload("gros.pdf", PDF_BYTES + b"0" * 1024))
    assert exc.value.code == "too_large"
    assert f"the limit is {filesizeformat(1024)}" in exc.value.messages[0]
    # Exactly at the limit is fine.
    content = PDF_BYTES + b"0" * (1024 - len(PDF_BYTES))
    assert files.check_upload(upload("juste.pdf", content))[0] == PDF


def test_the_limit_is_ten_megabytes():
    assert settings.ATTACHMENT_MAX_BYTES == 10 * 1024 * 1024


def test_the_private_folder_is_outside_what_the_web_server_serves():
    from portal.settings import base

    public = [base.STATIC_ROOT, *base.STATICFILES_DIRS, base.BASE_DIR / "templates"]
    assert not any(_is_within(Path(base.PRIVATE_MEDIA_ROOT), folder) for folder in public)


# --------------------------------------------------------------------------------------------
# Storing through the service
# --------------------------------------------------------------------------------------------


def _stored_files() -> set[Path]:
    root = Path(storages["private"].location)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def draft(world):
    return ActionPlanFactory(organisation=world["orgs"]["tr"], measures=1)


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["a text file renamed .pdf", "a docx renamed .xlsx",
                                  "an empty file", "a text file"])
def test_a_refused_file_leaves_no_row_and_no_file(world, draft, case):
    name, content, says = REFUSED[case]
    before = _stored_files()
    with pytest.raises(ValidationError) as exc:
        services.attachment_add(actor=world["users"]["partner"], plan=draft,
                                upload=upload(name, content))
    assert says in exc.value.message_dict["file"][0]  # tied to the form's file field
    assert not Attachment.objects.exists()
    assert _stored_files() == before


@pytest.mark.django_db
def test_a_file_over_the_limit_leaves_no_row_and_no_file(world, draft, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    before = _stored_files()
    with pytest.raises(ValidationError):
        services.attachment_add(actor=world["users"]["partner"], plan=draft,
                                upload=upload("gros.pdf", PDF_BYTES + b"0" * 2048))
    assert not Attachment.objects.exists()
    assert _stored_files() == before


def _is_within(path: Path, folder) -> bool:
    try:
        path.resolve().relative_to(Path(folder).resolve())
    except ValueError:
        return False
    return True


@pytest.mark.django_db
@pytest.mark.parametrize("name,content,content_type", ACCEPTED,
                         ids=[row[0] for row in ACCEPTED])
def test_an_accepted_file_is_stored_privately_under_a_random_name(world, draft, name, content,
                                                                   content_type):
    before = _stored_files()
    attachment = services.attachment_add(actor=world["users"]["partner"], plan=draft,
                                         upload=upload(name, content))
    attachment.refresh_from_db()
    new = _stored_files() - before
    assert len(new) == 1
    stored = new.pop()
    assert Path(attachment.file.path) == stored
    assert stored.read_bytes() == content
    # Private storage, outside anything the web server serves.
    assert _is_within(stored, storages["private"].location)
    public = [settings.STATIC_ROOT, *settings.STATICFILES_DIRS,
              getattr(settings, "MEDIA_ROOT", "") or None]
    assert not any(_is_within(stored, folder) for folder in public if folder)
    # Named at random, not after the upload; the upload's name is kept for the download.
    stem = Path(name).stem
    assert stem.lower() not in stored.name.lower()
    assert stored.suffix == ""
    assert (attachment.original_name, attachment.content_type, attachment.size,
            attachment.sha256) == (name, content_type, len(content),
                                   hashlib.sha256(content).hexdigest())


@pytest.mark.django_db
def test_two_uploads_of_the_same_name_do_not_overwrite_each_other(world, draft):
    partner = world["users"]["partner"]
    first = services.attachment_add(actor=partner, plan=draft, upload=upload("a.pdf", PDF_BYTES))
    second = services.attachment_add(actor=partner, plan=draft,
                                     upload=upload("a.pdf", PDF_BYTES + b"%v2"))
    assert first.file.name != second.file.name
    assert Path(first.file.path).read_bytes() == PDF_BYTES


@pytest.mark.django_db
def test_no_file_is_added_to_a_submitted_plan_or_by_another_organisation(world):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.SUBMITTED,
                             measures=1)
    before = _stored_files()
    with pytest.raises(ValidationError):
        services.attachment_add(actor=world["users"]["partner"], plan=plan,
                                upload=upload("a.pdf", PDF_BYTES))
    draft = ActionPlanFactory(organisation=world["orgs"]["tr"])
    with pytest.raises(PermissionDenied):
        services.attachment_add(actor=world["users"]["partner_gatineau"], plan=draft,
                                upload=upload("a.pdf", PDF_BYTES))
    assert not Attachment.objects.exists()
    assert _stored_files() == before


@pytest.mark.django_db
def test_deleting_an_attachment_removes_its_file_after_commit(
        world, draft, django_capture_on_commit_callbacks):
    partner = world["users"]["partner"]
    attachment = services.attachment_add(actor=partner, plan=draft,
                                         upload=upload("a.pdf", PDF_BYTES))
    path = Path(attachment.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_delete(actor=partner, attachment=attachment)
    assert not Attachment.objects.exists()
    assert not path.exists()


# --------------------------------------------------------------------------------------------
# Compressed-file bombs: the archive's directory is checked before anything is inflated
# --------------------------------------------------------------------------------------------


def _with_part(content: bytes, name: str, size: int) -> bytes:
    """``content`` (a zip) with a part of ``size`` spaces, written by blocks."""
    buffer = io.BytesIO(content)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive, \
            archive.open(name, "w", force_zip64=True) as part:
        for _ in range(size // 2**20):
            part.write(b" " * 2**20)
    return buffer.getvalue()


@pytest.mark.parametrize("name, content", [
    ("programme.odt", _with_part(odt_bytes(), "content.xml", 60 * 2**20)),
    ("rapport.docx", _with_part(docx_bytes(), "word/document.xml", 60 * 2**20)),
    ("budget.xlsx", _with_part(xlsx_bytes(), "xl/sharedStrings.xml", 60 * 2**20)),
    ("annexe.docx", _with_part(docx_bytes(), "word/media/blank.xml", 4 * 2**20)),
], ids=["odt", "docx", "xlsx shared strings", "ratio over 100"])
def test_a_small_file_that_inflates_to_too_much_is_refused_without_inflating_it(name, content):
    assert len(content) < 300_000

    with pytest.raises(ValidationError) as refused:
        files.check_upload(upload(name, content))

    assert refused.value.code == "archive_too_big"
    assert f"“{name}”: The compressed file expands to too much data" in refused.value.messages[0]


def test_a_big_document_that_compresses_like_a_real_one_is_accepted():
    text = b"".join(b"<w:p><w:r><w:t>Paragraphe %d du plan d\xe2\x80\x99action</w:t></w:r></w:p>"
                    % i for i in range(60_000))  # about 3.5 MB, compressed about 10 times
    content = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": text})

    assert files.check_upload(upload("plan.docx", content))[0] == DOCX


def test_an_archive_with_too_many_parts_is_refused():
    parts = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}
    parts.update({f"word/media/{i}.xml": b"<p/>" for i in range(files.ZIP_MAX_ENTRIES)})

    with pytest.raises(ValidationError) as refused:
        files.check_upload(upload("plan.docx", _zip(parts)))

    assert refused.value.code == "archive_too_big"
