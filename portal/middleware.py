from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
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
