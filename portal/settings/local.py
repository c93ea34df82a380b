"""The embedded default: SQLite, tasks run in-process, mail printed to the console."""

import base64
import hashlib

from .base import *  # noqa: F403
from .base import BASE_DIR, env
from .base import DATABASES as _BASE_DATABASES

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="local-only-not-a-secret-0f8b7c6d5e4a")
# A fixed key derived from a known phrase: MFA secrets of a local database are not secret.
MFA_ENCRYPTION_KEYS = env.list("MFA_ENCRYPTION_KEYS", default=[base64.urlsafe_b64encode(
    hashlib.sha256(b"local-only-mfa-key-not-a-secret").digest()).decode()])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# The database is read anew here (SQLite by default): its connection settings are base.py's.
for _name in ("ATOMIC_REQUESTS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
    DATABASES["default"][_name] = _BASE_DATABASES["default"][_name]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# bin/run sets it from its port argument.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Tasks run in-process here: their one-line success logs would drown the console.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"celery.app.trace": {"level": "WARNING"}},
}
