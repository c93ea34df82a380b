import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job of the portal is declared here, in the America/Montreal time zone
# (CELERY_TIMEZONE, set from TIME_ZONE: crontab hours are Montreal hours, DST included).
# Reminders run every day at 6:00: every sweep the domain apps register in their reminders
# modules (notifications.reminders; the follow-up digest only on business days, see
# enterprises.reminders); the daily email digests at 7:00, after them, so the morning digest
# carries the day's reminders.
app.conf.beat_schedule = {
    "daily-reminders": {
        "task": "notifications.tasks.daily_reminders",
        "schedule": crontab(hour=6, minute=0),
    },
    "daily-email-digests": {
        "task": "notifications.tasks.send_email_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    # The outbox: emails owed for more than 2 minutes whose task was lost (worker killed,
    # broker restarted) or failed are sent, each once, under its row's lock; so are
    # invitations committed but never emailed.
    "owed-emails": {
        "task": "notifications.tasks.send_owed_emails",
        "schedule": crontab(minute="*/5"),
    },
    # The portal's mailbox (notifications.inbound): mail to the offices' addresses and replies
    # to case emails, received and processed once each; nothing to do without INBOUND_EMAIL.
    "poll-mailbox": {
        "task": "notifications.tasks.poll_mailbox",
        "schedule": crontab(minute="*"),
        "options": {"expires": 50},  # a run still queued when the next is due is dropped
    },
    "owed-invitations": {
        "task": "partners.tasks.send_owed_invitations",
        "schedule": crontab(minute="*/5"),
    },
    # Personal information past its retention period (retention.RetentionSettings) is
    # deleted or anonymised on the 1st of each month at 3:30 (retention.engine).
    "monthly-retention": {
        "task": "retention.tasks.apply_retention",
        "schedule": crontab(day_of_month=1, hour=3, minute=30),
    },
    # Cohort import previews nobody confirmed expire 24 hours after their upload (and failed
    # imports lose their file 24 hours after failing).
    "hourly-cohort-preview-expiry": {
        "task": "regions.tasks.expire_cohort_previews",
        "schedule": crontab(minute=15),
    },
    # Cohort imports whose job died (worker killed, time limit) become « failed », to retry.
    "cohort-import-recovery": {
        "task": "regions.tasks.recover_cohort_imports",
        "schedule": crontab(minute="*/5"),
    },
    # Files in private storage that no row references (an upload whose transaction rolled
    # back), older than a day, are removed; at 4:15, after the monthly retention job.
    "daily-orphan-files": {
        "task": "portal.tasks.remove_orphan_files",
        "schedule": crontab(hour=4, minute=15),
    },
    # The public figures (opendata): recomputed every hour at :40 into their own tables,
    # which the public pages read; each run replaces the snapshot atomically.
    "public-figures": {
        "task": "opendata.tasks.compute_public_figures",
        "schedule": crontab(minute=40),
    },
}
