"""Links that leave the portal in an email: always on the portal's public address
(``settings.PORTAL_BASE_URL``), never on a request's Host header, which a Celery task does not
have and a visitor can forge. Here, in the lowest app, so every app may use it."""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings


def absolute_url(path: str) -> str:
    """``path`` (a ``reverse()`` result, with its query and fragment) on the public address."""
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}/{path.lstrip('/')}"


def on_portal_address(url: str) -> str:
    """``url``, absolute or not, moved onto the public address (its path, query and fragment
    kept)."""
    parts = urlsplit(url)
    return absolute_url(urlunsplit(("", "", parts.path, parts.query, parts.fragment)))
