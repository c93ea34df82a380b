"""Errors of the API, in one documented shape: RFC 9457 problem details
(``application/problem+json``): ``type``, ``title``, ``status``, ``detail`` and, for a
validation error, ``errors``: one ``{"field": ..., "message": ...}`` per problem (``field`` is
null when the problem is about the request as a whole). Texts follow ``Accept-Language``
(French unless English is preferred)."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _

CONTENT_TYPE = "application/problem+json"

#: slug -> (status, title). ``type`` is ``urn:portail:api:problem:<slug>``.
PROBLEMS = {
    "unauthenticated": (401, _("Authentication required")),
    "token-expired": (401, _("Token expired")),
    "token-revoked": (401, _("Token revoked")),
    "forbidden": (403, _("Forbidden")),
    "read-only-token": (403, _("Read-only token")),
    "not-found": (404, _("Not found")),
    "method-not-allowed": (405, _("Method not allowed")),
    "invalid-request": (422, _("Invalid request")),
    "refused": (422, _("Refused")),
    "too-many-requests": (429, _("Too many requests")),
    "server-error": (500, _("Server error")),
}


def problem_type(slug: str) -> str:
    return f"urn:portail:api:problem:{slug}"


def problem(slug: str, detail: str = "", *, errors=None, headers=None) -> JsonResponse:
    status, title = PROBLEMS[slug]
    body = {"type": problem_type(slug), "title": str(title), "status": status,
            "detail": str(detail or title)}
    if errors is not None:
        body["errors"] = errors
    response = JsonResponse(body, status=status, content_type=CONTENT_TYPE,
                            json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def field_errors(exc: ValidationError) -> list[dict]:
    """A service's ValidationError as the problem's ``errors``: each message at its field."""
    if hasattr(exc, "error_dict"):
        return [{"field": None if field == NON_FIELD_ERRORS else field, "message": str(message)}
                for field, errors in exc.error_dict.items()
                for error in errors for message in error.messages]
    return [{"field": None, "message": str(message)} for message in exc.messages]


def describe() -> str:
    """The problem types, for the API's description (the OpenAPI schema and its page)."""
    lines = [f"- `{problem_type(slug)}` ({status}): {title}"
             for slug, (status, title) in PROBLEMS.items()]
    return "\n".join(lines)
