"""Thin Celery wrappers: they take ids and call a service."""

from celery import shared_task


@shared_task
def notify_opportunity_event(event_id: int) -> int:
    from . import services

    return services.opportunity_event_notify(event_id=event_id)


@shared_task
def notify_referral(referral_id: int, hires: int) -> int:
    from . import services

    return services.referral_notify(referral_id=referral_id, hires=hires)
