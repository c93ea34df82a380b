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


@shared_task(acks_late=True, soft_time_limit=3300, time_limit=3600)
def daily_reminders(day: str | None = None) -> dict:
    """Every reminder and escalation of the day (``day``, ISO, defaults to today in
    America/Montreal). Safe to run twice or at once on two workers; acknowledged only when
    done, so a sweep lost with its worker is delivered again (and sends only what is left)."""
    from datetime import date

    from . import reminders

    return reminders.daily_sweep(date.fromisoformat(day) if day else
                                 reminders.today_in_montreal())
