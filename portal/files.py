"""Checking an uploaded document by its content, not by its name.

Accepted: PDF, DOCX, XLSX, ODT (and the matching OpenDocument spreadsheet is not accepted: the
issue names these four). A file is recognised by its first bytes and, for the zip-based formats,
by the parts every real file of the format has. The extension must agree with the content.
"""

import hashlib
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def private_storage():
    """Storage outside the web root (settings.STORAGES["private"]), for uploaded documents;
    read at call time so tests and deployments choose the folder."""
    from django.core.files.storage import storages

    return storages["private"]


PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"

EXTENSIONS = {".pdf": PDF, ".docx": DOCX, ".xlsx": XLSX, ".odt": ODT}


#: Limits on a zip-based file (DOCX, XLSX, ODT), checked on the archive's directory before any
#: part is decompressed: a few kilobytes that expand to gigabytes (a "zip bomb") are refused.
#: ``zipfile`` never returns more bytes than a part's declared size, so the declared sizes bound
#: what any reader (this module, openpyxl) can inflate.
ZIP_MAX_ENTRIES = 1000
ZIP_MAX_MEMBER_BYTES = 50 * 1024 * 1024
ZIP_MAX_TOTAL_BYTES = 100 * 1024 * 1024
#: Expansion ratio allowed for a part bigger than ZIP_RATIO_FROM (office XML compresses about
#: 5 to 30 times; bombs thousands of times).
ZIP_MAX_RATIO = 100
ZIP_RATIO_FROM = 1024 * 1024


def _too_big() -> ValidationError:
    return ValidationError(
        _("The compressed file expands to too much data once opened (more than %(max)s, or "
          "more than %(ratio)s times its size, or more than %(entries)s parts): it cannot be "
          "read safely. Save it again from its application and retry.")
        % {"max": filesizeformat(ZIP_MAX_TOTAL_BYTES), "ratio": ZIP_MAX_RATIO,
           "entries": ZIP_MAX_ENTRIES},
        code="archive_too_big")


def _broken() -> ValidationError:
    return ValidationError(
        _("The file is damaged or truncated: it cannot be opened. Save it again from its "
          "application and retry."), code="archive_broken")


def open_zip(source) -> zipfile.ZipFile:
    """``source`` (a file object or bytes) opened as a zip archive whose parts all stay within
    the limits above: the one way this project opens a zip-based upload. Raise a
    ValidationError saying what is wrong (damaged, or expanding too much)."""
    import io

    if isinstance(source, bytes | bytearray | memoryview):
        source = io.BytesIO(source)
    source.seek(0)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise _broken() from exc
    try:
        entries = archive.infolist()
        if len(entries) > ZIP_MAX_ENTRIES:
            raise _too_big()
        total = 0
        for info in entries:
            total += info.file_size
            if info.file_size > ZIP_MAX_MEMBER_BYTES or total > ZIP_MAX_TOTAL_BYTES:
                raise _too_big()
            if (info.file_size > ZIP_RATIO_FROM
                    and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1)):
                raise _too_big()
    except ValidationError:
        archive.close()
        raise
    return archive


def read_member(archive: zipfile.ZipFile, name: str, limit: int = ZIP_MAX_MEMBER_BYTES) -> bytes:
    """At most ``limit`` bytes of the part ``name`` (KeyError if absent); more is refused."""
    with archive.open(name) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise _too_big()
    return data


def _zip_kind(upload) -> str | None:
    """The zip-based format of ``upload``, or None; a damaged archive is None (not the format
    its name says), an archive expanding too much raises ValidationError."""
    try:
        archive = open_zip(upload)
    except ValidationError as exc:
        upload.seek(0)
        if exc.code == "archive_broken":
            return None
        raise
    try:
        names = set(archive.namelist())
        if "mimetype" in names and read_member(archive, "mimetype", 200).strip() == ODT.encode():
            return ODT
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return DOCX
            if "xl/workbook.xml" in names:
                return XLSX
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, NotImplementedError,
            ValueError):
        return None
    finally:
        archive.close()
        upload.seek(0)
    return None


def sniff(upload) -> str | None:
    """The content type ``upload`` really has among the accepted ones, or None."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(upload)
    return None


def check_upload(upload) -> tuple[str, str]:
    """Validate ``upload``; return (content type, SHA-256). Raise a ValidationError that says
    what is wrong."""
    name = upload.name or ""
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("The file “%(name)s” is %(size)s; the limit is %(max)s.")
            % {"name": name, "size": filesizeformat(upload.size),
               "max": filesizeformat(settings.ATTACHMENT_MAX_BYTES)},
            code="too_large")
    if upload.size == 0:
        raise ValidationError(_("The file “%(name)s” is empty.") % {"name": name},
                              code="empty")
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    expected = EXTENSIONS.get(extension)
    if expected is None:
        raise ValidationError(
            _("“%(name)s”: only PDF, DOCX, XLSX and ODT files are accepted.") % {"name": name},
            code="extension")
    try:
        actual = sniff(upload)
    except ValidationError as exc:
        raise ValidationError(_("“%(name)s”: %(problem)s")
                              % {"name": name, "problem": exc.messages[0]},
                              code=exc.code) from exc
    if actual != expected:
        raise ValidationError(
            _("“%(name)s” is not a real %(format)s file: its content does not match its "
              "name. Save it again in that format, or export it as PDF.")
            % {"name": name, "format": extension[1:].upper()},
            code="content")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return actual, digest.hexdigest()


def document_response(document):
    """Send a stored document as a download: its original name and checked type, never
    sniffed, never cached, and the access recorded in the audit trail (documents may hold
    personal information). ``document`` was read through its model's ``for_user`` scope."""
    from auditlog.signals import accessed
    from django.http import FileResponse, Http404
    from django.utils.cache import patch_cache_control

    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    accessed.send(sender=type(document), instance=document)
    response = FileResponse(handle, as_attachment=True, filename=document.original_name,
                            content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response


def checked_document(model, upload, **fields):
    """A ``model`` (a ``portal.models.StoredDocument``) for ``upload``, checked by its content;
    a refused file raises ValidationError on the form's ``file`` field. Nothing is written."""
    try:
        content_type, sha256 = check_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    return model(original_name=upload.name[-200:], content_type=content_type,
                 size=upload.size, sha256=sha256, **fields)


def store_document(document, upload) -> None:
    """Write the file (under a random name) and the row; if the row cannot be saved, the file
    is removed again. Call it inside the service's transaction."""
    document.file.save(upload.name, upload, save=False)
    try:
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise


# --------------------------------------------------------------------------------------------
# Orphans: files in private storage that no row references
# --------------------------------------------------------------------------------------------

#: A file younger than this is never an orphan: its upload may still be in progress (the file
#: is written before its row is committed).
ORPHAN_GRACE = timedelta(hours=24)


def _private_file_fields(storage):
    """(model, field) of every FileField of every installed model storing into ``storage``,
    found through the app registry (by name: this module imports no domain app)."""
    from django.apps import apps
    from django.db import models

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField) and _same_storage(field.storage, storage):
                yield model, field


def _same_storage(one, other) -> bool:
    if one is other:
        return True
    location = getattr(one, "location", None)
    return location is not None and location == getattr(other, "location", None)


def _folders(model, field) -> set[str]:
    """The top-level folder ``field`` stores its files in (``upload_to``); none if it cannot
    be told without a row (its files are then never swept)."""
    try:
        name = field.generate_filename(model(), "orphan-probe")
    except Exception:  # an upload_to needing a saved row's data: sweep nothing of it
        return set()
    head = name.replace("\\", "/").split("/", 1)
    return {head[0]} if len(head) == 2 and head[0] else set()


def _walk(storage, folder: str):
    """Every file name under ``folder`` in ``storage``."""
    try:
        directories, names = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in names:
        yield f"{folder}/{name}"
    for directory in directories:
        yield from _walk(storage, f"{folder}/{directory}")


def remove_orphan_files(*, storage=None, older_than: timedelta = ORPHAN_GRACE, now=None,
                        dry_run: bool = False) -> list[str]:
    """Remove the files of private storage that no FileField row references (a document whose
    transaction rolled back after its file was written, an import file left behind) and that
    are older than ``older_than``; return their names (what would go, with ``dry_run``).

    Only the folders the portal's FileFields upload into are walked (``plans/``, ``cases/``,
    ``cohort-imports/``...), so anything else kept in the same storage is never touched. The
    references are read before the files are listed, so a file written meanwhile is younger
    than the grace period and stays. Running it twice removes nothing more."""
    import logging

    from django.utils import timezone

    logger = logging.getLogger(__name__)
    storage = storage or private_storage()
    now = now or timezone.now()
    referenced, folders = set(), set()
    for model, field in _private_file_fields(storage):
        folders |= _folders(model, field)
        referenced.update(model._base_manager.exclude(**{field.attname: ""})
                          .exclude(**{f"{field.attname}__isnull": True})
                          .values_list(field.attname, flat=True))
    removed = []
    for folder in sorted(folders):
        for name in sorted(_walk(storage, folder)):
            if name in referenced:
                continue
            try:
                if storage.get_modified_time(name) > now - older_than:
                    continue  # maybe an upload in progress
                if not dry_run:
                    storage.delete(name)
            except FileNotFoundError:
                continue  # removed meanwhile
            removed.append(name)
            logger.info("Orphan file %s %s", "found" if dry_run else "removed", name)
    logger.info("Orphan files: %s %s", len(removed), "found" if dry_run else "removed")
    return removed
