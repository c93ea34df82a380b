"""Thin Celery wrappers: they call a service."""

from celery import shared_task


@shared_task
def compute_public_figures() -> dict[str, int]:
    """Recompute the public figures (hourly, ``portal/celery.py``; and after an administrator
    changes which cohort imports are publishable). Idempotent: replaces the snapshot."""
    from . import services

    return services.figures_compute()
