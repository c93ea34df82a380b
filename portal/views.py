import json
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.network import client_address

csp_logger = logging.getLogger("portal.csp")


def health(request):
    """For the load balancer and docker compose: the process answers and the database too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def _violations(payload):
    """The violations of a report, as (directive, document, blocked) triples, from either
    format browsers send: ``application/csp-report`` (``{"csp-report": {...}}``, the
    ``report-uri`` directive) or ``application/reports+json`` (a list of reports whose
    ``body`` uses the Reporting API's camelCase names)."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        report = payload["csp-report"]
        yield (report.get("effective-directive") or report.get("violated-directive"),
               report.get("document-uri"), report.get("blocked-uri"))
    elif isinstance(payload, list):
        for entry in payload:
            body = entry.get("body") if isinstance(entry, dict) else None
            if isinstance(body, dict) and entry.get("type") == "csp-violation":
                yield (body.get("effectiveDirective") or body.get("violatedDirective"),
                       body.get("documentURL") or entry.get("url"), body.get("blockedURL"))


@csrf_exempt
@require_POST
def csp_report(request):
    """Where browsers send Content-Security-Policy violations (the policy's ``report-uri``):
    each is logged as a warning naming the directive broken and the page. Anyone may post
    here, so the body is bounded (``CSP_REPORT_MAX_BYTES``, refused unread if longer) and so
    is the logging (``CSP_REPORTS_PER_MINUTE`` per client address). Always 204 otherwise: a
    browser does nothing with the answer."""
    limit = settings.CSP_REPORT_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return HttpResponse(status=413)
    body = request.read(limit + 1)
    if len(body) > limit:
        return HttpResponse(status=413)
    try:
        payload = json.loads(body)
    except ValueError:
        return HttpResponse(status=400)
    key = f"csp-report:{client_address(request)}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        count = 1
    if count > settings.CSP_REPORTS_PER_MINUTE:
        return HttpResponse(status=204)
    for directive, document, blocked in _violations(payload):
        csp_logger.warning("Content-Security-Policy violation: %s blocked %s on %s",
                           str(directive)[:200], str(blocked)[:500], str(document)[:500])
    return HttpResponse(status=204)
