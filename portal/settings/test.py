"""Tests run on the real PostgreSQL and Redis named by DATABASE_URL and REDIS_URL."""

import base64
import hashlib
from urllib.parse import urlparse

from .base import *  # noqa: F403
from .base import CACHES, REDIS_URL, env


def _redis_database(url: str, number: int) -> str:
    """The same Redis server as ``url``, another database number."""
    return urlparse(url)._replace(path=f"/{number}").geturl()

DEBUG = False
SECRET_KEY = "test-only-not-a-secret-3a9d1e"  # noqa: S105
#: A fixed Fernet key (MFA secrets at rest, accounts/mfa.py), derived from a known phrase.
MFA_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(
    hashlib.sha256(b"test-only-mfa-key-not-a-secret").digest()).decode()]
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A test that starts a real Celery worker gives it a file-based mail backend and a real broker.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=None)
#: Links in emails: the test client's own host, so a test can follow them.
PORTAL_BASE_URL = "http://testserver"
# The tests' cache lives in its own Redis database, which they empty between tests.
CACHES["default"]["LOCATION"] = env("TEST_REDIS_URL", default=_redis_database(REDIS_URL, 1))
#: The broker of the test that starts a real Celery worker (its own database, emptied first).
TEST_BROKER_URL = env("TEST_BROKER_URL", default=_redis_database(REDIS_URL, 4))
CACHES["default"]["KEY_PREFIX"] = "portail-test"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True

# Uploaded files of a test run go to a temporary folder, never into the project.
import tempfile  # noqa: E402

from .base import STORAGES  # noqa: E402

# A real Celery worker a test starts may be given the test's folder, to read its uploads.
STORAGES["private"]["OPTIONS"]["location"] = (env("TEST_PRIVATE_MEDIA_ROOT", default=None)
                                              or tempfile.mkdtemp(prefix="portail-test-private-"))
