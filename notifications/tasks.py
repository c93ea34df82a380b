"""Thin Celery wrappers: they take ids and call a service."""

from smtplib import SMTPException

from celery import shared_task


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=30, max_retries=6)
def send_notification_email(notification_id: int) -> bool:
    from . import services

    return services.notification_email_send(notification_id=notification_id)


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=60, max_retries=6)
def send_email_digests(day: str | None = None) -> int:
    """The daily digest of everyone who chose one (declared in portal/celery.py). ``day``
    (ISO) defaults to today in America/Montreal."""
    from datetime import date

    from django.utils import timezone

    from . import services

    return services.email_digests_send(
        day=date.fromisoformat(day) if day else timezone.localdate())


@shared_task(acks_late=True, soft_time_limit=3300, time_limit=3600)
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
