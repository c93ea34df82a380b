from auditlog.models import LogEntry
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from .filters import LogEntryFilter
from .permissions import can_view_audit_trail


@login_required
def log(request):
    """The audit trail: every change to a domain object and every consultation of personal
    information, newest first. Central administrators only."""
    if not can_view_audit_trail(request.user):
        raise PermissionDenied
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp",
                                                                                "-pk")
    filterset = LogEntryFilter(request.GET or None, queryset=entries)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/log.html",
                  {"filter": filterset, "page": page, "query": query.urlencode()})
