"""How an API request is let in: ``Authorization: Bearer <token>``, then the token's rate
limit; the answer's language from ``Accept-Language``; and the audit entry of every write.

The API never reads the session: a browser's cookie gives it nothing, so it needs no CSRF
check (``/api/v1/`` is exempt from the staff MFA redirect for the same reason:
``accounts/middleware.py``). The person acting is the token's, ``request.user`` included."""

import functools
import math
import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from accounts.network import client_address

from . import services
from .models import TOKEN_PREFIX, ApiToken, token_hash

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class TokenRefused(AuthenticationError):
    def __init__(self, slug: str, detail: str):
        super().__init__()
        self.slug, self.detail = slug, detail


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__()
        self.retry_after = retry_after


class ReadOnlyToken(Exception):
    pass


def _rate_limit(token: ApiToken) -> None:
    """A fixed one-minute window per token, counted in the cache (Redis): the
    ``API_RATE_LIMIT_PER_MINUTE``-th request passes, the next waits for the next minute."""
    limit = settings.API_RATE_LIMIT_PER_MINUTE
    now = time.time()
    window = int(now // 60)
    key = f"api:rate:{token.pk}:{window}"
    cache.add(key, 0, timeout=120)
    count = cache.incr(key)
    if count > limit:
        raise RateLimited(retry_after=max(1, math.ceil((window + 1) * 60 - now)))


class TokenAuth(HttpBearer):
    """The personal token of ``api.models.ApiToken``."""

    openapi_description = ("A personal token created on the portal's “API tokens” page: "
                           "`Authorization: Bearer prt_…`.")

    def authenticate(self, request, token):
        now = timezone.now()
        found = None
        if token.startswith(TOKEN_PREFIX) and len(token) <= 128:
            found = (ApiToken.objects.select_related("user", "user__membership")
                     .filter(key_hash=token_hash(token)).first())
        if found is None or not found.user.is_active:
            raise TokenRefused("unauthenticated", _("This token is unknown."))
        if found.revoked_at is not None:
            raise TokenRefused("token-revoked", _("This token was revoked."))
        if found.expires_at <= now:
            raise TokenRefused("token-expired", _("This token has expired."))
        user = found.user
        if user.is_ministry_staff and not Authenticator.objects.filter(
                user=user, type=Authenticator.Type.TOTP).exists():
            raise TokenRefused("unauthenticated", _(
                "Ministry staff must activate an authenticator app before using the API."))
        services.token_used(found, now=now)
        _rate_limit(found)
        request.user = user
        request.api_token = found
        return found


def require_writable(request) -> None:
    """A read-only token may not write: 403, whatever the object."""
    if request.api_token.read_only:
        raise ReadOnlyToken


def request_language(request) -> str:
    """English when the client prefers it to French, else French (fr-CA)."""
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        base = code.split("-")[0].lower()
        if base == "en":
            return "en"
        if base == "fr":
            break
    return settings.LANGUAGE_CODE


def api_view(run):
    """Wraps each operation (authentication and errors included): the language from
    ``Accept-Language``, and an audit entry for every write a token attempted."""

    @functools.wraps(run)
    def wrapper(request, *args, **kwargs):
        language = request_language(request)
        with translation.override(language):
            response = run(request, *args, **kwargs)
            token = getattr(request, "api_token", None)
            if token is not None and request.method in WRITE_METHODS:
                services.api_write_record(token=token, method=request.method,
                                          path=request.path, status=response.status_code,
                                          remote_addr=client_address(request))
        response["Content-Language"] = language
        response["Vary"] = "Accept-Language, Authorization"
        return response

    return wrapper
