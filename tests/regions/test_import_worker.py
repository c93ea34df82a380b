"""A cohort import applied by a real Celery worker that is killed (kill -9) in the middle of
the apply: nothing is written, the import does not stay “running” but becomes “failed”
with a message, the administrator retries it and the retry writes every row exactly once.
(Issue 13, item 2.)"""

from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count
from django.utils import timezone, translation

from regions import services
from regions.models import CohortImport, CohortStatistic
from regions.tasks import apply_cohort_import
from tests.celery_worker import Worker, enqueue_to, wait
from tests.factories.accounts import StaffFactory

pytestmark = pytest.mark.worker

HEADER = "region,cohort_start,cohort_end,reference_year,category,admitted,present"
CATEGORIES = ("all", "economic", "family", "refugee", "other")
#: 17 regions x 20 reference years x 5 categories.
ROWS = 1700


def cohort_file():
    rows = [f"{region:02d},2000,2005,{year},{category},100,60" for region in range(1, 18)
            for year in range(2006, 2026) for category in CATEGORIES]
    assert len(rows) == ROWS
    return SimpleUploadedFile("cohortes.csv", "\n".join([HEADER, *rows, ""]).encode())


def state(pk):
    return CohortImport.objects.values("status", "rows_done").get(pk=pk)


def sessions_holding(pk) -> int:
    """Other sessions holding a lock on the import's row: the job's, while it applies."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
            AND l.relation = 'regions_cohortimport'::regclass""")
        return cursor.fetchone()[0]


@pytest.fixture
def workers(worker_env, tmp_path):
    # The worker reads the uploaded file from the test's private folder.
    env = {**worker_env, "TEST_PRIVATE_MEDIA_ROOT": storages["private"].location}
    started = []

    def start():
        worker = Worker(env, tmp_path / f"worker{len(started)}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


def test_an_import_whose_worker_is_killed_midway_fails_and_its_retry_imports_every_row_once(
        reloaded_network, workers, tmp_path, settings):
    admin = StaffFactory(role="admin")
    previewed = services.cohort_import_start(actor=admin, upload=cohort_file())
    assert (previewed.rows_total, previewed.rows_new, previewed.rows_error) == (ROWS, ROWS, 0)
    logs = [tmp_path / "worker0.log", tmp_path / "worker1.log"]

    # Confirmed and queued as a big file is; the job runs in chunks of 100 rows, pausing after
    # each, so that it is killed with a known part written in its open transaction.
    CohortImport.objects.filter(pk=previewed.pk).update(
        status=CohortImport.Status.QUEUED, heartbeat_at=timezone.now())
    with enqueue_to(settings.TEST_BROKER_URL):
        apply_cohort_import.apply_async(
            kwargs={"import_id": previewed.pk, "chunk": 100, "pause": 0.4})
    first = workers()
    wait(lambda: state(previewed.pk)["rows_done"] >= 300, "300 rows applied", logs)
    assert state(previewed.pk)["status"] == CohortImport.Status.RUNNING
    assert sessions_holding(previewed.pk) >= 1  # the job holds its import

    first.kill()

    # The killed worker's session ended with it: its transaction rolled back, the row is free.
    wait(lambda: sessions_holding(previewed.pk) == 0, "the job's session to end", logs)
    assert not CohortStatistic.objects.exists()
    # Still “running” until it is taken for dead: right after, its heartbeat is fresh...
    assert services.cohort_imports_recover() == 0
    # ... and once the heartbeat is older than the timeout (here: as seen from then).
    later = timezone.now() + CohortImport.HEARTBEAT_TIMEOUT + timedelta(seconds=1)
    with translation.override("fr"):
        assert services.cohort_imports_recover(now=later) == 1
    failed = CohortImport.objects.get(pk=previewed.pk)
    assert failed.status == CohortImport.Status.FAILED and failed.rows_done == 0
    assert failed.errors[0]["message"].startswith(
        "Le traitement s’est arrêté avant la fin") or "stopped before the end" in (
        failed.errors[0]["message"])  # French once the lead compiles the catalogue
    assert failed.can_retry and storages["private"].exists(failed.file.name)
    assert not CohortStatistic.objects.exists()

    # The administrator retries; the file kept is applied again, by a new worker (a file this
    # big goes to the job).
    settings.COHORT_IMPORT_SYNC_ROWS = 1000
    with enqueue_to(settings.TEST_BROKER_URL):
        queued = services.cohort_import_retry(actor=admin, cohort_import=failed)
    assert queued.status == CohortImport.Status.QUEUED
    workers()
    wait(lambda: state(previewed.pk)["status"] == CohortImport.Status.DONE, "the retry", logs)

    done = CohortImport.objects.get(pk=previewed.pk)
    assert (done.rows_new, done.rows_updated, done.rows_done, done.attempts) == (
        ROWS, 0, ROWS, 2)
    assert done.errors == [] and not done.file
    assert CohortStatistic.objects.count() == ROWS
    assert set(CohortStatistic.objects.values_list("last_import", flat=True)) == {done.pk}
    duplicates = (CohortStatistic.objects
                  .values("region", "cohort_start", "cohort_end", "reference_year", "category")
                  .annotate(n=Count("pk")).filter(n__gt=1))
    assert not duplicates.exists()
