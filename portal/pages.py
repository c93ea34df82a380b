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


def paginate(request, queryset, per_page: int):
    """The requested page of ``queryset`` and the query string without its page number (for
    the pagination, sort and export links, which keep the filters)."""
    from django.core.paginator import Paginator

    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
