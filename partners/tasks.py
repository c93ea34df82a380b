"""Thin Celery wrappers: they take ids and call a service."""

from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=30, max_retries=6)
def send_invitation(invitation_id: int, accept_url_template: str) -> bool:
    return services.invitation_send(invitation_id=invitation_id,
                                    accept_url_template=accept_url_template)
