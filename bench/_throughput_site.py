"""The settings gunicorn serves the portal with in ``bench/throughput.py``: production's,
unchanged (the same middleware, context processors, templates, sessions and database
connection settings), plus one URL, the minimal view every page is compared with. Not a
benchmark itself (``.ci/run`` skips ``bench/_*.py``). The environment production requires
(secret key, database, hosts, address, MFA keys) is set by the benchmark."""

from portal.settings.production import *  # noqa: F403
from portal.settings.production import STORAGES

ROOT_URLCONF = "_throughput_urls"
#: The benchmark runs no collectstatic: ``{% static %}`` names the files without the manifest
#: (a dictionary look-up in production; no static file is requested here).
STORAGES = {**STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
