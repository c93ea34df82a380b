"""How long the audit trail is kept (see ``retention.engine``): an entry older than the audit
period is deleted. Runs after every other rule (their redactions touch entries too)."""

from auditlog.models import LogEntry

from retention import engine as retention
from retention.models import Kind


def old_entries(cutoff):
    return LogEntry.objects.filter(timestamp__lt=cutoff)


@retention.rule(Kind.AUDIT_ENTRIES, "entries", candidates=old_entries, order=90)
def delete_old_entries(rows) -> int:
    return rows.model.objects.filter(pk__in=list(rows.values_list("pk", flat=True))).delete()[0]
