from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import translation

from accounts.network import client_address


class FrenchFirstLocaleMiddleware:
    """French (fr-CA) unless the person chose another language with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language header; a Quebec
    public-sector portal answers in French first, whatever the browser says."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        patch = response.get("Vary", "")
        if "Cookie" not in patch:
            response["Vary"] = f"{patch}, Cookie" if patch else "Cookie"
        return response


#: What is worth compressing: the portal's pages, fragments, CSV exports and JSON. Documents
#: (PDF, office files, images) are compressed formats already: gzip would spend a worker's time
#: for nothing and turn their known length into a stream.
COMPRESSIBLE_TYPES = ("text/", "application/json", "application/javascript", "image/svg+xml",
                      "application/xml")


class CompressedPagesMiddleware(GZipMiddleware):
    """Pages sent gzip-compressed to a browser that accepts it (a case list is about a tenth
    of its size on the wire), whatever proxy stands in front.

    Django's GZipMiddleware, which answers BREACH (guessing a secret of the page from the
    compressed length of pages that echo the attacker's text) by padding each response's gzip
    header with 0 to 100 random bytes; with the CSRF token masked anew on every response
    (Django's own) no secret of a page stays the same from one response to the next. Only
    text is compressed (``COMPRESSIBLE_TYPES``). Static files never reach it: WhiteNoise,
    before it, serves them precompressed (production settings)."""

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "")
        if not content_type.startswith(COMPRESSIBLE_TYPES):
            return response
        return super().process_response(request, response)


class TrustedAuditlogMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, recording the client address the portal trusts
    (``accounts.network.client_address``) rather than the first ``X-Forwarded-For`` value,
    which any client may write; a malformed header never breaks the page or drops the entry."""

    @staticmethod
    def _get_remote_addr(request):
        if getattr(settings, "AUDITLOG_DISABLE_REMOTE_ADDR", False):
            return None
        return client_address(request)


class PrivatePagesMiddleware:
    """What a signed-in person is shown (pages, htmx fragments, exports, documents) may hold
    personal information: no shared cache and no browser cache keeps it
    (``Cache-Control: private, no-store``), unless the view chose its own caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header(
                "Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response


class RequestBodyLimitMiddleware:
    """Refuses a request body longer than ``REQUEST_BODY_MAX_BYTES`` before any of it is read.

    Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not bound file uploads: a multipart body is
    streamed to temporary files whatever its length, so a 40 MB post would be read in full
    before a form says the file is too big. Here the declared ``Content-Length`` is checked
    first and a longer body is answered 413 (a page in French and English) unread. A body sent
    without a length (chunked transfer) would be read by Django as empty (its stream is cut at
    ``CONTENT_LENGTH``, 0 when absent): it is answered 411 instead of being silently dropped."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.REQUEST_BODY_MAX_BYTES
        declared = request.META.get("CONTENT_LENGTH") or ""
        try:
            length = int(declared) if declared else None
        except ValueError:
            length = None  # Django reads a malformed length as 0: nothing is read.
        if length is not None and length > limit:
            return _refusal(request, 413, limit)
        if length is None and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return _refusal(request, 411, limit)
        return self.get_response(request)


def _refusal(request, status, limit):
    """The bilingual page answering an oversized (413) or unmeasured (411) body. No language
    is chosen yet at this point of the request, and the body is never read."""
    with translation.override("en"):
        size_en = filesizeformat(limit)
    with translation.override("fr-ca"):
        size_fr = filesizeformat(limit)
    html = render_to_string("body_refused.html", {
        "status": status, "size_fr": size_fr, "size_en": size_en, "back": "/"})
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")
