from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enterprises.checklists import checklist_templates_load
from programs.indicators import indicator_definitions_load
from programs.services import programs_load
from regions.services import DEFAULT_DATA_DIR, ReferenceDataError, reference_data_load


class Command(BaseCommand):
    help = (
        "Load or refresh the regional network: 17 regions, 4 SITs, 25 offices, MRCs, the 1,285 "
        "municipalities of the register, the offices' first territories, the funding programs, "
        "the standard indicators and the accompaniment checklists. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)

    def handle(self, *args, data_dir, verbosity=1, **options):
        try:
            report = reference_data_load(data_dir=data_dir)
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        report.created["Program"] = programs_load()
        report.created["IndicatorDefinition"] = indicator_definitions_load()
        report.created["ChecklistTemplate"] = checklist_templates_load()
        for model in ("Program", "IndicatorDefinition", "ChecklistTemplate"):
            if not report.created[model]:
                del report.created[model]
        if verbosity < 1:
            return
        if not report.created and not report.updated:
            self.stdout.write("Reference data already up to date.")
            return
        for kind, counts in (("created", report.created), ("updated", report.updated)):
            for model, n in sorted(counts.items()):
                self.stdout.write(f"{model}: {n} {kind}")
