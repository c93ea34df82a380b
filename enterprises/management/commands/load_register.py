"""Load the Registraire des entreprises' open-data ZIP (« Registre des entreprises » on Données
Québec) into the portal: ``manage.py load_register Registre.zip``. Streams the file, upserts by
NEQ, all or nothing; running it again with the same file changes nothing. See
``enterprises/register.py`` for the format and the limits."""

from django.core.management.base import BaseCommand, CommandError

from enterprises.models import RegisterLoad
from enterprises.register import Limits, register_load


class Command(BaseCommand):
    help = "Load the enterprise register's open-data ZIP (Registraire des entreprises)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the ZIP downloaded from Données Québec")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--max-megabytes", type=int, default=Limits.max_file_bytes // 1024**2,
                            help="refuse a larger file (default: %(default)s)")
        parser.add_argument("--max-seconds", type=float, default=Limits.max_seconds,
                            help="stop and change nothing after this time "
                                 "(default: %(default)s)")

    def handle(self, *args, path, batch_size, max_megabytes, max_seconds, **options):
        limits = Limits(max_file_bytes=max_megabytes * 1024**2, max_seconds=max_seconds)
        load = register_load(path=path, limits=limits, batch_size=max(1, batch_size))
        if load.status != RegisterLoad.Status.SUCCEEDED:
            raise CommandError(f"{load.message} (load {load.pk})")
        self.stdout.write(self.style.SUCCESS(
            f"{load.file_name}: {load.rows_read} enterprises read, {load.rows_inserted} "
            f"inserted, {load.rows_updated} updated (load {load.pk})."))
