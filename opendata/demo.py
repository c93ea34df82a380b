"""The demo's public figures: every table published, the demo's fictitious cohort file made
publishable, and the figures computed. Every table holding demo data says it is fictitious."""

from regions.models import CohortImport

from .models import TableKey
from .services import cohort_import_publish, figures_compute, table_publish


def seed_demo_public_figures() -> dict[str, int]:
    for key in TableKey.values:
        table_publish(key=key, published=True)
    for cohort_import in CohortImport.objects.filter(is_demo=True, status=CohortImport.Status.DONE):
        cohort_import_publish(cohort_import=cohort_import, publishable=True)
    return figures_compute()
