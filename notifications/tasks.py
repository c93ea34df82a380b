"""Thin Celery wrappers: they take ids and call a service."""

from smtplib import SMTPException

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_notification_email(notification_id: int) -> bool:
    """The fast path of one owed email. A failure is counted on the notification (its outbox
    state) and retried by ``send_owed_emails``, not by Celery: the task never retries."""
    from . import services

    return services.notification_email_send(notification_id=notification_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=300)
def send_owed_emails(older_than_seconds: float | None = None) -> dict:
    """Every email owed for more than two minutes (``older_than_seconds`` overrides it) and
    due, whose task was lost or failed (declared in portal/celery.py, every 5 minutes). Safe
    to run twice or at once: each email is sent under its row's lock."""
    from datetime import timedelta

    from . import services

    if older_than_seconds is None:
        return services.owed_emails_send()
    return services.owed_emails_send(older_than=timedelta(seconds=older_than_seconds))


@shared_task(acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(SMTPException, ConnectionError), retry_backoff=60, max_retries=6)
def send_email_digests(day: str | None = None) -> int:
    """The daily digest of everyone who chose one (declared in portal/celery.py). ``day``
    (ISO) defaults to today in America/Montreal."""
    from datetime import date

    from django.utils import timezone

    from . import services

    return services.email_digests_send(
        day=date.fromisoformat(day) if day else timezone.localdate())


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=3300, time_limit=3600)
def daily_reminders(day: str | None = None, chunk: int | None = None,
                    pause: float | None = None) -> dict:
    """Every reminder sweep the domain apps registered (``notifications.reminders``), for
    ``day`` (ISO; defaults to today in America/Montreal), declared in portal/celery.py. Safe to
    run twice or at once on two workers; acknowledged only when done, so a sweep lost with its
    worker is delivered again (and sends only what is left). ``chunk`` and ``pause`` override
    the size of the walk's chunks and a wait after each (tests of the real worker)."""
    from datetime import date

    from . import reminders

    return reminders.daily_sweep(
        date.fromisoformat(day) if day else reminders.today_in_montreal(),
        chunk=chunk, pause=pause)


#: The PostgreSQL advisory lock two pollers share (any constant; held by one session).
POLL_LOCK = 7_415_003_001


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=300)
def poll_mailbox(pause: float | None = None) -> dict:
    """Read the portal's mailbox and process what came in (``notifications.inbound.poll``),
    every minute (portal/celery.py). Two runs do not overlap: a run that cannot take the
    session-level advisory lock returns at once (a killed run's lock ends with its database
    session). Correctness does not depend on that lock: the unique message key and the row
    lock make each message received and processed once even when two runs do overlap.
    ``pause`` is for tests that kill the poller mid-batch."""
    from django.db import connection

    from . import inbound

    if connection.vendor != "postgresql":
        return inbound.poll(pause=pause or 0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [POLL_LOCK])
        if not cursor.fetchone()[0]:
            return {"skipped": "another poller is running"}
    try:
        return inbound.poll(pause=pause or 0)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [POLL_LOCK])
