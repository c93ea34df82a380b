"""Thin Celery wrappers: they take ids and call a service."""

from smtplib import SMTPException

from celery import shared_task


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=30, max_retries=6)
def send_notification_email(notification_id: int) -> bool:
    from . import services

    return services.notification_email_send(notification_id=notification_id)
