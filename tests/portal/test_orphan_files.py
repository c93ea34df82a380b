"""Files in private storage that no row references are removed by the daily sweep
(``portal.files.remove_orphan_files``), once older than the grace period: a plan document
whose transaction rolled back after its file was written, a cohort file left behind. Files
rows reference are never removed, and a second run removes nothing more. (Issue 13, item 6.)"""

import os
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction

from portal import files, tasks
from programs import services as plan_services
from programs.models import Attachment
from regions import services as region_services
from tests.factories.programs import ActionPlanFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
             b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")
COHORT_CSV = (b"region,cohort_start,cohort_end,reference_year,category,admitted,present\n"
              b"06,2006,2015,2021,all,100,60\n")


class Aborted(Exception):
    pass


def storage():
    return storages["private"]


def written_at(name) -> datetime:
    return datetime.fromtimestamp(os.path.getmtime(storage().path(name)), tz=UTC)


def make_old(name, days=2):
    """Date the file back, as if written ``days`` ago."""
    when = (datetime.now(tz=UTC) - timedelta(days=days)).timestamp()
    os.utime(storage().path(name), (when, when))


@pytest.fixture
def draft(world):
    return ActionPlanFactory(organisation=world["orgs"]["tr"], measures=1)


def rolled_back_upload(world, draft) -> str:
    """A plan document added inside a transaction that then fails: its file stays behind."""
    kept = {}
    with pytest.raises(Aborted), transaction.atomic():
        attachment = plan_services.attachment_add(
            actor=world["users"]["partner"], plan=draft,
            upload=SimpleUploadedFile("budget.pdf", PDF_BYTES))
        kept["name"] = attachment.file.name
        raise Aborted
    assert not Attachment.objects.exists()
    assert storage().exists(kept["name"])
    return kept["name"]


def test_a_rolled_back_upload_is_removed_after_the_grace_period_but_not_before(world, draft):
    orphan = rolled_back_upload(world, draft)
    written = written_at(orphan)

    too_soon = files.remove_orphan_files(now=written + timedelta(hours=23))
    assert orphan not in too_soon and storage().exists(orphan)

    removed = files.remove_orphan_files(now=written + timedelta(hours=25))
    assert orphan in removed and not storage().exists(orphan)
    assert orphan.startswith(f"plans/{draft.pk}/")


def test_referenced_files_are_never_removed_and_a_second_run_changes_nothing(world, draft,
                                                                            admin_user):
    orphan = rolled_back_upload(world, draft)
    document = plan_services.attachment_add(actor=world["users"]["partner"], plan=draft,
                                            upload=SimpleUploadedFile("plan.pdf", PDF_BYTES))
    cohort = region_services.cohort_import_start(
        actor=admin_user, upload=SimpleUploadedFile("cohortes.csv", COHORT_CSV))
    stray_cohort_file = storage().save("cohort-imports/left-behind.csv",
                                       ContentFile(COHORT_CSV))
    for name in (orphan, document.file.name, cohort.file.name, stray_cohort_file):
        make_old(name)

    removed = files.remove_orphan_files()

    assert orphan in removed and stray_cohort_file in removed
    assert document.file.name not in removed and cohort.file.name not in removed
    assert storage().exists(document.file.name) and storage().exists(cohort.file.name)
    assert not storage().exists(orphan) and not storage().exists(stray_cohort_file)
    assert files.remove_orphan_files() == []  # twice: nothing more
    assert storage().exists(document.file.name) and storage().exists(cohort.file.name)


def test_files_outside_the_upload_folders_are_never_touched(world, draft):
    other = storage().save("elsewhere/kept.txt", ContentFile(b"not a document"))
    make_old(other, days=30)
    removed = files.remove_orphan_files()
    assert other not in removed and storage().exists(other)
    storage().delete(other)


def test_a_dry_run_lists_without_removing(world, draft):
    orphan = rolled_back_upload(world, draft)
    make_old(orphan)
    assert orphan in files.remove_orphan_files(dry_run=True)
    assert storage().exists(orphan)


def test_the_command_and_the_daily_job(world, draft):
    first, second = rolled_back_upload(world, draft), rolled_back_upload(world, draft)
    make_old(first)
    make_old(second)
    fresh = rolled_back_upload(world, draft)  # a moment ago: maybe an upload in progress

    out = StringIO()
    call_command("remove_orphan_files", "--dry-run", stdout=out)
    assert first in out.getvalue() and second in out.getvalue()
    assert fresh not in out.getvalue()
    assert storage().exists(first)

    out = StringIO()
    call_command("remove_orphan_files", stdout=out)
    assert first in out.getvalue() and not storage().exists(first)
    assert not storage().exists(second) and storage().exists(fresh)
    assert tasks.remove_orphan_files() == 0  # nothing old is left
    # A shorter grace period, for an operator who knows no upload is in progress.
    call_command("remove_orphan_files", "--hours", "0", stdout=StringIO())
    assert not storage().exists(fresh)


def test_the_sweep_runs_every_day():
    from portal.celery import app

    entry = app.conf.beat_schedule["daily-orphan-files"]
    assert entry["task"] == tasks.remove_orphan_files.name
    assert len(entry["schedule"].hour) == 1 and len(entry["schedule"].minute) == 1
