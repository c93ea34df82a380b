"""Small helpers every page module uses: htmx fragments and safe "come back here" links."""

from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme


def page_or_fragment(request, template, partial, context):
    """The whole page, or only its named partial (django-template-partials) for an htmx
    request; not for htmx's history restore, which needs the page."""
    if request.htmx and not request.htmx.history_restore_request:
        template = f"{template}#{partial}"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def safe_next(request, default: str) -> str:
    """The ``next`` address the form sent back, if it stays on this site; else ``default``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


class KeysFirst:
    """A list's queryset as the paginator sees it: a page is found by its primary keys alone,
    then its rows are read by key.

    A file list joins five or six tables for its columns (``select_related``) and sorts
    tens of thousands of rows of the user's scope. Asked for rows 26 to 50 in one query,
    PostgreSQL may join every row of the scope before sorting them; asked for the keys, it sorts
    narrow rows with only the joins the order needs, and the 25 wide rows are then read through
    the primary key. Two short queries instead of one long one, at any size."""

    def __init__(self, queryset):
        self.queryset = queryset
        self.ordered = queryset.ordered

    def count(self):
        return self.queryset.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, window):
        if not isinstance(window, slice):
            return self.queryset[window]
        keys = list(self.queryset.values_list("pk", flat=True)[window])
        rows = {row.pk: row for row in self.queryset.order_by().filter(pk__in=keys)}
        return [rows[key] for key in keys if key in rows]


def paginate(request, queryset, per_page: int):
    """The requested page of ``queryset`` (read keys first, :class:`KeysFirst`) and the query
    string without its page number (for the pagination, sort and export links, which keep the
    filters)."""
    from django.core.paginator import Paginator

    rows = queryset if queryset.query.distinct else KeysFirst(queryset)
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
