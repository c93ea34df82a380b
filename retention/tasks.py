"""Thin Celery wrapper around the retention engine."""

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=3300, time_limit=3600)
def apply_retention() -> dict:
    """Forget what is past its retention period (declared in portal/celery.py, monthly). Safe
    to run again, or after a worker died in the middle: what was forgotten is no longer a
    candidate. Returns the counts of the run's report."""
    from . import engine

    return engine.run().counts
