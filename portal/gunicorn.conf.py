"""gunicorn's settings for the portal's web process (the Dockerfile runs
``gunicorn portal.wsgi:application -c portal/gunicorn.conf.py``; command-line options override
these, as in ``tests/portal/test_body_cap.py``).

Request bodies are bounded by the portal itself (``REQUEST_BODY_MAX_BYTES``,
``portal.middleware.RequestBodyLimitMiddleware``), before Django reads them; the request line
and headers are bounded here. Responses do not name the server software: gunicorn 23 writes
``Server: gunicorn`` on every response and has no setting to leave it out, so the header is
removed from the lines it writes (the reverse proxy in front hides its own: ``server_tokens
off`` for nginx)."""

import os

from gunicorn.http import wsgi as _gunicorn_wsgi

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
accesslog = "-"
#: A worker silent this long is restarted (gunicorn's default, stated).
timeout = 30
#: The request line (method, path and query), the number of headers and each header's size:
#: gunicorn's defaults, stated; longer is answered 400 before the portal sees it.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190


def _without_server_header(default_headers):
    def headers(self):
        return [line for line in default_headers(self)
                if not line.lower().startswith("server:")]
    return headers


# Loaded once in the master before the workers are forked: every worker answers without it.
_gunicorn_wsgi.Response.default_headers = _without_server_header(
    _gunicorn_wsgi.Response.default_headers)
# Not sent to clients, but no reason to hand the version to the application either.
_gunicorn_wsgi.SERVER_SOFTWARE = "portal"
