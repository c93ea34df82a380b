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
#: One process per CPU, each with 4 threads (gthread): a thread waiting on PostgreSQL leaves
#: the CPU to another, and connections are kept alive. Measured against sync workers (README,
#: « Throughput »: 20 to 80 % more pages per second); GUNICORN_WORKER_CLASS=sync goes back.
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 2)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS") or "gthread"
#: gunicorn runs threads whatever the class when threads > 1: none for sync workers.
threads = int(os.environ.get("GUNICORN_THREADS") or (4 if worker_class == "gthread" else 1))
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
