import os

from celery import Celery
from celery.schedules import crontab  # noqa: F401  (periodic jobs below use it)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job of the portal is declared here, in the America/Montreal time zone
# (CELERY_TIMEZONE). Reminders and escalations arrive with the issues that own them.
app.conf.beat_schedule = {}
