from django.core.management.base import BaseCommand

from opendata.services import figures_compute


class Command(BaseCommand):
    help = "Compute the public figures now (the periodic job does it every hour)."

    def handle(self, *args, **options):
        counts = figures_compute()
        for key, rows in counts.items():
            self.stdout.write(f"{key}: {rows} rows")
        self.stdout.write(self.style.SUCCESS("Public figures computed."))
