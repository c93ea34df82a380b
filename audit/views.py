"""The audit trail page and its CSV export (central administrators only)."""

import tablib
from auditlog.models import LogEntry
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal.exports import export_response

from .display import format_local, readable
from .filters import LogEntryFilter
from .permissions import can_view_audit_trail

#: Entries per CSV export read from the database at once.
EXPORT_CHUNK = 500


def _filtered(request):
    if not can_view_audit_trail(request.user):
        raise PermissionDenied
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp",
                                                                                "-pk")
    return LogEntryFilter(request.GET or None, queryset=entries)


@login_required
def log(request):
    """The audit trail: every change to a domain object and every consultation of personal
    information, newest first, in words and in Montréal time. Central administrators only."""
    filterset = _filtered(request)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/log.html", {
        "filter": filterset, "page": page, "entries": readable(page.object_list),
        "query": query.urlencode(),
        "person": (filterset.form.cleaned_data.get("person") if filterset.is_bound
                   and filterset.is_valid() else ""),
    })


class AuditExport:
    """The filtered entries as a dataset (``portal.exports.export_response``): one line per
    entry, the changes in words, the time in Montréal time."""

    def export(self, queryset):
        dataset = tablib.Dataset(headers=[
            _("When (Montréal time)"), _("Who"), _("IP address"), _("Action"),
            _("Kind of record"), _("Record"), _("Changes")])
        for start in range(0, queryset.count(), EXPORT_CHUNK):
            for item in readable(queryset[start:start + EXPORT_CHUNK]):
                changes = "; ".join(f"{c.field}: {c.old} → {c.new}" for c in item.changes)
                dataset.append([format_local(item.entry.timestamp), item.who,
                                item.entry.remote_addr or "", item.action, item.kind,
                                item.record, changes])
        return dataset


@login_required
def export(request):
    """Exactly the entries the page's filters select (for instance one person's, for an access
    request), as CSV."""
    filterset = _filtered(request)
    return export_response(AuditExport(), filterset.qs, "csv", "journal-audit")
