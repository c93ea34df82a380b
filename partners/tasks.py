"""Thin Celery wrappers: they take ids and call a service."""

from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(SMTPException, ConnectionError), retry_backoff=30, max_retries=6)
def send_invitation(invitation_id: int, accept_url_template: str) -> bool:
    return services.invitation_send(invitation_id=invitation_id,
                                    accept_url_template=accept_url_template)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=300)
def send_owed_invitations(older_than_seconds: float | None = None) -> int:
    """Pending invitations never emailed whose task was lost (portal/celery.py, every 5
    minutes); ``older_than_seconds`` overrides the 2-minute delay."""
    from datetime import timedelta

    if older_than_seconds is None:
        return services.owed_invitations_send()
    return services.owed_invitations_send(older_than=timedelta(seconds=older_than_seconds))
