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
