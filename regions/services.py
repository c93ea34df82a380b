"""Loading the reference data: regions, SITs, offices, MRCs, municipalities, territories."""

import csv
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.utils.text import slugify

from antennes.models import Office, OfficeTerritory, Sit
from portal.text import fold

from .models import Mrc, Municipality, Region

logger = logging.getLogger(__name__)


class _StoredFileRefused(ValueError):
    """The stored file of an import fails the checks again: its message says why."""

DEFAULT_DATA_DIR = Path(settings.BASE_DIR) / "fixtures"


class ReferenceDataError(Exception):
    """The reference files are missing or inconsistent; nothing was written."""


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, model: str, n: int = 1):
        bucket = self.created if kind == "created" else self.updated
        bucket[model] = bucket.get(model, 0) + n


def _read(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError as exc:
        raise ReferenceDataError(f"Missing reference file: {path}") from exc


def _stored(obj, name):
    return getattr(obj, obj._meta.get_field(name).attname)


def _raw(value):
    return value.pk if isinstance(value, models.Model) else value


def _upsert(model, key: str, rows: dict[str, dict], report: LoadReport, label: str):
    """Create missing rows and update changed ones, keyed on ``key``; two queries plus
    one bulk write each way. Returns {key value: instance}."""
    existing = {getattr(o, key): o for o in model.objects.filter(**{f"{key}__in": list(rows)})}
    to_create, to_update, changed_fields = [], [], set()
    for value, data in rows.items():
        obj = existing.get(value)
        if obj is None:
            to_create.append(model(**{key: value}, **data))
            continue
        diff = {f for f, v in data.items() if _stored(obj, f) != _raw(v)}
        if diff:
            for f in diff:
                setattr(obj, f, data[f])
            changed_fields |= diff
            to_update.append(obj)
    if to_create:
        for obj in to_create:
            if hasattr(obj, "search_name"):
                obj.search_name = fold(obj.name)
        model.objects.bulk_create(to_create, batch_size=500)
        report.count("created", label, len(to_create))
    if to_update:
        for obj in to_update:
            if hasattr(obj, "search_name"):
                obj.search_name = fold(obj.name)
                changed_fields.add("search_name")
        model.objects.bulk_update(to_update, sorted(changed_fields), batch_size=500)
        report.count("updated", label, len(to_update))
    return {getattr(o, key): o for o in model.objects.filter(**{f"{key}__in": list(rows)})}


@transaction.atomic
def reference_data_load(*, data_dir: Path = DEFAULT_DATA_DIR) -> LoadReport:
    """Load or refresh the regional network from ``data_dir``. Idempotent: a second run
    changes nothing; a renamed municipality or office is updated in place (matched on its
    code). Offices added by an administrator and territories an administrator moved are
    kept: a territory piece from the file is only created when no office serves it yet."""
    data_dir = Path(data_dir)
    report = LoadReport()
    regions_csv = _read(data_dir / "regions.csv")
    offices_csv = _read(data_dir / "offices.csv")
    municipalities_csv = _read(data_dir / "quebec_municipalities.csv")
    territories_csv = _read(data_dir / "office_territories.csv")

    sits = _upsert(
        Sit, "slug", {r["sit"]: {"name": r["sit_name"]} for r in offices_csv}, report, "sit"
    )
    regions = _upsert(
        Region,
        "code",
        {r["code"]: {"name": r["name"], "sit": sits[r["sit"]]} for r in regions_csv},
        report,
        "region",
    )
    mrc_rows = {}
    for r in municipalities_csv:
        if r["mrc_code"]:
            mrc_rows[r["mrc_code"]] = {"name": r["mrc_name"], "region": regions[r["region_code"]]}
    mrcs = _upsert(Mrc, "code", mrc_rows, report, "mrc")
    municipalities = _upsert(
        Municipality,
        "code",
        {
            r["code"]: {
                "name": r["name"],
                "designation": r["designation"],
                "region": regions[r["region_code"]],
                "mrc": mrcs.get(r["mrc_code"]),
                "metropolitan_community": r["metropolitan_community"],
                "population": int(r["population"] or 0),
                "website": r["website"],
            }
            for r in municipalities_csv
        },
        report,
        "municipality",
    )
    offices = _upsert(
        Office,
        "slug",
        {
            slugify(r["city"]): {
                "city": r["city"],
                "kind": r["kind"],
                "sit": sits[r["sit"]],
                "region": regions[r["region_code"]],
                "municipality": municipalities[r["municipality_code"]],
            }
            for r in offices_csv
        },
        report,
        "office",
    )
    _seed_territories(territories_csv, offices, regions, mrcs, municipalities, report)
    return report


def _seed_territories(rows, offices, regions, mrcs, municipalities, report):
    served_regions = set(
        OfficeTerritory.objects.filter(mrc=None, municipality=None).values_list("region_id",
                                                                                flat=True)
    )
    served_mrcs = set(OfficeTerritory.objects.exclude(mrc=None).values_list("mrc_id", flat=True))
    served_municipalities = set(
        OfficeTerritory.objects.exclude(municipality=None).values_list("municipality_id",
                                                                       flat=True)
    )
    new = []
    for r in rows:
        office = offices.get(slugify(r["office_city"]))
        if office is None:
            raise ReferenceDataError(
                f"Unknown office in office_territories.csv: {r['office_city']}"
            )
        region = regions[r["region_code"]]
        if r["municipality_code"]:
            municipality = municipalities[r["municipality_code"]]
            if municipality.pk in served_municipalities:
                continue
            served_municipalities.add(municipality.pk)
            new.append(OfficeTerritory(office=office, region=region, municipality=municipality))
        elif r["mrc_code"]:
            mrc = mrcs[r["mrc_code"]]
            if mrc.pk in served_mrcs:
                continue
            served_mrcs.add(mrc.pk)
            new.append(OfficeTerritory(office=office, region=region, mrc=mrc))
        else:
            if region.pk in served_regions:
                continue
            served_regions.add(region.pk)
            new.append(OfficeTerritory(office=office, region=region))
    if new:
        OfficeTerritory.objects.bulk_create(new)
        report.count("created", "office_territory", len(new))


# --------------------------------------------------------------------------------------------
# Cohort imports: upload -> preview -> confirm -> apply (all or nothing)
# --------------------------------------------------------------------------------------------

#: Rows written per statement while applying an import; progress is reported after each.
COHORT_IMPORT_CHUNK = 5000
COHORT_IMPORT_MAX_ERRORS = 200
_COHORT_KEY_FIELDS = ["region", "cohort_start", "cohort_end", "reference_year", "category"]
#: ``_cohort_rows_copy``: a temporary table with the columns (and so the types)
#: of the rows it takes, filled by COPY, then written in one statement that leaves a row alone
#: when its figures and demo flag are already those (its ``last_import`` too).
_COHORT_STAGING_CREATE = (
    "CREATE TEMPORARY TABLE cohort_import_rows AS SELECT region_id, cohort_start, cohort_end, "
    "reference_year, category, admitted, present FROM regions_cohortstatistic WITH NO DATA")
_COHORT_STAGING_COPY = (
    "COPY cohort_import_rows (region_id, cohort_start, cohort_end, reference_year, category, "
    "admitted, present) FROM STDIN")
_COHORT_STAGING_UPSERT = (
    "INSERT INTO regions_cohortstatistic AS stored (region_id, cohort_start, cohort_end, "
    "reference_year, category, admitted, present, is_demo, last_import_id) "
    "SELECT region_id, cohort_start, cohort_end, reference_year, category, admitted, present, "
    "%s, %s FROM cohort_import_rows "
    "ON CONFLICT (region_id, cohort_start, cohort_end, reference_year, category) DO UPDATE "
    "SET admitted = EXCLUDED.admitted, present = EXCLUDED.present, is_demo = EXCLUDED.is_demo, "
    "last_import_id = EXCLUDED.last_import_id "
    "WHERE (stored.admitted, stored.present, stored.is_demo) "
    "IS DISTINCT FROM (EXCLUDED.admitted, EXCLUDED.present, EXCLUDED.is_demo)")


def cohort_progress_key(import_id: int) -> str:
    return f"cohort-import-progress:{import_id}"


def _refuse_unless(allowed: bool):
    from django.core.exceptions import PermissionDenied

    if not allowed:
        raise PermissionDenied


def cohort_import_start(*, actor, upload):
    """Store the uploaded file (private storage), fingerprint it and preview it against the
    database. Writes no statistics; the import waits for confirmation ("previewed")."""
    import hashlib
    from pathlib import PurePath

    from django.core.files.base import ContentFile

    from .cohorts import cohort_preview
    from .models import CohortImport
    from .permissions import can_import_cohorts

    _refuse_unless(can_import_cohorts(actor))
    upload.seek(0)
    data = upload.read()
    file_name = PurePath(upload.name or "cohortes.csv").name[:200]
    preview = cohort_preview(data, file_name)
    sha256 = hashlib.sha256(data).hexdigest()
    cohort_import = CohortImport(
        uploaded_by=actor, file_name=file_name, sha256=sha256, size=len(data),
        status=CohortImport.Status.PREVIEWED, rows_total=preview.rows_total,
        rows_new=preview.new, rows_updated=preview.updated, rows_unchanged=preview.unchanged,
        rows_error=preview.rows_error,
        errors=[e.as_dict() for e in preview.errors[:COHORT_IMPORT_MAX_ERRORS]])
    cohort_import.full_clean(exclude=["file"])
    if preview.errors or preview.rows_error:
        # Refused: it can never be confirmed (the fixed file is a new upload), so its file is
        # not kept; the row stays in the history with its errors.
        cohort_import.save()
        return cohort_import
    suffix = PurePath(file_name).suffix.lower()[:6] or ".csv"
    cohort_import.file.save(f"{sha256[:20]}{suffix}", ContentFile(data), save=False)
    try:
        cohort_import.save()
    except Exception:
        cohort_import.file.delete(save=False)  # never a file without its row
        raise
    return cohort_import


def cohort_import_confirm(*, actor, cohort_import):
    """Apply a previewed import without errors: now for a small file, through the Celery job
    ``apply_cohort_import`` for a file of more than COHORT_IMPORT_SYNC_ROWS rows."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from .models import CohortImport
    from .permissions import can_import_cohorts

    _refuse_unless(can_import_cohorts(actor))
    cohort_imports_expire()  # an expired preview cannot be confirmed
    with transaction.atomic():
        locked = CohortImport.objects.select_for_update().get(pk=cohort_import.pk)
        if locked.status != CohortImport.Status.PREVIEWED:
            raise ValidationError(_("This import cannot be confirmed: it is “%(status)s”.")
                                  % {"status": locked.get_status_display()}, code="status")
        if locked.errors or locked.rows_error:
            raise ValidationError(_("This file has errors: fix them and upload it again."),
                                  code="errors")
        queued = _queue_or_apply_now(locked)
    if queued:
        locked.refresh_from_db()
        return locked
    return cohort_import_apply(import_id=locked.pk)


def _queue_or_apply_now(locked) -> bool:
    """Within the lock of a confirmed (or retried) import: queue it for the Celery job if it
    is big (True), else leave it for the caller to apply now (False)."""
    from django.utils import timezone

    from .models import CohortImport
    from .tasks import apply_cohort_import

    if locked.rows_total <= settings.COHORT_IMPORT_SYNC_ROWS:
        return False
    locked.status = CohortImport.Status.QUEUED
    locked.heartbeat_at = timezone.now()  # the queue's clock (QUEUE_TIMEOUT)
    locked.save(update_fields=["status", "heartbeat_at"])
    apply_cohort_import.delay_on_commit(locked.pk)
    return True


class _Heartbeat:
    """The job's sign of life on its import's row (``heartbeat_at``, and ``rows_done`` for the
    progress bar), written through a database connection of its own in autocommit: the apply's
    own transaction shows nothing to anyone until it commits.

    It writes at most once every ``INTERVAL`` seconds, however small the chunks: each write is
    a new version of the row the apply's rows refer to (``last_import``), and PostgreSQL checks
    each of those references at commit through that row's chain of versions (20 writes made the
    commit of 100,000 rows half as slow again). The recovery job waits minutes
    (``CohortImport.HEARTBEAT_TIMEOUT``) and the progress bar reads the cache, written after
    every chunk."""

    INTERVAL = 1.0

    def __init__(self, import_id: int):
        self.import_id, self.connection, self.last = import_id, None, None

    def beat(self, rows_done: int):
        import time

        from django.db import DEFAULT_DB_ALIAS, connections
        from django.utils import timezone

        from .models import CohortImport

        now = time.monotonic()
        if self.last is not None and now - self.last < self.INTERVAL:
            return
        self.last = now
        if self.connection is None:
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        with self.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE regions_cohortimport SET heartbeat_at = %s, rows_done = %s "
                "WHERE id = %s AND status = %s",
                [timezone.now(), rows_done, self.import_id, CohortImport.Status.RUNNING])

    def close(self):
        if self.connection is not None:
            self.connection.close()


def _hold_running(import_id: int) -> bool:
    """Inside the apply's transaction: take a share lock on the import's row, held until the
    transaction ends (so until the worker's session ends, if it dies), and say whether the
    import is still running. While a live job holds it, ``cohort_imports_recover`` cannot lock
    the row and never takes the job for dead; the heartbeat's updates do not conflict with it
    (FOR KEY SHARE lets other sessions update non-key columns)."""
    from django.db import connection

    from .models import CohortImport

    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM regions_cohortimport WHERE id = %s FOR KEY SHARE",
                       [import_id])
        row = cursor.fetchone()
    return row is not None and row[0] == CohortImport.Status.RUNNING


def cohort_import_apply(*, import_id: int, chunk: int | None = None, pause: float = 0):
    """Re-read the stored file and write it, all or nothing, in one transaction: new rows
    inserted and changed rows updated in bulk (``_cohort_rows_upsert``), unchanged rows left
    alone. Progress (rows done) goes to the cache and, with the job's heartbeat, to
    the import's row after every chunk. On any error nothing is written and the import is
    marked failed with the message; its file is kept for a retry unless the file itself is
    refused. Only a previewed or queued import is applied: the status moves to « running »
    under the row's lock, so two jobs never apply the same import. ``chunk`` and ``pause``
    (seconds after each chunk) let tests make the job slow enough to be killed midway."""
    import time

    from django.core.cache import cache
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from .cohorts import parse, plan
    from .models import CohortImport

    chunk_size = chunk or COHORT_IMPORT_CHUNK
    with transaction.atomic():
        cohort_import = CohortImport.objects.select_for_update().get(pk=import_id)
        if cohort_import.status not in (CohortImport.Status.PREVIEWED,
                                        CohortImport.Status.QUEUED):
            return cohort_import  # already applied, running, failed or cancelled
        cohort_import.status = CohortImport.Status.RUNNING
        cohort_import.heartbeat_at = timezone.now()
        cohort_import.rows_done = 0
        cohort_import.attempts += 1
        cohort_import.save(update_fields=["status", "heartbeat_at", "rows_done", "attempts"])
    key = cohort_progress_key(import_id)
    cache.set(key, 0, timeout=24 * 3600)
    heartbeat = _Heartbeat(import_id)
    try:
        with transaction.atomic():
            if not _hold_running(import_id):
                cache.delete(key)  # taken for dead meanwhile: its page says so
                cohort_import.refresh_from_db()
                return cohort_import
            with cohort_import.file.open("rb") as fh:
                data = fh.read()
            parsed = parse(data, cohort_import.file_name)
            if parsed.errors:
                raise _StoredFileRefused(_("The stored file has errors: %(message)s")
                                 % {"message": parsed.errors[0].message})
            result = plan(parsed, is_demo=cohort_import.is_demo)
            to_write = result.new + result.changed
            done = result.unchanged
            cache.set(key, done, timeout=24 * 3600)
            for i in range(0, len(to_write), chunk_size):
                batch = to_write[i:i + chunk_size]
                _cohort_rows_upsert(batch, parsed.rows, is_demo=cohort_import.is_demo,
                                    import_id=cohort_import.pk)
                done += len(batch)
                cache.set(key, done, timeout=24 * 3600)
                heartbeat.beat(done)
                if pause:
                    time.sleep(pause)
            CohortImport.objects.filter(pk=import_id).update(
                status=CohortImport.Status.DONE, finished_at=timezone.now(),
                rows_total=parsed.rows_total, rows_new=len(result.new),
                rows_updated=len(result.changed), rows_unchanged=result.unchanged,
                rows_error=0, rows_done=parsed.rows_total)
    except Exception as exc:
        refused = isinstance(exc, _StoredFileRefused)
        if refused:
            message = str(exc)[:500]
        else:  # never a Python exception's name or text: what to do, and the log for us
            logger.exception("Cohort import %s failed", import_id)
            message = _("The import could not be applied and nothing was changed. Upload "
                        "the file again; if it fails again, send it to the portal's support.")
        CohortImport.objects.filter(pk=import_id).update(
            status=CohortImport.Status.FAILED, finished_at=timezone.now(), rows_done=0,
            errors=[{"row": 0, "column": "", "message": message}])
        cache.delete(key)
        cohort_import.refresh_from_db()
        if refused:  # a retry would refuse it again: nothing to keep it for
            _delete_file(cohort_import)
        return cohort_import
    finally:
        heartbeat.close()
    cohort_import.refresh_from_db()
    _delete_file(cohort_import)
    return cohort_import


def _cohort_rows_upsert(keys: list, counts: dict, *, is_demo: bool, import_id: int) -> None:
    """Write the rows of ``keys`` ((region_id, cohort_start, cohort_end, reference_year,
    category), those the plan found new or changed) with their ``counts[key]`` ((admitted,
    present)), in the current transaction, each marked with the import that wrote it: inserted
    if new, figures and demo flag updated if not. PostgreSQL takes ``_cohort_rows_copy``; other
    databases (SQLite in development) the portable ``_cohort_rows_bulk_create``, which writes
    the same rows."""
    from django.db import connection

    write = _cohort_rows_copy if connection.vendor == "postgresql" else _cohort_rows_bulk_create
    write(keys, counts, is_demo=is_demo, import_id=import_id)


def _cohort_rows_copy(keys: list, counts: dict, *, is_demo: bool, import_id: int) -> None:
    """``_cohort_rows_upsert`` on PostgreSQL: the rows are streamed with COPY into a temporary
    table, then written by one ``INSERT ... SELECT ... ON CONFLICT DO UPDATE ... WHERE``
    changed. No model instance and no per-value preparation in Python (they were most of the
    time ``bulk_create`` took); and a row that another import made identical since the plan
    is left alone, its ``last_import`` too."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_COHORT_STAGING_CREATE)
        with cursor.cursor.copy(_COHORT_STAGING_COPY) as copy:
            for key in keys:  # one short-lived tuple a row: nothing piles up for the GC
                copy.write_row(key + counts[key])
        cursor.execute(_COHORT_STAGING_UPSERT, [is_demo, import_id])
        cursor.execute("DROP TABLE cohort_import_rows")


def _cohort_rows_bulk_create(keys: list, counts: dict, *, is_demo: bool,
                             import_id: int) -> None:
    """``_cohort_rows_upsert`` on any database: ``bulk_create(update_conflicts=True)``."""
    from .models import CohortStatistic

    CohortStatistic.objects.bulk_create(
        [CohortStatistic(region_id=k[0], cohort_start=k[1], cohort_end=k[2], reference_year=k[3],
                         category=k[4], admitted=counts[k][0], present=counts[k][1],
                         is_demo=is_demo, last_import_id=import_id) for k in keys],
        update_conflicts=True, unique_fields=_COHORT_KEY_FIELDS,
        update_fields=["admitted", "present", "is_demo", "last_import"])


def _delete_file(cohort_import) -> None:
    """Delete an import's stored file and forget it (the row keeps its name and SHA-256)."""
    from .models import CohortImport

    if cohort_import.file:
        cohort_import.file.delete(save=False)
        CohortImport.objects.filter(pk=cohort_import.pk).update(file="")
        cohort_import.refresh_from_db()


def cohort_import_retry(*, actor, cohort_import):
    """Apply again a failed import whose file is kept (a job that died, a database error):
    now for a small file, through the Celery job for a big one, exactly like a confirmation.
    The apply is all or nothing, so the failed attempt wrote nothing and the retry writes
    every row once."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from .models import CohortImport
    from .permissions import can_import_cohorts
    from .tasks import apply_cohort_import

    _refuse_unless(can_import_cohorts(actor))
    cohort_imports_expire()  # a failed import past RETRY_LIFETIME no longer has its file
    with transaction.atomic():
        locked = CohortImport.objects.select_for_update().get(pk=cohort_import.pk)
        if locked.status != CohortImport.Status.FAILED:
            raise ValidationError(_("This import cannot be retried: it is “%(status)s”.")
                                  % {"status": locked.get_status_display()}, code="status")
        if not locked.file or not locked.file.storage.exists(locked.file.name):
            raise ValidationError(_("This import cannot be retried: its file is no longer "
                                    "kept. Upload the file again."), code="no_file")
        logger.info("Cohort import %s retried by %s (attempt %s)", locked.pk, actor.pk,
                    locked.attempts + 1)
        locked.status = CohortImport.Status.QUEUED
        locked.heartbeat_at = timezone.now()
        locked.errors, locked.finished_at, locked.rows_done = [], None, 0
        locked.save(update_fields=["status", "heartbeat_at", "errors", "finished_at",
                                   "rows_done"])
        in_background = locked.rows_total > settings.COHORT_IMPORT_SYNC_ROWS
        if in_background:
            apply_cohort_import.delay_on_commit(locked.pk)
    if in_background:
        locked.refresh_from_db()
        return locked
    return cohort_import_apply(import_id=locked.pk)


def cohort_imports_recover(*, now=None) -> int:
    """Mark as failed the imports whose job died (worker killed, out of memory, time limit,
    broker emptied), with a message saying nothing was changed and the import may be retried;
    returns how many. A running import is dead when its heartbeat is older than
    ``CohortImport.HEARTBEAT_TIMEOUT`` *and* no session holds its row (a live job holds it for
    its whole transaction, ``_hold_running``, and a dead worker's session ended with it); a
    queued one when no job started it within ``QUEUE_TIMEOUT``. Run by the pages that show
    imports (so the administrator does not wait) and every five minutes by the Celery job
    ``recover_cohort_imports``; running it twice changes nothing more."""
    from django.core.cache import cache
    from django.db.models import Q
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from .models import CohortImport

    Status = CohortImport.Status
    now = now or timezone.now()
    dead = (Q(status=Status.RUNNING) & (
        Q(heartbeat_at__lt=now - CohortImport.HEARTBEAT_TIMEOUT)
        | Q(heartbeat_at=None, created_at__lt=now - CohortImport.HEARTBEAT_TIMEOUT))) | (
        Q(status=Status.QUEUED) & (
            Q(heartbeat_at__lt=now - CohortImport.QUEUE_TIMEOUT)
            | Q(heartbeat_at=None, created_at__lt=now - CohortImport.QUEUE_TIMEOUT)))
    candidates = list(CohortImport.objects.filter(dead).values_list("pk", flat=True))
    recovered = 0
    for pk in candidates:
        with transaction.atomic():
            # skip_locked: a row its live job holds is not dead, whatever its heartbeat.
            locked = (CohortImport.objects.select_for_update(skip_locked=True)
                      .filter(dead, pk=pk).first())
            if locked is None:
                continue
            logger.warning("Cohort import %s: its job stopped while it was “%s”; marked "
                           "failed", pk, locked.status)
            locked.status = Status.FAILED
            locked.finished_at = now
            locked.rows_done = 0
            locked.errors = [{"row": 0, "column": "", "message": _(
                "The processing stopped before the end (the job applying the file was "
                "interrupted). No data was changed. You can retry the import.")}]
            locked.save(update_fields=["status", "finished_at", "rows_done", "errors"])
            recovered += 1
        cache.delete(cohort_progress_key(pk))
    return recovered


def cohort_import_cancel(*, actor, cohort_import):
    """Abandon a previewed (or still queued) import; its file is deleted, its history kept."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from .models import CohortImport
    from .permissions import can_import_cohorts

    _refuse_unless(can_import_cohorts(actor))
    with transaction.atomic():
        locked = CohortImport.objects.select_for_update().get(pk=cohort_import.pk)
        if locked.status == CohortImport.Status.CANCELLED:
            return locked
        if locked.status not in (CohortImport.Status.PREVIEWED, CohortImport.Status.QUEUED):
            raise ValidationError(_("This import cannot be cancelled: it is “%(status)s”.")
                                  % {"status": locked.get_status_display()}, code="status")
        locked.status = CohortImport.Status.CANCELLED
        locked.finished_at = timezone.now()
        if locked.file:
            locked.file.delete(save=False)
        locked.save(update_fields=["status", "finished_at", "file"])
    return locked


def cohort_imports_expire(*, now=None) -> int:
    """Mark the previews that waited more than ``CohortImport.PREVIEW_LIFETIME`` for
    confirmation as expired, at the moment they expired, and delete their files; returns how
    many. Run by the views that show imports (so the history is always right) and by the
    Celery job ``expire_cohort_previews``; running it twice changes nothing more."""
    from django.utils import timezone

    from .models import CohortImport

    now = now or timezone.now()
    stale = list(CohortImport.objects.filter(
        status=CohortImport.Status.PREVIEWED,
        created_at__lte=now - CohortImport.PREVIEW_LIFETIME).only("pk", "created_at", "file"))
    expired = 0
    for cohort_import in stale:
        with transaction.atomic():
            expired += CohortImport.objects.filter(
                pk=cohort_import.pk, status=CohortImport.Status.PREVIEWED).update(
                status=CohortImport.Status.EXPIRED, finished_at=cohort_import.expires_at,
                file="")
        if cohort_import.file:
            cohort_import.file.delete(save=False)
    _failed_files_expire(now)
    return expired


def _failed_files_expire(now) -> None:
    """A failed import keeps its file ``CohortImport.RETRY_LIFETIME`` for a retry, no more."""
    from .models import CohortImport

    for cohort_import in CohortImport.objects.filter(
            status=CohortImport.Status.FAILED,
            finished_at__lte=now - CohortImport.RETRY_LIFETIME).exclude(file=""):
        with transaction.atomic():
            cleared = CohortImport.objects.filter(
                pk=cohort_import.pk, status=CohortImport.Status.FAILED).update(file="")
        if cleared:
            cohort_import.file.delete(save=False)


def cohort_import_progress(cohort_import) -> int:
    """Rows done so far: the job's counter in the cache, else rows_total once done."""
    from django.core.cache import cache

    from .models import CohortImport

    done = cache.get(cohort_progress_key(cohort_import.pk))
    if done is not None:
        return int(done)
    if cohort_import.status == CohortImport.Status.DONE:
        return cohort_import.rows_total
    return cohort_import.rows_done
