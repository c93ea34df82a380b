"""An import whose job died does not stay “running” for ever: it is taken for dead (stale
heartbeat, and no live job holding its row) and becomes “failed” with a message; the
administrator retries it, which writes every row once. A refused, cancelled, expired or failed
import keeps its file no longer than it can still be applied. (Issue 13, items 2 and 6; the
real worker killed midway is in test_import_worker.py.)"""

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DEFAULT_DB_ALIAS, connections
from django.urls import reverse
from django.utils import timezone, translation

from regions import services
from regions.models import CohortImport, CohortStatistic

Status = CohortImport.Status
HEADER = "region,cohort_start,cohort_end,reference_year,category,admitted,present"
STOPPED = "The processing stopped before the end"


def cohort_csv(regions=("01", "02", "03")):
    rows = [f"{code},2006,2015,{year},{category},100,60" for code in regions
            for year in (2016, 2021) for category in ("all", "economic")]
    return SimpleUploadedFile("cohortes.csv", "\n".join([HEADER, *rows, ""]).encode())


def private_files():
    root = storages["private"].location
    return sorted(os.path.join(folder, name) for folder, _dirs, names in os.walk(root)
                  for name in names)


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def started(admin, **fields):
    """A previewed import of 12 rows (its file kept), then moved to ``fields``."""
    cohort_import = services.cohort_import_start(actor=admin, upload=cohort_csv())
    if fields:
        CohortImport.objects.filter(pk=cohort_import.pk).update(**fields)
        cohort_import.refresh_from_db()
    return cohort_import


def ago(**delta):
    return timezone.now() - timedelta(**delta)


# --- Detection ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_running_import_whose_heartbeat_stopped_becomes_failed_and_retryable(admin_user):
    dead = started(admin_user, status=Status.RUNNING, heartbeat_at=ago(minutes=3),
                   rows_done=5000)

    assert services.cohort_imports_recover() == 1

    dead.refresh_from_db()
    assert dead.status == Status.FAILED and dead.finished_at
    assert dead.rows_done == 0
    assert STOPPED in dead.errors[0]["message"]
    assert "No data was changed. You can retry the import." in dead.errors[0]["message"]
    assert dead.can_retry and storages["private"].exists(dead.file.name)
    assert not CohortStatistic.objects.exists()
    assert services.cohort_imports_recover() == 0  # twice changes nothing more


@pytest.mark.django_db
def test_a_live_heartbeat_a_finished_import_and_a_preview_are_left_alone(admin_user):
    alive = started(admin_user, status=Status.RUNNING, heartbeat_at=ago(seconds=30))
    queued = started(admin_user, status=Status.QUEUED, heartbeat_at=ago(minutes=10))
    done = started(admin_user, status=Status.DONE, heartbeat_at=ago(days=2),
                   finished_at=ago(days=2))
    failed = started(admin_user, status=Status.FAILED, heartbeat_at=ago(days=2),
                     finished_at=ago(hours=1), errors=[{"row": 0, "column": "",
                                                       "message": "disk full"}])
    waiting = started(admin_user, created_at=ago(hours=3))

    assert services.cohort_imports_recover() == 0

    for cohort_import, status in ((alive, Status.RUNNING), (queued, Status.QUEUED),
                                  (done, Status.DONE), (failed, Status.FAILED),
                                  (waiting, Status.PREVIEWED)):
        before = cohort_import.errors
        cohort_import.refresh_from_db()
        assert cohort_import.status == status
        assert cohort_import.errors == before


@pytest.mark.django_db
def test_a_queued_import_no_worker_started_within_the_queue_timeout_fails(admin_user):
    lost = started(admin_user, status=Status.QUEUED,
                   heartbeat_at=ago(seconds=CohortImport.QUEUE_TIMEOUT.total_seconds() + 60))
    assert services.cohort_imports_recover() == 1
    lost.refresh_from_db()
    assert lost.status == Status.FAILED and lost.can_retry
    # Its message, if it is delivered after all, applies nothing: the import is not queued.
    assert services.cohort_import_apply(import_id=lost.pk).status == Status.FAILED
    assert not CohortStatistic.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_job_holding_its_import_is_never_taken_for_dead_whatever_its_heartbeat(admin_user):
    """The apply's transaction holds the row (FOR KEY SHARE) until it ends; a stale heartbeat
    alone (a long parse, a slow chunk) does not make a live job dead."""
    slow = started(admin_user, status=Status.RUNNING, heartbeat_at=ago(minutes=10))
    job = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        job.set_autocommit(False)
        with job.cursor() as cursor:
            cursor.execute("SELECT status FROM regions_cohortimport WHERE id = %s "
                           "FOR KEY SHARE", [slow.pk])
        # The job's heartbeat (a session of its own) still writes while the job holds the row.
        other = connections.create_connection(DEFAULT_DB_ALIAS)
        with other.cursor() as cursor:
            cursor.execute("UPDATE regions_cohortimport SET rows_done = 7 WHERE id = %s",
                           [slow.pk])
        other.close()

        assert services.cohort_imports_recover() == 0
        slow.refresh_from_db()
        assert slow.status == Status.RUNNING and slow.rows_done == 7
    finally:
        job.rollback()  # the job's session ends (as when its worker dies)
        job.close()
    assert services.cohort_imports_recover() == 1
    slow.refresh_from_db()
    assert slow.status == Status.FAILED


@pytest.mark.django_db
def test_the_page_says_at_once_that_the_job_died_and_offers_the_retry(client, admin_user):
    dead = started(admin_user, status=Status.RUNNING, heartbeat_at=ago(minutes=5))
    client.force_login(admin_user)

    html = client.get(reverse("regions:cohort_import_detail", args=[dead.pk])).content.decode()

    dead.refresh_from_db()
    assert dead.status == Status.FAILED
    assert STOPPED in html
    assert 'id="retry-form"' in html
    assert reverse("regions:cohort_import_retry", args=[dead.pk]) in html
    # The polled progress fragment stops polling and shows the retry button too.
    fragment = client.get(reverse("regions:cohort_import_progress", args=[dead.pk]))
    assert "hx-trigger" not in fragment.content.decode()
    assert 'id="retry-form"' in fragment.content.decode()
    history = client.get(reverse("regions:cohort_import_history")).content.decode()
    assert "can be retried until" in history


@pytest.mark.django_db
def test_the_progress_fragment_marks_a_dead_job_failed_while_the_admin_waits(client,
                                                                           admin_user):
    dead = started(admin_user, status=Status.QUEUED, heartbeat_at=ago(hours=1))
    client.force_login(admin_user)
    client.get(reverse("regions:cohort_import_progress", args=[dead.pk]))
    dead.refresh_from_db()
    assert dead.status == Status.FAILED


# --- Retry ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_retrying_a_failed_import_writes_every_row_once_and_drops_the_file(client,
                                                                            admin_user):
    dead = started(admin_user, status=Status.RUNNING, heartbeat_at=ago(minutes=5),
                   attempts=1)
    services.cohort_imports_recover()
    stored = storages["private"].path(dead.file.name)
    client.force_login(admin_user)

    response = client.post(reverse("regions:cohort_import_retry", args=[dead.pk]), follow=True)

    dead.refresh_from_db()
    assert dead.status == Status.DONE and dead.attempts == 2
    assert (dead.rows_new, dead.rows_done, dead.errors) == (12, 12, [])
    assert CohortStatistic.objects.count() == 12
    assert set(CohortStatistic.objects.values_list("last_import", flat=True)) == {dead.pk}
    assert "The file was imported." in response.content.decode()
    assert 'id="attempts"' in response.content.decode()
    assert not dead.file and not os.path.exists(stored)
    # Retrying again is refused: it is done.
    response = client.post(reverse("regions:cohort_import_retry", args=[dead.pk]), follow=True)
    assert "cannot be retried" in response.content.decode()
    assert CohortStatistic.objects.count() == 12


@pytest.mark.django_db
def test_a_big_retried_import_goes_back_to_the_job(admin_user, settings,
                                                   django_capture_on_commit_callbacks):
    settings.COHORT_IMPORT_SYNC_ROWS = 5
    failed = started(admin_user, status=Status.FAILED, finished_at=ago(minutes=1),
                     errors=[{"row": 0, "column": "", "message": "stopped"}])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = services.cohort_import_retry(actor=admin_user, cohort_import=failed)
    assert queued.status == Status.QUEUED and queued.errors == []
    assert not CohortStatistic.objects.exists()
    for callback in callbacks:  # the commit: the (eager) job runs
        callback()
    queued.refresh_from_db()
    assert queued.status == Status.DONE and CohortStatistic.objects.count() == 12


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.PREVIEWED, Status.QUEUED, Status.RUNNING,
                                    Status.DONE, Status.CANCELLED, Status.EXPIRED])
def test_only_a_failed_import_can_be_retried(admin_user, status):
    cohort_import = started(admin_user, status=status, heartbeat_at=timezone.now())
    with pytest.raises(ValidationError) as refused:
        services.cohort_import_retry(actor=admin_user, cohort_import=cohort_import)
    assert "cannot be retried" in refused.value.messages[0]
    cohort_import.refresh_from_db()
    assert cohort_import.status == status
    assert not CohortStatistic.objects.exists()


@pytest.mark.django_db
def test_only_central_administrators_retry(client, world):
    failed = started(world["users"]["admin"], status=Status.FAILED, finished_at=ago(minutes=1))
    url = reverse("regions:cohort_import_retry", args=[failed.pk])
    for role in ("sit_manager", "adviser", "partner"):
        with pytest.raises(PermissionDenied):
            services.cohort_import_retry(actor=world["users"][role], cohort_import=failed)
        client.force_login(world["users"][role])
        assert client.post(url).status_code == 403, role
    client.logout()
    assert client.post(url)["Location"].startswith(reverse("account_login"))
    client.force_login(world["users"]["admin"])
    assert client.get(url).status_code == 405  # a POST only
    missing = reverse("regions:cohort_import_retry", args=[failed.pk + 1000])
    assert client.post(missing).status_code == 404
    failed.refresh_from_db()
    assert failed.status == Status.FAILED and not CohortStatistic.objects.exists()


@pytest.mark.django_db
def test_the_retry_button_shows_only_for_a_failed_import_with_its_file(client, admin_user):
    client.force_login(admin_user)
    done = started(admin_user, status=Status.DONE, finished_at=ago(minutes=1))
    kept = started(admin_user, status=Status.FAILED, finished_at=ago(hours=1))
    gone = started(admin_user, status=Status.FAILED, finished_at=ago(hours=25))

    def page(cohort_import):
        url = reverse("regions:cohort_import_detail", args=[cohort_import.pk])
        return client.get(url).content.decode()

    assert 'id="retry-form"' not in page(done)
    assert 'id="retry-form"' in page(kept)
    html = page(gone)  # the page's expiry pass deleted its file
    assert 'id="retry-form"' not in html
    assert "The file is no longer kept" in html
    gone.refresh_from_db()
    assert not gone.file
    with pytest.raises(ValidationError) as refused:
        services.cohort_import_retry(actor=admin_user, cohort_import=gone)
    assert "no longer kept" in refused.value.messages[0]


# --- No stray files (item 6) ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_refused_import_keeps_no_file(client, admin_user):
    client.force_login(admin_user)
    before = private_files()
    bad = SimpleUploadedFile("cohortes.csv",
                             f"{HEADER}\nAtlantide,2006,2015,2021,all,100,60\n".encode())

    response = client.post(reverse("regions:cohort_import"), {"file": bad}, follow=True)

    refused = CohortImport.objects.get()
    assert refused.rows_error == 1 and not refused.file
    assert "Atlantide" in response.content.decode()  # the errors are still shown
    assert private_files() == before


@pytest.mark.django_db
def test_a_file_refused_when_applied_is_deleted_and_cannot_be_retried(admin_user):
    cohort_import = started(admin_user)
    storages["private"].delete(cohort_import.file.name)
    storages["private"].save(cohort_import.file.name,
                             SimpleUploadedFile("x", f"{HEADER}\nAtlantide,1,2,3,all,1,1\n"
                                                .encode()))
    failed = services.cohort_import_confirm(actor=admin_user, cohort_import=cohort_import)
    assert failed.status == Status.FAILED
    assert not failed.file and not failed.can_retry
    assert not storages["private"].exists(cohort_import.file.name)


@pytest.mark.django_db
def test_a_failed_import_keeps_its_file_a_day_for_the_retry_then_loses_it(admin_user):
    recent = started(admin_user, status=Status.FAILED, finished_at=ago(hours=23))
    old = started(admin_user, status=Status.FAILED, finished_at=ago(hours=25))
    old_name = old.file.name

    services.cohort_imports_expire()
    services.cohort_imports_expire()  # twice changes nothing more

    recent.refresh_from_db()
    old.refresh_from_db()
    assert recent.can_retry and storages["private"].exists(recent.file.name)
    assert old.status == Status.FAILED and not old.file
    assert not storages["private"].exists(old_name)


@pytest.mark.django_db
def test_cancelled_and_expired_imports_keep_no_file(admin_user):
    cancelled = services.cohort_import_cancel(actor=admin_user, cohort_import=started(admin_user))
    expired = started(admin_user, created_at=ago(hours=25))
    name = expired.file.name
    services.cohort_imports_expire()
    expired.refresh_from_db()
    assert not cancelled.file and not expired.file
    assert not storages["private"].exists(name)


def test_the_recovery_job_runs_every_five_minutes():
    from portal.celery import app
    from regions import tasks

    entry = app.conf.beat_schedule["cohort-import-recovery"]
    assert entry["task"] == tasks.recover_cohort_imports.name
    assert entry["schedule"].minute == set(range(0, 60, 5))


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_writes_the_import_at_most_once_a_second_however_small_the_chunks(
        reloaded_network, admin_user, monkeypatch):
    """Each write is a new version of the row every applied row refers to: a chunk of a few
    rows does not write it each time (the progress bar reads the cache, written per chunk)."""
    running = started(admin_user, status=Status.RUNNING, heartbeat_at=ago(minutes=1),
                      rows_done=0)
    clock = [1000.0]
    monkeypatch.setattr("time.monotonic", lambda: clock[0])
    heartbeat = services._Heartbeat(running.pk)
    try:
        heartbeat.beat(100)  # the first beat always writes
        assert CohortImport.objects.get(pk=running.pk).rows_done == 100
        clock[0] += 0.5
        heartbeat.beat(200)
        assert CohortImport.objects.get(pk=running.pk).rows_done == 100
        clock[0] += 0.6
        heartbeat.beat(300)
        beaten = CohortImport.objects.get(pk=running.pk)
        assert beaten.rows_done == 300 and beaten.heartbeat_at > ago(seconds=10)
    finally:
        heartbeat.close()
