"""Thin Celery wrappers: they take ids and call a service."""

from celery import shared_task


@shared_task
def apply_cohort_import(import_id: int, chunk: int | None = None, pause: float = 0) -> str:
    """Apply a confirmed (or retried) import; ``chunk`` and ``pause`` are for tests that kill
    the worker midway (see ``services.cohort_import_apply``)."""
    from . import services

    return services.cohort_import_apply(import_id=import_id, chunk=chunk, pause=pause).status


@shared_task
def expire_cohort_previews() -> int:
    """Hourly: previews left waiting more than 24 hours expire, and failed imports past their
    retry time lose their file (``services``)."""
    from . import services

    return services.cohort_imports_expire()


@shared_task
def recover_cohort_imports() -> int:
    """Every five minutes: imports whose job died are marked failed, to be retried
    (``services.cohort_imports_recover``)."""
    from . import services

    return services.cohort_imports_recover()
