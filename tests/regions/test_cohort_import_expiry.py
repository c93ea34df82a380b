"""A cohort preview does not wait “for confirmation” forever: after 24 hours it expires, the
history says when, and it can no longer be confirmed. The demo's fictitious figures appear in
the history as an import of their own, marked as demo data."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from regions import services
from regions.demo import DEMO_FILE, seed_demo_cohorts
from regions.models import CohortImport, CohortStatistic

pytestmark = pytest.mark.django_db

HEADER = "region,cohort_start,cohort_end,reference_year,category,admitted,present"
GOOD = f"{HEADER}\n06,2006,2015,2021,all,100,60\n".encode()
BAD = f"{HEADER}\nAtlantide,2006,2015,2021,all,100,60\n".encode()


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def preview(admin, content, hours_ago):
    started = services.cohort_import_start(actor=admin,
                                           upload=SimpleUploadedFile("cohortes.csv", content))
    CohortImport.objects.filter(pk=started.pk).update(
        created_at=timezone.now() - timedelta(hours=hours_ago))
    started.refresh_from_db()
    return started


def test_a_preview_with_errors_expires_after_24_hours_and_the_history_says_when(client,
                                                                               admin_user):
    stale = preview(admin_user, BAD, hours_ago=25)
    fresh = preview(admin_user, BAD, hours_ago=23)
    assert stale.rows_error and not stale.file, "a refused file is not kept (issue 13)"
    client.force_login(admin_user)

    html = client.get(reverse("regions:cohort_import_history")).content.decode()

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == CohortImport.Status.EXPIRED
    assert stale.finished_at == stale.created_at + timedelta(hours=24)
    assert not stale.file, "the expired file is deleted"
    assert fresh.status == CohortImport.Status.PREVIEWED
    assert "Expired without confirmation" in html
    expired_on = timezone.localtime(stale.finished_at)
    assert f"on {expired_on.day} {expired_on:%B %Y, %H:%M}" in html
    assert "expires on" in html  # the fresh one says until when it waits

    detail = client.get(reverse("regions:cohort_import_detail", args=[stale.pk]))
    assert 'id="expired-notice"' in detail.content.decode()
    assert not detail.context["can_confirm"]


def test_an_expired_preview_cannot_be_confirmed(client, admin_user):
    waiting = preview(admin_user, GOOD, hours_ago=30)  # no error, but left a day and more
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.cohort_import_confirm(actor=admin_user, cohort_import=waiting)
    assert "Expired without confirmation" in refused.value.messages[0]
    waiting.refresh_from_db()
    assert waiting.status == CohortImport.Status.EXPIRED
    assert not CohortStatistic.objects.exists()
    # Through the page too.
    other = preview(admin_user, GOOD, hours_ago=24)
    client.force_login(admin_user)
    client.post(reverse("regions:cohort_import_confirm", args=[other.pk]))
    other.refresh_from_db()
    assert other.status == CohortImport.Status.EXPIRED
    assert not CohortStatistic.objects.exists()


def test_a_recent_preview_is_still_confirmed(admin_user):
    waiting = preview(admin_user, GOOD, hours_ago=23)
    done = services.cohort_import_confirm(actor=admin_user, cohort_import=waiting)
    assert done.status == CohortImport.Status.DONE
    assert CohortStatistic.objects.count() == 1


def test_the_sweep_expires_each_preview_once(admin_user):
    preview(admin_user, BAD, hours_ago=48)
    from regions.tasks import expire_cohort_previews

    assert expire_cohort_previews() == 1
    assert expire_cohort_previews() == 0


def test_the_demo_import_appears_in_the_history_marked_demo(client, admin_user):
    seed_demo_cohorts()
    demo = CohortImport.objects.get()
    assert (demo.is_demo, demo.status, demo.file_name, demo.uploaded_by) == (
        True, CohortImport.Status.DONE, DEMO_FILE.name, None)
    assert (demo.rows_total, demo.rows_new, demo.rows_updated) == (17 * 3 * 5, 17 * 3 * 5, 0)
    assert len(demo.sha256) == 64 and demo.size == DEMO_FILE.stat().st_size
    assert CohortStatistic.objects.filter(last_import=demo).count() == 17 * 3 * 5
    # A second run writes nothing, so it records nothing.
    assert seed_demo_cohorts() == 0
    assert CohortImport.objects.count() == 1

    client.force_login(admin_user)
    html = client.get(reverse("regions:cohort_import_history")).content.decode()
    row = html.split(DEMO_FILE.name)[1].split("</tr>")[0]
    assert "fictitious demo data" in row and "the demo loader (seed_demo)" in row
    assert "Imported" in row
    detail = client.get(reverse("regions:cohort_import_detail", args=[demo.pk]))
    assert detail.status_code == 200


def test_beat_expires_the_waiting_previews_every_hour():
    from portal.celery import app

    entry = app.conf.beat_schedule["hourly-cohort-preview-expiry"]
    assert entry["task"] == "regions.tasks.expire_cohort_previews"
    assert entry["schedule"].hour == set(range(24))
    from regions.tasks import expire_cohort_previews

    assert expire_cohort_previews.name == entry["task"]
