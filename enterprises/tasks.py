"""Thin Celery wrappers: they take ids and call a service."""

from celery import shared_task


@shared_task
def notify_case_event(event_id: int) -> int:
    from . import services

    return services.case_event_notify(event_id=event_id)


@shared_task
def notify_case_note(note_id: int) -> int:
    from . import services

    return services.case_note_notify(note_id=note_id)

