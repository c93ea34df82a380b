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


class Worker:
    """A real Celery worker (one process, one task at a time) logging to ``log``; ``kill`` is
    SIGKILL: the worker dies at whatever line it is on, as when a machine goes down."""

    def __init__(self, env, log):
        import subprocess

        self.log = log
        self.process = subprocess.Popen(
            celery("worker", "--pool=solo", "--prefetch-multiplier=1", "--without-mingle",
                   "--without-gossip", "--loglevel=INFO"),
            env=env, cwd=settings.BASE_DIR, stdout=log.open("w"), stderr=subprocess.STDOUT)

    def kill(self):
        import signal

        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def wait(condition, what, logs, timeout=90, every=0.05):
    """Wait until ``condition()`` holds, else fail with the end of the workers' logs."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}\n"
                         + "".join(log.read_text()[-3000:] for log in logs if log.exists()))


class RedisServer:
    """A Redis server of the test's own on a free port, without persistence: ``stop`` and
    ``start`` again is a broker restart that loses every queued message."""

    def __init__(self, tmp_path):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.tmp_path, self.process = tmp_path, None

    def start(self):
        import subprocess
        import time

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.tmp_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis.from_url(self.url).ping():
                    return self
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class enqueue_to:
    """Within the block, tasks this process sends go to the broker at ``url`` (not run
    eagerly), as a web process's would."""

    def __init__(self, url):
        self.url = url

    def __enter__(self):
        from portal.celery import app

        self.app = app
        self.saved = {"task_always_eager": app.conf.task_always_eager,
                      "broker_url": app.conf.broker_url}
        app.conf.update(task_always_eager=False, broker_url=self.url)
        self._forget_connections()
        return app

    def __exit__(self, *exc):
        self.app.conf.update(**self.saved)
        self._forget_connections()

    def _forget_connections(self):
        self.app._pool = None
        self.app.amqp._producer_pool = None
