"""Keeping noise out of the trail as it is written."""

from auditlog.models import LogEntry

from .display import is_noise_entry


def drop_noise_entry(sender, log_entry=None, action=None, **kwargs):
    """A change entry that records nothing but noise (an empty related manager, an empty value
    on both sides, the same value twice) is removed as soon as it is written."""
    if log_entry is not None and action == LogEntry.Action.UPDATE and is_noise_entry(log_entry):
        log_entry.delete()
