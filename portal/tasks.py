"""Thin Celery wrappers for the portal's own jobs."""

from celery import shared_task


@shared_task
def remove_orphan_files() -> int:
    """Daily: files of private storage no row references, older than a day, are removed
    (``portal.files.remove_orphan_files``); returns how many."""
    from . import files

    return len(files.remove_orphan_files())
