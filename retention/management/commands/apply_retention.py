"""Forget the personal information past its retention period (the monthly job, by hand)."""

from django.core.management.base import BaseCommand

from retention import engine


class Command(BaseCommand):
    help = ("Delete or anonymise the personal information past its retention period "
            "(RetentionSettings). --dry-run counts what would be done and changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="Count what would be deleted or anonymised; change nothing.")
        parser.add_argument("--chunk", type=int, default=None,
                            help=f"Rows per transaction (default {engine.CHUNK}).")

    def handle(self, *args, dry_run=False, chunk=None, **options):
        if dry_run:
            counts = engine.pending()
            self.stdout.write("Dry run: nothing changed.")
        else:
            report = engine.run(chunk=chunk)
            counts = report.counts
            self.stdout.write(f"Retention run {report.pk} recorded.")
        width = max((len(key) for key in counts), default=0)
        for key, count in counts.items():
            self.stdout.write(f"  {key.ljust(width)}  {count}")
        self.stdout.write(f"Total: {sum(counts.values())}")
