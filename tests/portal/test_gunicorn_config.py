"""The web process's workers (portal/gunicorn.conf.py): threaded by default, one process per
CPU with 4 threads each; the environment may go back to sync workers, which then run no
thread (gunicorn would make a sync worker threaded if it were given threads)."""

import os
import runpy
from unittest import mock

from django.conf import settings

CONFIG = str(settings.BASE_DIR / "portal" / "gunicorn.conf.py")
VARIABLES = ("WEB_CONCURRENCY", "GUNICORN_WORKER_CLASS", "GUNICORN_THREADS")


def _config(**env):
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    with mock.patch.dict(os.environ, {**clean, **env}, clear=True):
        config = runpy.run_path(CONFIG)
    return config["workers"], config["worker_class"], config["threads"]


def test_the_web_process_runs_four_threads_in_one_process_per_cpu():
    assert _config() == (os.cpu_count(), "gthread", 4)
    assert _config(WEB_CONCURRENCY="", GUNICORN_THREADS="") == (os.cpu_count(), "gthread", 4)


def test_sync_workers_chosen_in_the_environment_run_no_thread():
    assert _config(GUNICORN_WORKER_CLASS="sync", WEB_CONCURRENCY="5") == (5, "sync", 1)
