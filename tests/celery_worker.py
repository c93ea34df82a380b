"""Starting real Celery workers from tests (marker ``worker``): their environment and command.

The ``worker_env`` fixture (tests/conftest.py) gives a worker the test database, the tests' own
broker (emptied first), no eager mode, and emails written as files under ``tmp_path/mail``."""

import os
import sys
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import connection


def worker_environment(tmp_path) -> dict:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}"
                        f"@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.TEST_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    redis.Redis.from_url(settings.TEST_BROKER_URL).flushdb()
    return env


def celery(*args) -> list[str]:
    """The command line of ``celery -A portal <args>`` in this interpreter."""
    return [sys.executable, "-m", "celery", "-A", "portal", *args]
