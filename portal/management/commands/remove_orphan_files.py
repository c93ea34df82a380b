"""Remove the files of private storage that no row references (see
``portal.files.remove_orphan_files``); the daily Celery job ``portal.tasks.remove_orphan_files``
does the same."""

from django.core.management.base import BaseCommand

from portal import files


class Command(BaseCommand):
    help = ("Remove files of private storage that no row references and that are older than "
            "the grace period (24 hours by default).")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="List the orphan files without removing them.")
        parser.add_argument("--hours", type=float,
                            default=files.ORPHAN_GRACE.total_seconds() / 3600,
                            help="Grace period: younger files are kept (default: 24).")

    def handle(self, *args, dry_run=False, hours=24, **options):
        from datetime import timedelta

        removed = files.remove_orphan_files(older_than=timedelta(hours=hours), dry_run=dry_run)
        for name in removed:
            self.stdout.write(name)
        verb = "would be removed" if dry_run else "removed"
        self.stdout.write(self.style.SUCCESS(f"{len(removed)} orphan file(s) {verb}."))
