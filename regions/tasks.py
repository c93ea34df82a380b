"""Thin Celery wrappers: they take ids and call a service."""

from celery import shared_task


@shared_task
def apply_cohort_import(import_id: int) -> str:
    from . import services

    return services.cohort_import_apply(import_id=import_id).status


@shared_task
def expire_cohort_previews() -> int:
    """Hourly: previews left waiting more than 24 hours expire (``services``)."""
    from . import services

    return services.cohort_imports_expire()
